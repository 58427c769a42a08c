package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.Evaluator;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.SecretKey;
import dev.oml.he.conformance.Oracles;
import dev.oml.he.conformance.TestParameters;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Algebraic laws of BFV with coefficient encoding, on random inputs (tiny INSECURE ring). */
class JavaBfvProperties {
  private static final HeContext CTX = HeBackends.pureJava().createContext(TestParameters.INSECURE_BFV_TINY);
  private static final KeyGenerator KG = CTX.keyGenerator();
  private static final SecretKey SK = KG.secretKey();
  private static final PublicKey PK = KG.createPublicKey();

  private static long[] random(Random r) {
    long t = CTX.parameters().plainModulus();
    long[] v = new long[CTX.parameters().polyModulusDegree()];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.floorMod(r.nextLong(), t);
    }
    return v;
  }

  private static long[] dec(Ciphertext c) {
    return CTX.bfvEncoder().decode(CTX.decryptor(SK).decrypt(c));
  }

  @Property(tries = 40)
  void encryptionIsARingHomomorphismForPlaintextOperands(@ForAll long seed) {
    Random r = new Random(seed);
    long t = CTX.parameters().plainModulus();
    long[] a = random(r);
    long[] b = random(r);
    long[] c = random(r);
    BfvEncoder enc = CTX.bfvEncoder();
    Evaluator ev = CTX.evaluator();
    Ciphertext ca = CTX.encryptor(PK).encrypt(enc.encode(a));
    Ciphertext cb = CTX.encryptor(SK).encryptSeeded(enc.encode(b));
    long[] sum = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      sum[i] = (a[i] + b[i]) % t;
    }
    assertArrayEquals(sum, dec(ev.add(ca, cb)));
    // (a + b) * c = a * c + b * c, each side evaluated homomorphically.
    long[] lhs = dec(ev.multiplyPlain(ev.add(ca, cb), enc.encode(c)));
    long[] rhs = dec(ev.add(ev.multiplyPlain(ca, enc.encode(c)), ev.multiplyPlain(cb, enc.encode(c))));
    assertArrayEquals(Oracles.negacyclicMod(sum, c, t), lhs);
    assertArrayEquals(lhs, rhs);
  }

  @Property(tries = 40)
  void serializationRoundTripsAnyCiphertext(@ForAll long seed) {
    Random r = new Random(seed);
    long[] a = random(r);
    Ciphertext c = r.nextBoolean()
        ? CTX.encryptor(SK).encryptSeeded(CTX.bfvEncoder().encode(a))
        : CTX.encryptor(PK).encrypt(CTX.bfvEncoder().encode(a));
    assertArrayEquals(a, dec(CTX.serializer().loadCiphertext(CTX.serializer().save(c))));
  }
}
