package dev.oml.core.permission;

import dev.oml.core.omlize.ModelId;
import java.util.Objects;

/**
 * What the owner is about to do with a permission, as the owner itself sees it: the model (its
 * key share), the mode of the session, the number of inferences the first message asks for,
 * the binding recomputed from the first message's exact bytes, and the session's transcript
 * hash. The verifier accepts a permission only if its claims match this use field by field.
 *
 * @param modelId the model the owner will compute with
 * @param mode the mode of this session
 * @param inferences the number of inferences the query or bundle asks for
 * @param binding {@link Binding#ofFirstMessage} of the bytes the owner received
 * @param transcriptHash 32 bytes the owner computed over this session's transcript so far
 */
public record PermissionUse(ModelId modelId, InferenceMode mode, int inferences, Binding binding,
    byte[] transcriptHash) {
  public PermissionUse {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(binding, "binding");
    if (transcriptHash.length != LicenseeProof.TRANSCRIPT_HASH_BYTES) {
      throw new IllegalArgumentException("a transcript hash has "
          + LicenseeProof.TRANSCRIPT_HASH_BYTES + " bytes");
    }
    transcriptHash = transcriptHash.clone();
  }

  /** The use of a session whose first message is {@code firstMessage}. */
  public static PermissionUse of(ModelId modelId, InferenceMode mode, int inferences,
      byte[] firstMessage, byte[] transcriptHash) {
    return new PermissionUse(modelId, mode, inferences, Binding.ofFirstMessage(firstMessage),
        transcriptHash);
  }

  @Override
  public byte[] transcriptHash() {
    return transcriptHash.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PermissionUse u && u.modelId.equals(modelId) && u.mode == mode
        && u.inferences == inferences && u.binding.equals(binding)
        && java.util.Arrays.equals(u.transcriptHash, transcriptHash);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelId, mode, inferences, binding);
  }

  @Override
  public String toString() {
    return "PermissionUse(" + modelId + ", " + mode + ", n=" + inferences + ", " + binding + ")";
  }
}
