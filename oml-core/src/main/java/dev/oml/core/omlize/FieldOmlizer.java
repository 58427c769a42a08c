package dev.oml.core.omlize;

import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.field.PrimeField;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.reference.FieldQuantizedModel;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * OMLize for tier 2, run by the owner offline, next to the tier-1 {@link Omlizer}: quantizes the
 * model into {@code F_p} at {@code f} fractional bits ({@link FieldQuantizedModel}, which refuses
 * a model that may wrap, naming the layer), draws a fresh 256-bit seed {@code k_O} and 128-bit
 * salt, and for every tensor computes {@code W_U = W - W_O mod p} with {@code W_O} from the
 * seed, and the licensee's tags {@code T_U = K + alpha W_U} with {@code alpha} and {@code K}
 * from {@link MacKeyDerivation}{@code (k_O)}. The owner keeps only the seed ({@link
 * FieldKeyShare}, which also records the {@link ModelContentHash} of the model given here, so
 * the HE service can check that it serves this network); the model id is computed last over
 * manifest, shares and tags.
 */
public final class FieldOmlizer {
  private FieldOmlizer() {}

  /** The two outputs of a tier-2 OMLize; they share one {@link ModelId}. */
  public record Result(FieldArtifact artifact, FieldKeyShare keyShare) {
    @Override
    public String toString() {
      return "FieldOmlizer.Result(" + artifact.modelId() + ")";
    }
  }

  /**
   * OMLizes {@code model} into the field at {@code f} fractional bits.
   *
   * @throws dev.oml.core.reference.FieldRangeException naming the layer if the model does not
   *     fit the field at {@code f}
   */
  public static Result omlize(Model model, int f, SigningPublicKey ownerKey,
      SigningPublicKey licenseeKey, SecureRandom random) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(ownerKey, "ownerKey");
    Objects.requireNonNull(licenseeKey, "licenseeKey");
    Objects.requireNonNull(random, "random");
    FieldQuantizedModel q = FieldQuantizedModel.of(model, f);
    byte[] seed = new byte[OwnerKeyShare.SEED_BYTES];
    byte[] salt = new byte[ArtifactManifest.SALT_BYTES];
    random.nextBytes(seed);
    random.nextBytes(salt);
    Model described = model.withFormat(FixedPointFormat.of(PrimeField.BITS, f));
    FieldManifest manifest = FieldManifest.of(
        ArtifactManifest.of(described, salt, ownerKey, licenseeKey), f);
    List<ArtifactManifest.TensorInfo> ts = manifest.description().tensors();
    MacKeyDerivation mac = new MacKeyDerivation(seed);
    long alpha = mac.alpha();
    long[][] shares = new long[ts.size()][];
    long[][] tags = new long[ts.size()][];
    for (int t = 0; t < ts.size(); t++) {
      ArtifactManifest.TensorInfo info = ts.get(t);
      long[] w = info.bias() ? q.bias(info.layer()) : q.matrix(info.layer());
      long[] wO = FieldCodecs.ownerShare(seed, salt, info.name(), info.length());
      shares[t] = PrimeField.sub(w, wO, null);
      tags[t] = PrimeField.addScaled(mac.weightKeys(t, info.length()), alpha, shares[t], null);
    }
    mac.erase();
    FieldArtifact artifact = new FieldArtifact(manifest, shares, tags);
    return new Result(artifact, new FieldKeyShare(manifest, artifact.modelId(), seed,
        ModelContentHash.of(model)));
  }
}
