package dev.oml.he.seal.internal;

import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.Ciphertext;
import dev.oml.he.Encryptor;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.Plaintext;
import dev.oml.he.seal.internal.SealObjects.Pk;
import dev.oml.he.seal.internal.SealObjects.Pt;
import dev.oml.he.seal.internal.SealObjects.Sk;

/**
 * Public-key or secret-key encryption at the top level with SEAL's samplers (centered binomial
 * noise bounded by 21, ternary randomness, BLAKE2 seeded from the system's entropy).
 */
final class SealEncryptor implements Encryptor {
  private final SealContext ctx;
  private final Pk pk;
  private final Sk sk;

  SealEncryptor(SealContext ctx, Pk pk, Sk sk) {
    this.ctx = ctx;
    this.pk = pk;
    this.sk = sk;
  }

  @Override
  public Ciphertext encrypt(Plaintext plaintext) {
    Pt p = ctx.pt(plaintext);
    PointerByReference out = new PointerByReference();
    if (sk != null) {
      SealNative.check(ctx.lib.oml_encrypt_symmetric(ctx.ptr(), sk.pointer(), p.pointer(), 0, out));
    } else {
      SealNative.check(ctx.lib.oml_encrypt_public(ctx.ptr(), pk.pointer(), p.pointer(), out));
    }
    ctx.fence(p, sk, pk);
    return ctx.newCt(out);
  }

  @Override
  public Ciphertext encryptSeeded(Plaintext plaintext) {
    if (sk == null) {
      throw new IncompatibleOperandsException("seeded encryption needs the secret key");
    }
    Pt p = ctx.pt(plaintext);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_encrypt_symmetric(ctx.ptr(), sk.pointer(), p.pointer(), 1, out));
    ctx.fence(p, sk);
    return ctx.newCt(out);
  }

  @Override
  public boolean isSymmetric() {
    return sk != null;
  }
}
