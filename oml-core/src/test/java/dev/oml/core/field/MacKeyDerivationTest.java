package dev.oml.core.field;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MacKeyDerivationTest {
  private static final SecureRandom RNG = new SecureRandom();

  @Test
  void derivationIsDeterministicDomainSeparatedAndSeedDependent() {
    byte[] seed = new byte[32];
    RNG.nextBytes(seed);
    MacKeyDerivation d = new MacKeyDerivation(seed);
    assertEquals(d.alpha(), new MacKeyDerivation(seed).alpha());
    assertArrayEquals(d.weightKeys(2, 50), new MacKeyDerivation(seed).weightKeys(2, 50));
    // a prefix of a longer derivation: one stream per label
    assertArrayEquals(d.weightKeys(2, 10), Arrays.copyOf(d.weightKeys(2, 50), 10));
    assertNotEquals(d.weightKeys(1, 1)[0], d.weightKeys(2, 1)[0]);
    assertNotEquals(d.alpha(), d.weightKeys(0, 1)[0]);
    seed[0] ^= 1;
    assertNotEquals(d.alpha(), new MacKeyDerivation(seed).alpha());
    for (long k : d.weightKeys(0, 1000)) {
      assertTrue(PrimeField.isCanonical(k));
    }
    assertThrows(IllegalArgumentException.class, () -> new MacKeyDerivation(new byte[15]));
  }

  @Test
  void fieldPrgIsAesCtrMaskedAndRejected() {
    // oracle: the JDK's AES-CTR keystream read independently through a ByteBuffer
    byte[] key = new byte[16];
    RNG.nextBytes(key);
    long[] got = new FieldPrg(key).next(2000);
    try {
      javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/CTR/NoPadding");
      c.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
          new javax.crypto.spec.IvParameterSpec(new byte[16]));
      java.nio.ByteBuffer ks = java.nio.ByteBuffer.wrap(c.doFinal(new byte[8 * 4000]))
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      int i = 0;
      while (i < got.length) {
        long x = ks.getLong() & ((1L << 46) - 1);
        if (x < PrimeField.P) {
          assertEquals(x, got[i++]);
        }
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
