package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.conformance.TestParameters;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A secret-key encryption (plain and seeded) carries its fresh noise: the phase minus
 * {@code round(Q m / t)} is a centered binomial sample with {@code eta = 21} per coefficient, so
 * within 21 and with variance {@code eta / 2 = 10.5} (the BFV message is added in coefficient
 * form, before the one NTT; a noise that went missing or was added twice would show here).
 */
class SymmetricNoiseTest {
  @Test
  void freshNoiseIsACenteredBinomialOfEta21() {
    HeParameters p = TestParameters.INSECURE_BFV_COEFF;
    HeContext ctx = HeBackends.pureJava().createContext(p);
    KeyGenerator kg = ctx.keyGenerator();
    Encryptor enc = ctx.encryptor(kg.secretKey());
    Decryptor dec = ctx.decryptor(kg.secretKey());
    long t = p.plainModulus();
    BigInteger q = p.modulusAtLevel(p.maxLevel());
    BigInteger bt = BigInteger.valueOf(t);
    Random rnd = new Random(7);
    long[] m = new long[p.polyModulusDegree()];
    for (int i = 0; i < m.length; i++) {
      m[i] = Math.floorMod(rnd.nextLong(), t);
    }
    for (boolean seeded : new boolean[] {false, true}) {
      Ciphertext c = seeded ? enc.encryptSeeded(ctx.bfvEncoder().encode(m))
          : enc.encrypt(ctx.bfvEncoder().encode(m));
      BigInteger[] phase = dec.phase(c);
      double sumSq = 0;
      for (int i = 0; i < m.length; i++) {
        BigInteger scaled = q.multiply(BigInteger.valueOf(m[i])).shiftLeft(1).add(bt)
            .divide(bt.shiftLeft(1));
        BigInteger e = phase[i].subtract(scaled).mod(q);
        if (e.shiftLeft(1).compareTo(q) > 0) {
          e = e.subtract(q);
        }
        long v = e.longValueExact();
        assertTrue(Math.abs(v) <= 21, "noise beyond the fresh bound at " + i);
        sumSq += (double) v * v;
      }
      double variance = sumSq / m.length;
      assertTrue(variance > 8 && variance < 13, "seeded " + seeded + ": variance " + variance);
    }
  }
}
