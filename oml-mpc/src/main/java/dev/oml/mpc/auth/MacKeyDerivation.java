package dev.oml.mpc.auth;

import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.internal.Prg;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Derives the owner's MAC material from its key share seed {@code k_O}, so that the owner's
 * service stores a seed and nothing per weight: the MAC key {@code alpha} and, per layer, one
 * key per weight of the licensee's share {@code W_U}. Each output is HKDF-SHA-256 (Bouncy Castle)
 * with its own label ({@code OML/tier2/mac/alpha/v1}, {@code OML/tier2/mac/weights/v1} plus the
 * layer index); long outputs expand the HKDF output as an AES-128-CTR key ({@code Prg}), and
 * field elements come by rejection sampling, so they are exactly uniform and independent across
 * labels. OMLize calls {@link AuthenticatedVector#deal} with these keys to write the licensee's
 * tags {@code T_U = K + alpha W_U} into the artifact (in the notation the owner's MAC
 * share is {@code T_O = -K}).
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

  private byte[] hkdf(byte[] info, int bytes) {
    HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
    g.init(new HKDFParameters(seed, null, info));
    byte[] out = new byte[bytes];
    g.generateBytes(out, 0, bytes);
    return out;
  }

  private FieldSampler sampler(byte[] info) {
    byte[] key = hkdf(info, 16);
    FieldSampler s = new FieldSampler(new Prg(key));
    Arrays.fill(key, (byte) 0);
    return s;
  }

  /** The MAC key {@code alpha} (redrawn if 0, which happens with probability {@code 1/p}). */
  public MacKey alpha() {
    FieldSampler s = sampler(ALPHA);
    long a;
    do {
      a = s.next();
    } while (a == 0);
    return new MacKey(a);
  }

  /** The owner's keys for the {@code count} weights of layer {@code layer} of {@code W_U}. */
  public MacKeyVector weightKeys(int layer, int count) {
    if (layer < 0 || count < 0) {
      throw new IllegalArgumentException("layer and count must be non-negative");
    }
    byte[] info = ByteBuffer.allocate(WEIGHTS.length + 4).put(WEIGHTS).putInt(layer).array();
    return MacKeyVector.wrap(sampler(info).next(count));
  }

  /** Overwrites the seed; the object is useless afterwards. */
  public void erase() {
    Arrays.fill(seed, (byte) 0);
  }
}
