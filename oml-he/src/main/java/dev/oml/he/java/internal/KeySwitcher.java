package dev.oml.he.java.internal;

import dev.oml.he.java.internal.JavaObjects.Ksk;
import dev.oml.he.java.internal.JavaObjects.Sk;

/**
 * Hybrid key switching (one digit per data prime, one special prime {@code P}) of the pure-Java
 * engine: making key-switching keys, decomposing a polynomial into digits, and the products with
 * a key followed by the division by {@code P}. Relinearization, rotations and conjugation all go
 * through here.
 */
final class KeySwitcher {
  private final RnsRing ring;
  private final int n;
  private final int k;
  private final Modulus[] mods;
  private final NttTable[] ntt;
  private final int special;

  KeySwitcher(RnsRing ring) {
    this.ring = ring;
    this.n = ring.n;
    this.k = ring.k;
    this.mods = ring.mods;
    this.ntt = ring.ntt;
    this.special = ring.special;
  }

  /** Key-switching key from {@code target} (NTT rows over all primes) to the secret key. */
  Ksk makeKsk(Sk sk, long[][] target) {
    int all = mods.length;
    byte[][] seeds = new byte[k][];
    long[][][] k0 = new long[k][][];
    long[][][] k1 = new long[k][][];
    Prg noise = Prg.fresh();
    long p = mods[special].q;
    for (int i = 0; i < k; i++) {
      seeds[i] = Prg.freshSeed();
      long[][] a = ring.uniformFromSeed(seeds[i], JavaContext.DOMAIN_KSK, all);
      long[][] e = ring.liftNtt(ring.sampleCbd(noise), all);
      long[][] b = ring.mul(a, sk.ntt, all);
      ring.negInto(b, all);
      ring.addInto(b, e, all);
      Modulus mi = mods[i];
      long pm = mi.reduceUnsigned(p);
      for (int x = 0; x < n; x++) {
        b[i][x] = mi.add(b[i][x], mi.mul(pm, target[i][x]));
      }
      k0[i] = b;
      k1[i] = a;
    }
    return new Ksk(seeds, k0, k1);
  }

  /**
   * Hybrid key switching of coefficient-form {@code d} (rows {@code 0..level}): digits
   * {@code [d]_{q_i}}, products with the key over the data primes and the special prime
   * {@code P}, then division by {@code P} with rounding. {@code dNtt} is {@code d} in NTT form
   * if the caller has it (or null). Returns two NTT-form polynomials.
   */
  long[][][] keySwitch(long[][] d, long[][] dNtt, Ksk key, int level) {
    return keySwitchDigits(decompose(d, dNtt, level), key, level, null);
  }

  /**
   * The digits {@code [d]_{q_i}} of coefficient-form {@code d}, each lifted to rows
   * {@code 0..level} and the special prime (last) and transformed: {@code [digit][row][x]}.
   * This is the expensive half of key switching ({@code (level + 1)^2} transforms), shared by
   * hoisted rotations. When the caller still has {@code d} in NTT form ({@code dNtt}, read
   * only), digit {@code i} at its own prime is that row, which saves {@code level + 1}
   * transforms.
   */
  long[][][] decompose(long[][] d, long[][] dNtt, int level) {
    int cnt = level + 2;
    long[][][] out = new long[level + 1][cnt][];
    for (int i = 0; i <= level; i++) {
      long[] digit = d[i];
      for (int s = 0; s < cnt; s++) {
        int r = s <= level ? s : special;
        if (r == i && dNtt != null) {
          out[i][s] = dNtt[i];
          continue;
        }
        Modulus m = mods[r];
        long[] tmp = new long[n];
        if (r == i) {
          System.arraycopy(digit, 0, tmp, 0, n);
        } else {
          for (int x = 0; x < n; x++) {
            tmp[x] = m.reduceUnsigned(digit[x]);
          }
        }
        ntt[r].forward(tmp);
        out[i][s] = tmp;
      }
    }
    return out;
  }

  /**
   * Products of (optionally permuted, that is automorphed in the NTT domain) digits with a
   * key, then division by {@code P}. {@code perm[x]} is the source index of output {@code x}.
   * The products of one output coefficient are summed as 128-bit integers and reduced once:
   * with primes below {@code 2^61} each product is below {@code 2^122}, so up to 64 digits fit.
   */
  long[][][] keySwitchDigits(long[][][] digits, Ksk key, int level, int[] perm) {
    int cnt = level + 2;
    int count = level + 1;
    if (count > 64) {
      throw new IllegalStateException("more than 64 digits overflow the 128-bit accumulator");
    }
    long[][] acc0 = new long[cnt][n];
    long[][] acc1 = new long[cnt][n];
    long[][] v = new long[count][];
    long[][] y0 = new long[count][];
    long[][] y1 = new long[count][];
    for (int s = 0; s < cnt; s++) {
      int r = s <= level ? s : special;
      Modulus m = mods[r];
      for (int i = 0; i < count; i++) {
        v[i] = digits[i][s];
        y0[i] = key.k0[i][r];
        y1[i] = key.k1[i][r];
      }
      long[] z0 = acc0[s];
      long[] z1 = acc1[s];
      for (int x = 0; x < n; x++) {
        int src = perm == null ? x : perm[x];
        long hi0 = 0;
        long lo0 = 0;
        long hi1 = 0;
        long lo1 = 0;
        for (int i = 0; i < count; i++) {
          long d = v[i][src];
          // Operands are below 2^61, so the signed high word is the unsigned one.
          long a0 = y0[i][x];
          long p0 = d * a0;
          lo0 += p0;
          hi0 += Math.multiplyHigh(d, a0) + (Long.compareUnsigned(lo0, p0) < 0 ? 1 : 0);
          long a1 = y1[i][x];
          long p1 = d * a1;
          lo1 += p1;
          hi1 += Math.multiplyHigh(d, a1) + (Long.compareUnsigned(lo1, p1) < 0 ? 1 : 0);
        }
        z0[x] = m.reduceWide(hi0, lo0);
        z1[x] = m.reduceWide(hi1, lo1);
      }
    }
    return new long[][][] {ring.divideBySpecial(acc0, level), ring.divideBySpecial(acc1, level)};
  }
}
