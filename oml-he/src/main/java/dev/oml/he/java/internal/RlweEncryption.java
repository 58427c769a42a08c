package dev.oml.he.java.internal;

import dev.oml.he.HeScheme;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Pk;
import dev.oml.he.java.internal.JavaObjects.Sk;

/**
 * RLWE encryption and the decryption phase of the pure-Java engine, shared by BFV and CKKS:
 * secret-key encryption (seeded), public-key encryption computed modulo {@code Q P} when there
 * is a special prime, and {@code c0 + c1 s + ...}.
 */
final class RlweEncryption {
  private final RnsRing ring;
  private final String id;
  private final HeScheme scheme;
  private final int n;
  private final Modulus[] mods;
  private final int special;

  RlweEncryption(RnsRing ring, String id, HeScheme scheme) {
    this.ring = ring;
    this.id = id;
    this.scheme = scheme;
    this.n = ring.n;
    this.mods = ring.mods;
    this.special = ring.special;
  }

  /**
   * Secret-key encryption of message rows {@code 0..level}, in NTT form or (when
   * {@code msgNtt} is false) in coefficient form. A coefficient-form message (BFV's scaled
   * plaintext) takes the noise before its one forward NTT per row, which by linearity is the
   * same ciphertext as transforming both; the rows of {@code msg} are then reused.
   */
  Ct encryptSymmetric(Sk s, long[][] msg, boolean msgNtt, int level, double scale,
      boolean keepSeed) {
    int cnt = level + 1;
    byte[] seed = Prg.freshSeed();
    long[][] a = ring.uniformFromSeed(seed, JavaContext.DOMAIN_CT, cnt);
    long[] eSmall = ring.sampleCbd(Prg.fresh());
    long[][] c0 = ring.mul(a, s.ntt, cnt);
    ring.negInto(c0, cnt);
    if (msgNtt) {
      ring.addInto(c0, ring.liftNtt(eSmall, cnt), cnt);
      ring.addInto(c0, msg, cnt);
    } else {
      for (int i = 0; i < cnt; i++) {
        Modulus m = mods[i];
        long[] row = msg[i];
        for (int j = 0; j < n; j++) {
          row[j] = m.add(row[j], m.reduce(eSmall[j]));
        }
      }
      ring.toNtt(msg, cnt);
      ring.addInto(c0, msg, cnt);
    }
    return new Ct(id, scheme, level, scale, new long[][][] {c0, a}, keepSeed ? seed : null);
  }

  /**
   * Public-key encryption {@code (p0 u + e0 + m, p1 u + e1)}. With a special prime {@code P}
   * the encryption of zero is computed modulo {@code Q P} and divided by {@code P} (as SEAL
   * does), which shrinks its noise from about {@code ||e u + e1 s||} to the rounding noise;
   * this matters for CKKS precision.
   */
  Ct encryptPublic(Pk p, long[][] msgNtt, int level, double scale) {
    int cnt = level + 1;
    Prg prg = Prg.fresh();
    long[] uSmall = ring.sampleTernary(prg);
    long[] e0Small = ring.sampleCbd(prg);
    long[] e1Small = ring.sampleCbd(prg);
    long[][] c0;
    long[][] c1;
    if (special < 0) {
      long[][] u = ring.liftNtt(uSmall, cnt);
      c0 = ring.mul(p.p0, u, cnt);
      ring.addInto(c0, ring.liftNtt(e0Small, cnt), cnt);
      c1 = ring.mul(p.p1, u, cnt);
      ring.addInto(c1, ring.liftNtt(e1Small, cnt), cnt);
    } else {
      long[][] u = ring.liftWithSpecial(uSmall, level);
      long[][] e0 = ring.liftWithSpecial(e0Small, level);
      long[][] e1 = ring.liftWithSpecial(e1Small, level);
      long[][] a0 = new long[cnt + 1][n];
      long[][] a1 = new long[cnt + 1][n];
      for (int s = 0; s <= cnt; s++) {
        int r = s < cnt ? s : special;
        Modulus m = mods[r];
        for (int x = 0; x < n; x++) {
          a0[s][x] = m.add(m.mul(p.p0[r][x], u[s][x]), e0[s][x]);
          a1[s][x] = m.add(m.mul(p.p1[r][x], u[s][x]), e1[s][x]);
        }
      }
      c0 = ring.divideBySpecial(a0, level);
      c1 = ring.divideBySpecial(a1, level);
    }
    if (msgNtt != null) {
      ring.addInto(c0, msgNtt, cnt);
    }
    return new Ct(id, scheme, level, scale, new long[][][] {c0, c1}, null);
  }

  /** Phase {@code c0 + c1 s + c2 s^2 ...} in coefficient form. */
  long[][] phaseRows(Sk s, Ct c) {
    int cnt = c.level + 1;
    if (c.kept != null) {
      long[][] acc = ring.mul(c.c[1], s.ntt, cnt);
      ring.fromNtt(acc, cnt);
      ring.addInto(acc, c.c[0], cnt);
      return acc;
    }
    long[][] acc = RnsRing.copy(c.c[0], cnt);
    long[][] sp = RnsRing.copy(s.ntt, cnt);
    for (int i = 1; i < c.c.length; i++) {
      ring.mulAddInto(acc, c.c[i], sp, cnt);
      if (i + 1 < c.c.length) {
        sp = ring.mul(sp, s.ntt, cnt);
      }
    }
    ring.fromNtt(acc, cnt);
    return acc;
  }
}
