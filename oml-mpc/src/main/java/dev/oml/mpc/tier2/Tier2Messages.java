package dev.oml.mpc.tier2;

import dev.oml.core.field.PrimeField;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.internal.Blocks;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import java.security.SecureRandom;

/**
 * The flights of the tier-2 query that are not messages of a block: U's opening of
 * {@code d = h_U - r} for one layer, and O's release (or refusal) after the query's batched MAC
 * check. Both carry the query's position in the bundle and the layer, so a message replayed
 * from another query or layer is refused as out of order rather than used.
 */
public final class Tier2Messages {
  static final int TAG_BUNDLE_REQUEST = 0x70;
  static final int TAG_OPENING = 0x71;
  static final int TAG_RELEASE = 0x72;

  private Tier2Messages() {}

  /** Bytes of a {@link BundleRequest}'s nonce. */
  public static final int NONCE_BYTES = 16;
  /** The tier-2 protocol version a {@link BundleRequest} names. */
  public static final int PROTOCOL_VERSION = 3;

  /**
   * U to O, the payload of a bundle's permitted first message: protocol version, model id,
   * output policy, number of queries, and a fresh nonce so that every bundle's first message
   * (whose hash the permission binds) is unique.
   */
  public record BundleRequest(int version, ModelId model, OutputPolicy policy, int queries,
      byte[] nonce) {
    /** A request for {@code queries} queries of {@code model} with a fresh nonce. */
    public static BundleRequest fresh(ModelId model, OutputPolicy policy, int queries,
        SecureRandom rng) {
      byte[] nonce = new byte[NONCE_BYTES];
      rng.nextBytes(nonce);
      return new BundleRequest(PROTOCOL_VERSION, model, policy, queries, nonce);
    }

    /** The wire form. */
    public byte[] encode() {
      return new MessageWriter(TAG_BUNDLE_REQUEST, 8 + ModelId.BYTES + 8 + NONCE_BYTES)
          .putLong(version).putBytes(model.bytes())
          .putLong(((long) policy.code() << 32) | (queries & 0xffffffffL)).putBytes(nonce)
          .toByteArray();
    }

    /**
     * Parses a bundle request.
     *
     * @throws ProtocolAbortException if it is malformed or names another protocol version or an
     *     unknown output policy
     */
    public static BundleRequest decode(byte[] m) {
      MessageReader r = new MessageReader(m, TAG_BUNDLE_REQUEST,
          8 + ModelId.BYTES + 8 + NONCE_BYTES, "tier-2 bundle request");
      long version = r.getLong();
      if (version != PROTOCOL_VERSION) {
        throw new ProtocolAbortException("tier-2 bundle request: protocol version " + version
            + "; this owner runs version " + PROTOCOL_VERSION + " (tier 2)");
      }
      ModelId model = ModelId.of(r.getBytes(ModelId.BYTES));
      long pq = r.getLong();
      OutputPolicy policy = OutputPolicy.ofCode((int) (pq >>> 32));
      int queries = (int) pq;
      if (policy == null) {
        throw new ProtocolAbortException("tier-2 bundle request: unknown output policy code "
            + (pq >>> 32));
      }
      if (queries < 1) {
        throw new ProtocolAbortException("tier-2 bundle request: a bundle has at least one query");
      }
      return new BundleRequest((int) version, model, policy, queries,
          r.getBytes(NONCE_BYTES));
    }
  }

  /** U to O: the opened {@code d} of layer {@code layer} of query {@code query}. */
  public record Opening(int query, int layer, long[] d) {
    /** The wire form. */
    public byte[] encode() {
      return new MessageWriter(TAG_OPENING, 8 + 8 * d.length)
          .putLong(((long) query << 32) | (layer & 0xffffffffL)).putLongs(d, 0, d.length)
          .toByteArray();
    }

    /**
     * Parses an opening that must be for {@code query}, {@code layer}, with {@code cols}
     * canonical elements.
     *
     * @throws ProtocolAbortException if it is malformed, out of order or not in {@code F_p}
     */
    public static Opening decode(byte[] m, int query, int layer, int cols) {
      MessageReader r = new MessageReader(m, TAG_OPENING, 8 + 8 * cols, "tier-2 opening");
      long pos = r.getLong();
      if ((int) (pos >>> 32) != query || (int) pos != layer) {
        throw new ProtocolAbortException("tier-2 opening: message of another query or layer");
      }
      long[] d = new long[cols];
      r.getLongs(d, 0, cols);
      for (long x : d) {
        if (!PrimeField.isCanonical(x)) {
          throw new ProtocolAbortException("tier-2 opening: a value is not in F_p");
        }
      }
      return new Opening(query, layer, d);
    }
  }

  /**
   * O to U after the check: accepted with the last layer's output decoding and (LOGITS) O's
   * output share, or refused (empty decoding and share).
   */
  public record Release(int query, boolean accepted, byte[] decoding, long[] ownerShare) {
    /** The wire form. */
    public byte[] encode() {
      return new MessageWriter(TAG_RELEASE, 24 + decoding.length + 8 * ownerShare.length)
          .putLong(query).putLong(accepted ? 1 : 0).putLong(decoding.length)
          .putBytes(decoding).putLongs(ownerShare, 0, ownerShare.length).toByteArray();
    }

    /**
     * Parses a release for {@code query} whose owner share has {@code shareLength} elements if
     * accepted.
     *
     * @throws ProtocolAbortException if it is malformed or out of order
     */
    public static Release decode(byte[] m, int query, int shareLength) {
      if (m == null || m.length < 25) {
        throw new ProtocolAbortException("tier-2 release: message too short");
      }
      long decLen = Blocks.getLong(m, 17);
      boolean refusal = Blocks.getLong(m, 9) == 0;
      int share = refusal ? 0 : shareLength;
      if (decLen < 0 || decLen != m.length - 25 - 8L * share) {
        throw new ProtocolAbortException("tier-2 release: wrong length");
      }
      MessageReader r = new MessageReader(m, TAG_RELEASE, m.length - 1, "tier-2 release");
      if (r.getLong() != query) {
        throw new ProtocolAbortException("tier-2 release: message of another query");
      }
      boolean accepted = r.getLong() == 1;
      r.getLong();
      byte[] dec = r.getBytes((int) decLen);
      long[] s = new long[share];
      r.getLongs(s, 0, share);
      if (!accepted && (dec.length != 0)) {
        throw new ProtocolAbortException("tier-2 release: a refusal carries no output");
      }
      return new Release(query, accepted, dec, s);
    }
  }
}
