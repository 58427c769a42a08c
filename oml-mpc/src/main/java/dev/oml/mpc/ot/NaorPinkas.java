package dev.oml.mpc.ot;

import dev.oml.core.transport.ProtocolAbortException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * Shared pieces of the Naor-Pinkas oblivious transfer (SODA 2001, section 3.1) over NIST P-256
 * with Bouncy Castle point arithmetic, used here as a batched random OT: the sender publishes a
 * random point {@code C} and {@code A = a*G}; for OT {@code j} the receiver with choice {@code b}
 * picks {@code k}, sets {@code PK_b = k*G}, {@code PK_(1-b) = C - PK_b} and sends {@code PK_0};
 * the sender's two outputs are {@code H(j, 0, a*PK_0)} and {@code H(j, 1, a*C - a*PK_0)}, the
 * receiver's is {@code H(j, b, k*A)}.
 *
 * <p>Receiver privacy is perfect ({@code PK_0} is a uniform point whatever {@code b}); sender
 * privacy for the unchosen output rests on computational Diffie-Hellman in P-256 with {@code H}
 * (SHA-256) a random oracle. The proof is for semi-honest senders and receivers, and for a
 * malicious receiver in the random-oracle model; no hash-to-curve is needed because {@code C} is
 * the sender's own random point. P-256's cofactor is 1 and every received point is decoded with
 * on-curve validation and rejected if it is the identity.
 */
final class NaorPinkas {
  static final int POINT_BYTES = 33;
  static final int SEED_BYTES = 16;
  static final X9ECParameters P256 = CustomNamedCurves.getByName("P-256");
  static final ECCurve CURVE = P256.getCurve();
  static final ECPoint G = P256.getG();
  static final BigInteger ORDER = P256.getN();
  private static final byte[] DOMAIN = "OML/NaorPinkas/P-256/v1".getBytes(StandardCharsets.US_ASCII);
  private static final FixedPointCombMultiplier BASE = new FixedPointCombMultiplier();

  private NaorPinkas() {}

  static BigInteger randomScalar(SecureRandom rng) {
    return BigIntegers.createRandomInRange(BigInteger.ONE, ORDER.subtract(BigInteger.ONE), rng);
  }

  static ECPoint baseMul(BigInteger k) {
    return BASE.multiply(G, k).normalize();
  }

  /**
   * {@code k * P} with Bouncy Castle's fixed-point comb, whose table for {@code P} is built on
   * the first call and kept with the point: for a point that many scalars multiply (the
   * receiver's {@code k_j * A} over a batch) this is several times cheaper than a fresh
   * variable-base multiplication each time, and gives the same point.
   */
  static ECPoint fixedMul(ECPoint p, BigInteger k) {
    return BASE.multiply(p, k).normalize();
  }

  static ECPoint decode(byte[] src, int off, String step) {
    byte[] enc = new byte[POINT_BYTES];
    System.arraycopy(src, off, enc, 0, POINT_BYTES);
    ECPoint p;
    try {
      p = CURVE.decodePoint(enc);
    } catch (RuntimeException e) {
      // Bouncy Castle reports bad encodings as IllegalArgumentException, but any parse failure
      // of peer input must surface as the protocol's typed abort
      throw new ProtocolAbortException(step + ": a point is not a valid P-256 encoding");
    }
    if (p.isInfinity() || !p.isValid()) {
      throw new ProtocolAbortException(step + ": a point is the identity or invalid");
    }
    return p.normalize();
  }

  /** {@code H(transcript, j, b, P)}: 16 bytes of SHA-256, domain-separated and bound to C, A. */
  static void hash(byte[] transcript, int j, int b, ECPoint p, byte[] dst, int dstOff) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    md.update(DOMAIN);
    md.update(transcript);
    md.update(new byte[] {(byte) (j >>> 24), (byte) (j >>> 16), (byte) (j >>> 8), (byte) j,
        (byte) b});
    md.update(p.getEncoded(true));
    byte[] h = md.digest();
    System.arraycopy(h, 0, dst, dstOff, SEED_BYTES);
  }
}
