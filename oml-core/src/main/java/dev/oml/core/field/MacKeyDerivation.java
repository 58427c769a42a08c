package dev.oml.core.field;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Derives the owner's MAC material from its key share seed {@code k_O}, so that the owner's
 * service stores a seed and nothing per weight: the MAC key {@code alpha} and, per tensor, one
 * key per element of the licensee's share {@code W_U}. Each output is HKDF-SHA-256 (Bouncy Castle)
 * with its own label ({@code OML/tier2/mac/alpha/v1}, {@code OML/tier2/mac/weights/v1} plus a
 * 32-bit tensor index); the HKDF output keys an AES-128-CTR stream ({@link FieldPrg}) whose field
 * elements come by rejection sampling, so they are exactly uniform and independent across labels.
 * The tier-2 OMLize writes the licensee's tags {@code T_U = K + alpha W_U} into the artifact with
 * these keys (in the notation the owner's MAC share is {@code T_O = -K}); it lives in
 * oml-core for that reason, and the 2PC blocks in {@code dev.oml.mpc.auth} wrap its outputs.
 */
public final class MacKeyDerivation {
  private static final byte[] ALPHA = "OML/tier2/mac/alpha/v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] WEIGHTS =
      "OML/tier2/mac/weights/v1".getBytes(StandardCharsets.US_ASCII);
  private final byte[] seed;

  /**
   * Uses {@code seed} ({@code k_O} or a key derived from it; copied).
   *
   * @throws IllegalArgumentException if the seed is shorter than 16 bytes
   */
  public MacKeyDerivation(byte[] seed) {
    if (seed.length < 16) {
      throw new IllegalArgumentException("a MAC seed needs at least 128 bits");
    }
    this.seed = seed.clone();
  }

  private FieldPrg stream(byte[] info) {
    HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
    g.init(new HKDFParameters(seed, null, info));
    byte[] key = new byte[16];
    g.generateBytes(key, 0, key.length);
    FieldPrg s = new FieldPrg(key);
    Arrays.fill(key, (byte) 0);
    return s;
  }

  /** The MAC key {@code alpha}, a nonzero field element (redrawn if 0, probability {@code 1/p}). */
  public long alpha() {
    FieldPrg s = stream(ALPHA);
    long a;
    do {
      a = s.next();
    } while (a == 0);
    return a;
  }

  /**
   * The owner's keys for the {@code count} elements of tensor {@code index} of {@code W_U} (the
   * 2PC blocks use the layer index; the tier-2 artifact numbers its tensors, see
   * {@code FieldArtifact}).
   */
  public long[] weightKeys(int index, int count) {
    if (index < 0 || count < 0) {
      throw new IllegalArgumentException("index and count must be non-negative");
    }
    byte[] info = ByteBuffer.allocate(WEIGHTS.length + 4).put(WEIGHTS).putInt(index).array();
    return stream(info).next(count);
  }

  /** Overwrites the seed; the object is useless afterwards. */
  public void erase() {
    Arrays.fill(seed, (byte) 0);
  }
}
