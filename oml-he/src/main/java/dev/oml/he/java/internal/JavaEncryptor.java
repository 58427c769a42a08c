package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.Encryptor;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Pk;
import dev.oml.he.java.internal.JavaObjects.Pt;
import dev.oml.he.java.internal.JavaObjects.Sk;

/** Public- or secret-key encryption for the pure-Java backend. */
final class JavaEncryptor implements Encryptor {
  private final JavaContext ctx;
  private final Pk pk;
  private final Sk sk;

  JavaEncryptor(JavaContext ctx, Pk pk, Sk sk) {
    this.ctx = ctx;
    this.pk = pk;
    this.sk = sk;
  }

  private long[][] message(Pt p, int level) {
    if (p.scheme == HeScheme.BFV) {
      long[][] m = ctx.bfvScale(p.bfv, level);
      ctx.ring.toNtt(m, level + 1);
      return m;
    }
    return ckksMessage(p, level);
  }

  /** Secret-key encryption; BFV's scaled message stays in coefficient form until the noise. */
  private Ct symmetric(Pt p, int level, boolean keepSeed) {
    if (p.scheme == HeScheme.BFV) {
      return ctx.encryption.encryptSymmetric(sk, ctx.bfvScale(p.bfv, level), false, level,
          p.scale, keepSeed);
    }
    return ctx.encryption.encryptSymmetric(sk, ckksMessage(p, level), true, level, p.scale,
        keepSeed);
  }

  private long[][] ckksMessage(Pt p, int level) {
    if (p.level < level) {
      throw new IncompatibleOperandsException("plaintext level below the encryption level");
    }
    return RnsRing.copy(p.rows, level + 1);
  }

  @Override
  public Ciphertext encrypt(Plaintext plaintext) {
    Pt p = ctx.pt(plaintext);
    int level = p.scheme == HeScheme.BFV ? ctx.k - 1 : p.level;
    if (sk != null) {
      return symmetric(p, level, false);
    }
    return ctx.encryption.encryptPublic(pk, message(p, level), level, p.scale);
  }

  @Override
  public Ciphertext encryptSeeded(Plaintext plaintext) {
    if (sk == null) {
      throw new IncompatibleOperandsException("seeded encryption needs the secret key");
    }
    Pt p = ctx.pt(plaintext);
    int level = p.scheme == HeScheme.BFV ? ctx.k - 1 : p.level;
    return symmetric(p, level, true);
  }

  /** A seeded BFV encryption at {@code level} (below the top: fewer primes to send). */
  Ciphertext encryptSeeded(Plaintext plaintext, int level) {
    if (sk == null) {
      throw new IncompatibleOperandsException("seeded encryption needs the secret key");
    }
    Pt p = ctx.pt(plaintext);
    if (p.scheme != HeScheme.BFV || level < 0 || level > ctx.k - 1) {
      throw new IncompatibleOperandsException("a seeded encryption at a chosen level is BFV only,"
          + " at a level of the chain");
    }
    return symmetric(p, level, true);
  }

  @Override
  public boolean isSymmetric() {
    return sk != null;
  }
}
