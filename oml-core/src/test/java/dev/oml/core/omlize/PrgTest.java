package dev.oml.core.omlize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.oml.core.fixedpoint.FixedPointFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The owner's stream against an independent implementation of its specification written with
 * the JDK alone (HMAC-SHA256 for HKDF per RFC 5869, {@code AES/CTR/NoPadding}), and the domain
 * separation: another tensor name, salt or seed gives another stream.
 */
class PrgTest {
  private static final String INFO = "oml/owner-share-prg/v1/aes-256-ctr/";

  @Test
  void matchesJdkHkdfAndAesCtr() throws Exception {
    Random r = new Random(11);
    for (int ringBits : new int[] {16, 37, 40, 60}) {
      FixedPointFormat fmt = FixedPointFormat.of(ringBits, 6);
      byte[] seed = new byte[32];
      byte[] salt = new byte[16];
      r.nextBytes(seed);
      r.nextBytes(salt);
      int n = 5000; // more than one internal chunk
      long[] got = Prg.stream(seed, salt, "layer3.matrix", fmt, n);
      assertArrayEquals(oracle(seed, salt, "layer3.matrix", fmt, n), got, "l=" + ringBits);
    }
  }

  @Test
  void domainsAreSeparated() {
    Random r = new Random(12);
    byte[] seed = new byte[32];
    byte[] salt = new byte[16];
    r.nextBytes(seed);
    r.nextBytes(salt);
    FixedPointFormat fmt = FixedPointFormat.of(40, 12);
    long[] a = Prg.stream(seed, salt, "layer0.matrix", fmt, 64);
    assertFalse(Arrays.equals(a, Prg.stream(seed, salt, "layer0.bias", fmt, 64)));
    assertFalse(Arrays.equals(a, Prg.stream(seed, salt, "layer2.matrix", fmt, 64)));
    byte[] salt2 = salt.clone();
    salt2[0] ^= 1;
    assertFalse(Arrays.equals(a, Prg.stream(seed, salt2, "layer0.matrix", fmt, 64)));
    byte[] seed2 = seed.clone();
    seed2[31] ^= 1;
    assertFalse(Arrays.equals(a, Prg.stream(seed2, salt, "layer0.matrix", fmt, 64)));
  }

  private static long[] oracle(byte[] seed, byte[] salt, String name, FixedPointFormat fmt, int n)
      throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt, "HmacSHA256"));
    byte[] prk = mac.doFinal(seed);
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update((INFO + name).getBytes(StandardCharsets.UTF_8));
    mac.update((byte) 1);
    byte[] key = mac.doFinal(); // 32 bytes = first HKDF output block
    Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
    aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
    byte[] ks = aes.doFinal(new byte[n * 8]);
    ByteBuffer b = ByteBuffer.wrap(ks).order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = b.getLong() & fmt.mask();
    }
    return out;
  }
}
