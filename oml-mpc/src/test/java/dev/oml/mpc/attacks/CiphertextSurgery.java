package dev.oml.mpc.attacks;

import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * What a licensee who patches its client does to ciphertexts on the wire: it parses the public
 * serialized form of the pure-Java backend (a header, then a seeded body {@code seed || c_0} or
 * an extracted body {@code kept positions || c_0 at them || c_1}, polynomial rows bit-packed in
 * NTT form), adds a chosen monomial {@code a X^k} to one component and packs it again. The
 * backend's NTT order and scaling are not copied from its internals but learned through the
 * library's own public calls: a ciphertext whose NTT row is the unit vector {@code e_j} exports
 * (in coefficient form) as the Lagrange polynomial of evaluation point {@code w_j}, whose
 * coefficients are {@code w_j^-m / (N sigma_j)}; so {@code w_j = c_0 / c_1} and slot {@code j}
 * of any polynomial {@code P} is {@code P(w_j) / (N c_0)}.
 */
final class CiphertextSurgery {
  /** Magic, type byte, 16-byte parameter id. */
  private static final int ID_BYTES = 4 + 1 + 16;
  /** Scheme, level, size and flags bytes, then the scale as a double. */
  private static final int HEADER = ID_BYTES + 4 + 8;

  private final HeContext ctx;
  private final int n;
  private final long[] primes;
  private final int[] bits;
  /** Evaluation point and slot scale ({@code 1 / (N c_0)}) per prime and slot. */
  private final BigInteger[][] point;
  private final BigInteger[][] slotScale;
  private final byte[] id;

  CiphertextSurgery(HeContext ctx) {
    this.ctx = ctx;
    this.n = ctx.parameters().polyModulusDegree();
    this.primes = ctx.parameters().coeffModulus();
    this.bits = new int[primes.length];
    for (int i = 0; i < primes.length; i++) {
      bits[i] = 64 - Long.numberOfLeadingZeros(primes[i]);
    }
    Ciphertext any = ctx.encryptor(ctx.keyGenerator().secretKey())
        .encrypt(ctx.bfvEncoder().encode(new long[n]));
    this.id = Arrays.copyOf(ctx.serializer().save(any), ID_BYTES);
    int top = primes.length - 1;
    point = new BigInteger[primes.length][n];
    slotScale = new BigInteger[primes.length][n];
    BigInteger bigN = BigInteger.valueOf(n);
    for (int j = 0; j < n; j++) {
      long[][] unit = new long[primes.length][n];
      for (long[] row : unit) {
        row[j] = 1;
      }
      Ciphertext probe =
          ctx.serializer().loadCiphertext(full(top, unit, new long[primes.length][n]));
      long[][] coeffs = ctx.exportComponents(probe)[0];
      for (int i = 0; i < primes.length; i++) {
        BigInteger q = BigInteger.valueOf(primes[i]);
        BigInteger c0 = BigInteger.valueOf(coeffs[i][0]);
        BigInteger c1 = BigInteger.valueOf(coeffs[i][1]);
        point[i][j] = c0.multiply(c1.modInverse(q)).mod(q);
        slotScale[i][j] = c0.multiply(bigN).modInverse(q);
      }
    }
  }

  /** The NTT rows {@code 0..level} of {@code a X^power} ({@code 0 <= power < N}). */
  long[][] monomial(int level, BigInteger a, int power) {
    long[][] rows = new long[level + 1][n];
    BigInteger e = BigInteger.valueOf(power);
    for (int i = 0; i <= level; i++) {
      BigInteger q = BigInteger.valueOf(primes[i]);
      BigInteger ai = a.mod(q);
      for (int j = 0; j < n; j++) {
        rows[i][j] = ai.multiply(point[i][j].modPow(e, q)).multiply(slotScale[i][j]).mod(q)
            .longValue();
      }
    }
    return rows;
  }

