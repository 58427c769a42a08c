package dev.oml.he.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Evaluator;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.KeyGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code multiplyConstantSums} of a backend against sums computed in doubles: 20
 * rows (more than one block of rows) of 40 inputs (more than one reduction group at the 60-bit
 * prime), at the top level (a 60-bit and 40-bit primes) and one level down, with zero weights
 * among them; and its refusals.
 */
public abstract class ConstantSumsConformance {
  protected abstract HeBackend backend();

  private static final HeParameters P = HeParameters.builder(HeScheme.CKKS)
      .polyModulusDegree(2048).coeffModulusBits(60, 40, 40, 40, 40).specialPrimeBits(60)
      .insecureForTesting().name("INSECURE-CKKS-N2048").build();

  @Test
  void sumsOfConstantProductsMatchDoubles() {
    HeContext ctx = backend().createContext(P);
    KeyGenerator kg = ctx.keyGenerator();
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator ev = ctx.evaluator();
    Random rnd = new Random(11);
    int inputs = 40;
    int rows = 20;
    int slots = enc.slotCount();
    for (int drop = 0; drop <= 1; drop++) {
      double[][] x = new double[inputs][slots];
      List<Ciphertext> cts = new ArrayList<>();
      for (int i = 0; i < inputs; i++) {
        for (int s = 0; s < slots; s++) {
          x[i][s] = rnd.nextDouble() * 2 - 1;
        }
        Ciphertext c = ctx.encryptor(kg.secretKey()).encryptSeeded(enc.encode(x[i], 0x1p40));
        cts.add(drop == 0 ? c : ev.modSwitchToNext(c));
      }
      double[][] w = new double[rows][inputs];
      for (int j = 0; j < rows; j++) {
        for (int i = 0; i < inputs; i++) {
          w[j][i] = (i + j) % 5 == 0 ? 0.0 : rnd.nextGaussian();
        }
      }
      List<Ciphertext> out = ev.multiplyConstantSums(cts, w, 0x1p40);
      assertEquals(rows, out.size());
      for (int j = 0; j < rows; j++) {
        Ciphertext y = ev.rescale(out.get(j));
        assertEquals(cts.get(0).level() - 1, y.level());
        double[] got = enc.decode(ctx.decryptor(kg.secretKey()).decrypt(y));
        for (int s = 0; s < slots; s++) {
          double want = 0;
          for (int i = 0; i < inputs; i++) {
            want += w[j][i] * x[i][s];
          }
          assertEquals(want, got[s], 1e-4, "row " + j + " slot " + s + " drop " + drop);
        }
      }
    }
  }

  @Test
  void refusesMismatchedOperands() {
    HeContext ctx = backend().createContext(P);
    KeyGenerator kg = ctx.keyGenerator();
    CkksEncoder enc = ctx.ckksEncoder();
    Evaluator ev = ctx.evaluator();
    Ciphertext a = ctx.encryptor(kg.createPublicKey()).encrypt(enc.encode(new double[] {1}, 0x1p40));
    Ciphertext low = ev.modSwitchToNext(a);
    assertThrows(IncompatibleOperandsException.class,
        () -> ev.multiplyConstantSums(List.of(a, low), new double[][] {{1, 1}}, 0x1p40));
    assertThrows(IllegalArgumentException.class,
        () -> ev.multiplyConstantSums(List.of(a, a), new double[][] {{1}}, 0x1p40));
    assertThrows(IllegalArgumentException.class,
        () -> ev.multiplyConstantSums(List.of(a), new double[][] {{0x1p30}}, 0x1p40));
    assertThrows(IllegalArgumentException.class,
        () -> ev.multiplyConstantSums(List.of(), new double[][] {{}}, 0x1p40));
  }
}
