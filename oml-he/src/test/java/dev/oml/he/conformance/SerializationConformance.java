package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.BfvEncoder;
import dev.oml.he.Ciphertext;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.HeSerializer;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MalformedDataException;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Serialization: round trips of ciphertexts (seeded, full, three-component, CKKS) and public
 * keys, relinearization and Galois keys (which still work after loading); seeded ciphertexts
 * half the size; and every malformed input (random garbage, truncation, extension, wrong type,
 * out-of-range coefficient, other parameters) refused with a typed error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SerializationConformance {
  protected abstract HeBackend backend();

  private HeContext ctx;
  private HeContext other;
  private SecretKey sk;
  private PublicKey pk;
  private RelinKeys rk;
  private GaloisKeys gk;
  private final Random rnd = new Random(5);

  @BeforeAll
  void setUp() {
    ctx = backend().createContext(TestParameters.INSECURE_BFV_BATCHING);
    other = backend().createContext(TestParameters.INSECURE_BFV_COEFF);
    KeyGenerator kg = ctx.keyGenerator();
    sk = kg.secretKey();
    pk = kg.createPublicKey();
    rk = kg.createRelinKeys();
    gk = kg.createGaloisKeys(1);
  }

  private long[] values() {
    long[] v = new long[ctx.bfvEncoder().slotCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.floorMod(rnd.nextLong(), ctx.parameters().plainModulus());
    }
    return v;
  }

  private long[] decrypt(Ciphertext c) {
    return ctx.bfvEncoder().decode(ctx.decryptor(sk).decrypt(c));
  }

  @Test
  void ciphertextsRoundTripAndSeededOnesAreHalfSize() {
    HeSerializer ser = ctx.serializer();
    BfvEncoder enc = ctx.bfvEncoder();
    long[] v = values();
    Ciphertext seeded = ctx.encryptor(sk).encryptSeeded(enc.encode(v));
    Ciphertext full = ctx.encryptor(pk).encrypt(enc.encode(v));
    Ciphertext three = ctx.evaluator().multiply(full, full);
    for (Ciphertext c : new Ciphertext[] {seeded, full, three}) {
      byte[] b = ser.save(c);
      assertEquals(ser.savedSize(c), b.length);
      Ciphertext back = ser.loadCiphertext(b);
      assertEquals(c.size(), back.size());
      assertEquals(c.level(), back.level());
      assertArrayEquals(decrypt(c), decrypt(back));
      byte[] buf = new byte[b.length + 10];
      assertEquals(b.length, ser.save(c, buf, 7));
      assertArrayEquals(b, Arrays.copyOfRange(buf, 7, 7 + b.length));
    }
    assertTrue(ser.savedSize(seeded) * 1.9 < ser.savedSize(full));
  }

  @Test
  void keysRoundTripAndStillWork() {
    HeSerializer ser = ctx.serializer();
    BfvEncoder enc = ctx.bfvEncoder();
    long[] v = values();
    PublicKey pk2 = ser.loadPublicKey(ser.save(pk));
    RelinKeys rk2 = ser.loadRelinKeys(ser.save(rk));
    GaloisKeys gk2 = ser.loadGaloisKeys(ser.save(gk));
    Ciphertext c = ctx.encryptor(pk2).encrypt(enc.encode(v));
    assertArrayEquals(v, decrypt(c));
    assertArrayEquals(Oracles.rotateRows(v, 1), decrypt(ctx.evaluator().rotateRows(c, 1, gk2)));
    long[] sq = new long[v.length];
    long t = ctx.parameters().plainModulus();
    for (int i = 0; i < v.length; i++) {
      sq[i] = java.math.BigInteger.valueOf(v[i]).pow(2).mod(java.math.BigInteger.valueOf(t)).longValue();
    }
    assertArrayEquals(sq, decrypt(ctx.evaluator().multiplyAndRelinearize(c, c, rk2)));
    assertArrayEquals(gk.galoisElements(), gk2.galoisElements());
  }

  @Test
  void ckksCiphertextKeepsScaleAndLevel() {
    HeContext ck = backend().createContext(TestParameters.INSECURE_CKKS);
    KeyGenerator kg = ck.keyGenerator();
    Ciphertext c = ck.encryptor(kg.secretKey()).encryptSeeded(
        ck.ckksEncoder().encode(new double[] {0.5, -0.25}, 0x1p40));
    Ciphertext low = ck.evaluator().rescale(ck.evaluator().multiplyPlain(c,
        ck.ckksEncoder().encode(new double[] {2, 2}, 0x1p40)));
    for (Ciphertext x : new Ciphertext[] {c, low}) {
      Ciphertext back = ck.serializer().loadCiphertext(ck.serializer().save(x));
      assertEquals(x.scale(), back.scale());
      assertEquals(x.level(), back.level());
      double[] d = ck.ckksEncoder().decode(ck.decryptor(kg.secretKey()).decrypt(back));
      assertEquals(x == c ? 0.5 : 1.0, d[0], 1e-5);
    }
  }

  @Test
  void malformedBytesGiveTypedErrors() {
    HeSerializer ser = ctx.serializer();
    byte[] good = ser.save(ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(values())));
    assertThrows(MalformedDataException.class, () -> ser.loadCiphertext(new byte[0]));
    assertThrows(MalformedDataException.class, () -> ser.loadCiphertext(null));
    assertThrows(MalformedDataException.class,
        () -> ser.loadCiphertext(Arrays.copyOf(good, good.length - 1)));
    assertThrows(MalformedDataException.class,
        () -> ser.loadCiphertext(Arrays.copyOf(good, good.length + 8)));
    assertThrows(MalformedDataException.class,
        () -> ser.loadCiphertext(Arrays.copyOf(good, 40)));
    byte[] badMagic = good.clone();
    badMagic[0] ^= 1;
    assertThrows(MalformedDataException.class, () -> ser.loadCiphertext(badMagic));
    assertThrows(MalformedDataException.class, () -> ser.loadPublicKey(good));
    assertThrows(MalformedDataException.class, () -> ser.loadRelinKeys(good));
    byte[] big = good.clone();
    Arrays.fill(big, big.length - 8, big.length, (byte) 0xFF);
    assertThrows(MalformedDataException.class, () -> ser.loadCiphertext(big));
    byte[] badLevel = good.clone();
    badLevel[22] = 9;
    assertThrows(MalformedDataException.class, () -> ser.loadCiphertext(badLevel));
    byte[] foreign = other.serializer().save(
        other.encryptor(other.keyGenerator().createPublicKey()).encrypt(
            other.bfvEncoder().encode(new long[] {1})));
    assertThrows(ContextMismatchException.class, () -> ser.loadCiphertext(foreign));
  }

  @Test
  void randomGarbageNeverGivesAnUntypedError() {
    HeSerializer ser = ctx.serializer();
    byte[] good = ser.save(ctx.encryptor(sk).encryptSeeded(ctx.bfvEncoder().encode(values())));
    Random r = new Random(11);
    for (int trial = 0; trial < 300; trial++) {
      byte[] b;
      if (trial % 3 == 0) {
        b = new byte[r.nextInt(200)];
        r.nextBytes(b);
      } else {
        b = good.clone();
        int flips = 1 + r.nextInt(4);
        for (int f = 0; f < flips; f++) {
          b[r.nextInt(Math.min(b.length, trial % 3 == 1 ? 40 : b.length))] ^= (byte) (1 + r.nextInt(255));
        }
        if (trial % 5 == 0) {
          b = Arrays.copyOf(b, r.nextInt(b.length));
        }
      }
      byte[] input = b;
      try {
        ser.loadCiphertext(input);
      } catch (HeException expected) {
        // typed: fine
      }
      try {
        ser.loadGaloisKeys(input);
      } catch (HeException expected) {
        // typed: fine
      }
    }
  }
}