  /** A seeded query ({@code seed || c_0}) with {@code a X^power} added to {@code c_0}. */
  byte[] addToSeededC0(byte[] ct, BigInteger a, int power) {
    ByteBuffer b = open(ct);
    int level = ct[ID_BYTES + 1];
    if (ct[ID_BYTES + 3] != 1) {
      throw new IllegalArgumentException("not a seeded ciphertext");
    }
    int seedBytes = ct.length - HEADER - polyBytes(level);
    b.position(HEADER + seedBytes);
    long[][] c0 = getRows(b, level);
    addInto(c0, monomial(level, a, power), level);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ct, 0, HEADER + seedBytes);
    putRows(out, c0, level);
    return out.toByteArray();
  }

  /** An extracted answer ({@code kept || c_0 || c_1}) with {@code a X^power} added to c_1. */
  byte[] addToExtractedC1(byte[] ct, BigInteger a, int power) {
    ByteBuffer b = open(ct);
    int level = ct[ID_BYTES + 1];
    if (ct[ID_BYTES + 3] != 2) {
      throw new IllegalArgumentException("not an extracted answer");
    }
    b.position(HEADER);
    int count = b.getInt();
    int c1At = HEADER + 4 + 4 * count + 8 * (level + 1) * count;
    b.position(c1At);
    long[][] c1 = getRows(b, level);
    addInto(c1, monomial(level, a, power), level);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ct, 0, c1At);
    putRows(out, c1, level);
    return out.toByteArray();
  }

  /** An ordinary two-component ciphertext at {@code level} from NTT rows. */
  private byte[] full(int level, long[][] c0, long[][] c1) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(id, 0, id.length);
    ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    h.put((byte) 0).put((byte) level).put((byte) 2).put((byte) 0).putDouble(1.0);
    out.write(h.array(), 0, 12);
    putRows(out, c0, level);
    putRows(out, c1, level);
    return out.toByteArray();
  }

  private ByteBuffer open(byte[] ct) {
    if (ct.length < HEADER || !Arrays.equals(Arrays.copyOf(ct, ID_BYTES), id)) {
      throw new IllegalArgumentException("not a ciphertext of this context");
    }
    return ByteBuffer.wrap(ct).order(ByteOrder.LITTLE_ENDIAN);
  }

  private void addInto(long[][] x, long[][] y, int level) {
    for (int i = 0; i <= level; i++) {
      for (int j = 0; j < n; j++) {
        x[i][j] = Math.floorMod(x[i][j] + y[i][j], primes[i]);
      }
    }
  }

  private int polyBytes(int level) {
    int total = 0;
    for (int i = 0; i <= level; i++) {
      total += n / 8 * bits[i];
    }
    return total;
  }

  /** Rows {@code 0..level}, each coefficient LSB first in as many bits as its prime has. */
  private long[][] getRows(ByteBuffer b, int level) {
    long[][] rows = new long[level + 1][n];
    for (int i = 0; i <= level; i++) {
      long acc = 0;
      int have = 0;
      for (int j = 0; j < n; j++) {
        long v = 0;
        for (int got = 0; got < bits[i]; ) {
          if (have == 0) {
            acc = b.get() & 0xFFL;
            have = 8;
          }
          int take = Math.min(have, bits[i] - got);
          v |= (acc & ((1L << take) - 1)) << got;
          acc >>>= take;
          have -= take;
          got += take;
        }
        rows[i][j] = v;
      }
    }
    return rows;
  }

  private void putRows(ByteArrayOutputStream out, long[][] rows, int level) {
    for (int i = 0; i <= level; i++) {
      long acc = 0;
      int have = 0;
      for (long v : rows[i]) {
        for (int put = 0; put < bits[i]; ) {
          int take = Math.min(8 - have, bits[i] - put);
          acc |= ((v >>> put) & ((1L << take) - 1)) << have;
          have += take;
          put += take;
          if (have == 8) {
            out.write((int) acc);
            acc = 0;
            have = 0;
          }
        }
      }
    }
  }
}
