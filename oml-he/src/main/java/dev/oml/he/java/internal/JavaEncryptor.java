package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.Encryptor;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
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
      return ctx.encryption.encryptSymmetric(sk, message(p, level), level, p.scale, false);
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
    return ctx.encryption.encryptSymmetric(sk, message(p, level), level, p.scale, true);
  }

  @Override
  public boolean isSymmetric() {
    return sk != null;
  }
}
