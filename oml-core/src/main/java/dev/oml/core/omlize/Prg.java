package dev.oml.core.omlize;

import dev.oml.core.fixedpoint.FixedPointFormat;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * The owner's share generator {@code W_O = PRG(k_O, salt, tensor name)}: HKDF-SHA256 (salt =
 * artifact salt, info = a version tag and the tensor name) derives one AES-256 key per tensor,
 * and AES-256-CTR from a zero counter expands it. Every (seed, salt, tensor) triple gets its own
 * key, so no keystream is ever reused, within an artifact or across artifacts. Each ring
 * element takes 8 keystream bytes reduced mod {@code 2^l}; since {@code 2^l} divides
 * {@code 2^64} the result is exactly uniform if the keystream is.
 */
final class Prg {
  private static final String INFO = "oml/owner-share-prg/v1/aes-256-ctr/";
  private static final int CHUNK_ELEMENTS = 4096;

  private Prg() {}

  /** {@code n} ring elements of the stream for {@code tensor}. */
  static long[] stream(byte[] seed, byte[] salt, String tensor, FixedPointFormat format, int n) {
    byte[] key = new byte[32];
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(seed, salt, (INFO + tensor).getBytes(StandardCharsets.UTF_8)));
    hkdf.generateBytes(key, 0, key.length);
    SICBlockCipher ctr = (SICBlockCipher) SICBlockCipher.newInstance(AESEngine.newInstance());
    ctr.init(true, new ParametersWithIV(new KeyParameter(key), new byte[16]));
    java.util.Arrays.fill(key, (byte) 0);
    long[] out = new long[n];
    byte[] zeros = new byte[CHUNK_ELEMENTS * 8];
    byte[] ks = new byte[CHUNK_ELEMENTS * 8];
    long mask = format.mask();
    for (int start = 0; start < n; start += CHUNK_ELEMENTS) {
      int m = Math.min(CHUNK_ELEMENTS, n - start);
      ctr.processBytes(zeros, 0, m * 8, ks, 0);
      for (int j = 0; j < m; j++) {
        long v = 0;
        for (int b = 7; b >= 0; b--) {
          v = (v << 8) | (ks[j * 8 + b] & 0xFF);
        }
        out[start + j] = v & mask;
      }
    }
    java.util.Arrays.fill(ks, (byte) 0);
    return out;
  }
}
