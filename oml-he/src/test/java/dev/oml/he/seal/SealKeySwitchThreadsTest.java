package dev.oml.he.seal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeContext;
import dev.oml.he.HeSerializer;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.conformance.TestParameters;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SEAL's key switches split over several threads in the native layer (C ABI 7) give the
 * residues of the one-thread calls, byte for byte: a rotation and a conjugation those of SEAL's
 * own, and so do a relinearization and a rescale (the oracle: SEAL's evaluator, which the
 * one-thread evaluator calls where the native
 * AVX-512 transforms are off or {@code OML_SEAL_REFERENCE=1}; oml-he's pom runs this class
 * a second time with that set), hoisted rotations
 * those of the one-thread hoisted call; at the top level and below it (fewer digits), with
 * 60-bit digits reduced at 40-bit primes and the other way round.
 */
@RequiresSeal
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SealKeySwitchThreadsTest {
  private static final double SCALE = 0x1p40;
  private static final int[] STEPS = {1, 7, -2, 0, 5};
  private HeContext ctx;
  private SecretKey sk;
  private PublicKey pk;
  private GaloisKeys gk;
  private HeSerializer io;
  private final Random rnd = new Random(11);

  @BeforeAll
  void setUp() {
    ctx = SealTests.backend().createContext(TestParameters.INSECURE_CKKS);
    KeyGenerator kg = ctx.keyGenerator();
    sk = kg.secretKey();
    pk = kg.createPublicKey();
    gk = kg.createGaloisKeysWithConjugation(new int[] {1, 7, -2, 5});
    io = ctx.serializer();
  }

  private Ciphertext fresh() {
    CkksEncoder enc = ctx.ckksEncoder();
    double[] v = new double[enc.slotCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = 2 * rnd.nextDouble() - 1;
    }
    return ctx.encryptor(pk).encrypt(enc.encode(v, SCALE));
  }

  private List<Ciphertext> levels() {
    Evaluator ev = ctx.evaluator();
    Ciphertext top = fresh();
    return List.of(top, ev.modSwitchTo(top, 2), ev.modSwitchTo(top, 0));
  }

  private void assertSameResidues(Ciphertext want, Ciphertext got, String what) {
    assertEquals(want.level(), got.level(), what);
    assertEquals(want.scale(), got.scale(), what);
    assertArrayEquals(io.save(want), io.save(got), what + ": residues differ");
  }

  @Test
  void rotationsAndConjugationOnThreadsAreSealsOwn() {
    Evaluator one = ctx.evaluator();
    for (int threads : new int[] {2, 3}) {
      Evaluator ev = one.withKeySwitchThreads(threads);
      assertEquals(threads, ev.keySwitchThreads());
      for (Ciphertext x : levels()) {
        for (int s : STEPS) {
          Ciphertext want = one.rotate(x, s, gk);
          Ciphertext got = ev.rotate(x, s, gk);
          assertSameResidues(want, got, "rotation by " + s + " at level " + x.level()
              + " on " + threads + " threads");
          if (s != 0) {
            // Not a vacuous comparison: the rotation changed the ciphertext.
            assertFalse(java.util.Arrays.equals(io.save(x), io.save(got)));
          }
        }
        assertSameResidues(one.conjugate(x, gk), ev.conjugate(x, gk),
            "conjugation at level " + x.level() + " on " + threads + " threads");
      }
    }
  }

  @Test
  void relinearizationAndRescaleOnThreadsAreSealsOwn() {
    Evaluator one = ctx.evaluator();
    RelinKeys rk = ctx.keyGenerator().createRelinKeys();
    for (int threads : new int[] {2, 3}) {
      Evaluator ev = one.withKeySwitchThreads(threads);
      for (Ciphertext x : levels()) {
        if (x.level() == 0) {
          continue;
        }
        Ciphertext square = one.multiply(x, x);
        Ciphertext want = one.relinearize(square, rk);
        Ciphertext got = ev.relinearize(square, rk);
        assertSameResidues(want, got, "relinearization at level " + x.level() + " on "
            + threads + " threads");
        assertSameResidues(one.rescale(want), ev.rescale(got), "rescale at level "
            + x.level() + " on " + threads + " threads");
        assertSameResidues(one.rescale(x), ev.rescale(x), "rescale of a fresh ciphertext at "
            + "level " + x.level() + " on " + threads + " threads");
      }
    }
  }

  @Test
  void hoistedRotationsOnThreadsAreTheOneThreadCall() {
    Evaluator one = ctx.evaluator();
    for (int threads : new int[] {2, 3, 8}) {
      Evaluator ev = one.withKeySwitchThreads(threads);
      for (Ciphertext x : levels()) {
        for (int[] steps : new int[][] {STEPS, {7}, {}, {0, 0}}) {
          List<Ciphertext> want = one.rotateHoisted(x, steps, gk);
          List<Ciphertext> got = ev.rotateHoisted(x, steps, gk);
          assertEquals(steps.length, got.size());
          for (int k = 0; k < steps.length; k++) {
            assertSameResidues(want.get(k), got.get(k), "hoisted step " + steps[k]
                + " at level " + x.level() + " on " + threads + " threads");
          }
        }
      }
    }
    // And they decrypt to the rotated slots.
    CkksEncoder enc = ctx.ckksEncoder();
    Ciphertext x = fresh();
    double[] v = enc.decode(ctx.decryptor(sk).decrypt(x));
    List<Ciphertext> r = one.withKeySwitchThreads(2).rotateHoisted(x, STEPS, gk);
    for (int k = 0; k < STEPS.length; k++) {
      double[] got = enc.decode(ctx.decryptor(sk).decrypt(r.get(k)));
      for (int i = 0; i < v.length; i++) {
        assertEquals(v[Math.floorMod(i + STEPS[k], v.length)], got[i], 1e-6,
            "step " + STEPS[k] + " slot " + i);
      }
    }
  }

  @Test
  void badCallsFailAsOnOneThread() {
    Evaluator ev = ctx.evaluator().withKeySwitchThreads(2);
    Ciphertext x = fresh();
    assertThrows(IncompatibleOperandsException.class, () -> ev.rotate(x, 3, gk));
    assertThrows(IncompatibleOperandsException.class,
        () -> ev.rotateHoisted(x, new int[] {1, 3}, gk));
    GaloisKeys noConjugation = ctx.keyGenerator().createGaloisKeys(1);
    assertThrows(IncompatibleOperandsException.class, () -> ev.conjugate(x, noConjugation));
    Ciphertext square = ctx.evaluator().multiply(x, x);
    assertThrows(IncompatibleOperandsException.class, () -> ev.rotate(square, 1, gk));
    assertThrows(IllegalArgumentException.class, () -> ctx.evaluator().withKeySwitchThreads(0));
    assertThrows(IllegalArgumentException.class, () -> ctx.evaluator().withKeySwitchThreads(17));
    assertEquals(1, ctx.evaluator().withKeySwitchThreads(1).keySwitchThreads());
  }

  /** BFV rotations are SEAL's on a threaded evaluator too (the split is for CKKS only). */
  @Test
  void bfvRowRotationsAreUnaffected() {
    HeContext bfv = SealTests.backend().createContext(TestParameters.INSECURE_BFV_BATCHING);
    KeyGenerator kg = bfv.keyGenerator();
    GaloisKeys keys = kg.createGaloisKeys(1);
    long[] m = new long[bfv.parameters().polyModulusDegree()];
    for (int i = 0; i < m.length; i++) {
      m[i] = i % 97;
    }
    Ciphertext x = bfv.encryptor(kg.createPublicKey()).encrypt(bfv.bfvEncoder().encode(m));
    Evaluator one = bfv.evaluator();
    assertArrayEquals(bfv.serializer().save(one.rotateRows(x, 1, keys)),
        bfv.serializer().save(one.withKeySwitchThreads(2).rotateRows(x, 1, keys)));
  }
}
