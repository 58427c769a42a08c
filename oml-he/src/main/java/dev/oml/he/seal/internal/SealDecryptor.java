package dev.oml.he.seal.internal;

import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.HeScheme;
import dev.oml.he.Plaintext;
import dev.oml.he.seal.internal.SealObjects.Ct;
import dev.oml.he.seal.internal.SealObjects.Sk;
import java.math.BigInteger;

/**
 * SEAL decryption (for {@code t = 2^60}, above SEAL's limit, the native library rounds
 * {@code t x / Q} of the phase itself), and the phase computed natively per prime and
 * recombined here by CRT.
 */
final class SealDecryptor implements Decryptor {
  private final SealContext ctx;
  private final Sk sk;

  SealDecryptor(SealContext ctx, Sk sk) {
    this.ctx = ctx;
    this.sk = sk;
  }

  @Override
  public Plaintext decrypt(Ciphertext ciphertext) {
    Ct c = ctx.ct(ciphertext);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_decrypt(ctx.ptr(), sk.pointer(), c.pointer(), out));
    ctx.fence(c, sk);
    boolean ckks = ctx.parameters().scheme() == HeScheme.CKKS;
    return ctx.newPt(out.getValue(), ckks ? c.level : ctx.top, ckks ? c.scale : 1.0);
  }

  @Override
  public BigInteger[] phase(Ciphertext ciphertext) {
    Ct c = ctx.ct(ciphertext);
    int n = ctx.n;
    int primes = c.level + 1;
    long[] residues = new long[primes * n];
    SealNative.check(ctx.lib.oml_decrypt_phase(ctx.ptr(), sk.pointer(), c.pointer(), residues,
        residues.length));
    ctx.fence(c, sk);
    long[] mods = ctx.parameters().coeffModulus();
    BigInteger q = ctx.parameters().modulusAtLevel(c.level);
    BigInteger half = q.shiftRight(1);
    BigInteger[] basis = new BigInteger[primes];
    for (int i = 0; i < primes; i++) {
      BigInteger qi = BigInteger.valueOf(mods[i]);
      BigInteger rest = q.divide(qi);
      basis[i] = rest.multiply(rest.modInverse(qi)).mod(q);
    }
    BigInteger[] out = new BigInteger[n];
    for (int x = 0; x < n; x++) {
      BigInteger v = BigInteger.ZERO;
      for (int i = 0; i < primes; i++) {
        v = v.add(basis[i].multiply(BigInteger.valueOf(residues[i * n + x])));
      }
      v = v.mod(q);
      out[x] = v.compareTo(half) > 0 ? v.subtract(q) : v;
    }
    return out;
  }
}
