package dev.oml.he.java.internal;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Exact BFV tensoring at one level with big integers: lift both operands (centered) to the
 * data primes plus auxiliary primes {@code P > N * Q}, multiply there without wrap-around, then
 * compute {@code round(t * y / Q)} per coefficient exactly. Slow; kept as the reference the
 * RNS implementation ({@link BfvMultiplier}) is tested against.
 */
final class BfvMultiplierBig {
  private final JavaContext ctx;
  private final int level;
  private final Modulus[] aux;
  private final NttTable[] auxNtt;
  private final BigInteger full;
  private final BigInteger[] fullHat;
  private final long[] fullHatInv;

  BfvMultiplierBig(JavaContext ctx, int level) {
    this.ctx = ctx;
    this.level = level;
    int count = level + 2;
    int[] bits = new int[count];
    Arrays.fill(bits, 60);
    long[] primes = Primes.nttPrimes(ctx.n, bits, ctx.allPrimes());
    aux = new Modulus[count];
    auxNtt = new NttTable[count];
    for (int i = 0; i < count; i++) {
      aux[i] = new Modulus(primes[i]);
      auxNtt[i] = new NttTable(ctx.n, aux[i]);
    }
    int total = level + 1 + count;
    BigInteger f = ctx.qAt[level];
    for (Modulus m : aux) {
      f = f.multiply(m.big());
    }
    full = f;
    fullHat = new BigInteger[total];
    fullHatInv = new long[total];
    for (int i = 0; i < total; i++) {
      Modulus m = mod(i);
      fullHat[i] = full.divide(m.big());
      fullHatInv[i] = m.inv(fullHat[i].mod(m.big()).longValue());
    }
  }

  private Modulus mod(int row) {
    return row <= level ? ctx.mods[row] : aux[row - level - 1];
  }

  private NttTable table(int row) {
    return row <= level ? ctx.ntt[row] : auxNtt[row - level - 1];
  }

  private long[][] extend(long[][] nttRows) {
    int cnt = level + 1;
    int total = cnt + aux.length;
    long[][] r = new long[total][];
    for (int i = 0; i < cnt; i++) {
      r[i] = nttRows[i].clone();
      ctx.ntt[i].inverse(r[i]);
    }
    for (int a = 0; a < aux.length; a++) {
      r[cnt + a] = new long[ctx.n];
    }
    for (int j = 0; j < ctx.n; j++) {
      BigInteger x = ctx.ring.crtCentered(r, level, j);
      for (int a = 0; a < aux.length; a++) {
        r[cnt + a][j] = x.mod(aux[a].big()).longValue();
      }
    }
    for (int i = 0; i < total; i++) {
      table(i).forward(r[i]);
    }
    return r;
  }

  long[][][] multiply(long[][][] a, long[][][] b) {
    int cnt = level + 1;
    int total = cnt + aux.length;
    long[][] a0 = extend(a[0]);
    long[][] a1 = extend(a[1]);
    long[][] b0 = extend(b[0]);
    long[][] b1 = extend(b[1]);
    long[][][] d = new long[3][total][ctx.n];
    for (int r = 0; r < total; r++) {
      Modulus m = mod(r);
      for (int x = 0; x < ctx.n; x++) {
        d[0][r][x] = m.mul(a0[r][x], b0[r][x]);
        d[1][r][x] = m.add(m.mul(a0[r][x], b1[r][x]), m.mul(a1[r][x], b0[r][x]));
        d[2][r][x] = m.mul(a1[r][x], b1[r][x]);
      }
    }
    BigInteger q = ctx.qAt[level];
    BigInteger twoQ = q.shiftLeft(1);
    BigInteger twoT = BigInteger.valueOf(ctx.t).shiftLeft(1);
    BigInteger halfFull = full.shiftRight(1);
    long[][][] out = new long[3][cnt][ctx.n];
    for (int c = 0; c < 3; c++) {
      for (int r = 0; r < total; r++) {
        table(r).inverse(d[c][r]);
      }
      for (int x = 0; x < ctx.n; x++) {
        BigInteger y = BigInteger.ZERO;
        for (int r = 0; r < total; r++) {
          long v = mod(r).mul(d[c][r][x], fullHatInv[r]);
          y = y.add(fullHat[r].multiply(BigInteger.valueOf(v)));
        }
        y = y.mod(full);
        if (y.compareTo(halfFull) > 0) {
          y = y.subtract(full);
        }
        BigInteger[] qr = y.multiply(twoT).add(q).divideAndRemainder(twoQ);
        BigInteger z = qr[1].signum() < 0 ? qr[0].subtract(BigInteger.ONE) : qr[0];
        for (int r = 0; r < cnt; r++) {
          out[c][r][x] = z.mod(ctx.mods[r].big()).longValue();
        }
      }
      ctx.ring.toNtt(out[c], cnt);
    }
    return out;
  }
}
