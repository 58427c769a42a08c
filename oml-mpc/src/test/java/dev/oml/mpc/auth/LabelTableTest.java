package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.CircuitBuilder;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Label tables on a real half-gates garbling of {@code relu(x + y mod 2^k)}: x from the evaluator
 * (the licensee), y from the garbler. The oracle is the circuit's plain evaluation and the MAC
 * relation recomputed from the owner's keys.
 */
class LabelTableTest {
  static final SecureRandom RNG = new SecureRandom();
  static final int K = 16;
  static final Circuit RELU_OF_SUM = reluOfSum();
  final MacKey alpha = VoleTest.randomAlpha();

  static Circuit reluOfSum() {
    CircuitBuilder b = new CircuitBuilder(K, K);
    int[] s = Circuits.add(b, b.evaluatorInputs(0, K), b.garblerInputs(0, K));
    return b.build(Circuits.relu(b, s));
  }

  /** A garbled and evaluated circuit: the owner's labels and the licensee's active labels. */
  static final class Run {
    final int n;
    final long dlo;
    final long dhi;
    final long[] inputZeros;
    final long[] outputZeros;
    final long[] activeInputs;
    final long[] activeOutputs;
    final boolean[] outputBits;

    Run(int n, long[] x, long[] y) {
      this.n = n;
      Circuit c = RELU_OF_SUM;
      int inputs = c.garblerInputs() + c.evaluatorInputs();
      long[] d = new long[2];
      Prg.fromRandom(RNG).fill(d, 0, 2);
      dlo = d[0] | 1;
      dhi = d[1];
      inputZeros = new long[2 * inputs * n];
      Prg.fromRandom(RNG).fill(inputZeros, 0, inputZeros.length);
      long[] tables = new long[4 * c.andGates() * n];
      outputZeros = new long[2 * c.outputs() * n];
      HalfGates.garble(c, n, dlo, dhi, inputZeros, 0, tables, outputZeros);
      activeInputs = inputZeros.clone();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < K; j++) {
          flipIf(activeInputs, j * n + i, ((y[i] >>> j) & 1) != 0); // garbler input j
          flipIf(activeInputs, (K + j) * n + i, ((x[i] >>> j) & 1) != 0); // evaluator input j
        }
      }
      activeOutputs = new long[outputZeros.length];
      HalfGates.evaluate(c, n, activeInputs, 0, tables, activeOutputs);
      outputBits = new boolean[c.outputs() * n];
      for (int t = 0; t < outputBits.length; t++) {
        outputBits[t] = ((activeOutputs[2 * t] ^ outputZeros[2 * t]) & 1) != 0;
      }
    }

    void flipIf(long[] labels, int block, boolean bit) {
      if (bit) {
        labels[2 * block] ^= dlo;
        labels[2 * block + 1] ^= dhi;
      }
    }

    /** Decoded output value of instance i, as a signed k-bit integer. */
    long output(int i) {
      long v = 0;
      for (int j = 0; j < K; j++) {
        if (outputBits[j * n + i]) {
          v |= 1L << j;
        }
      }
      return (v << (64 - K)) >> (64 - K);
    }
  }

  static int[] range(int from, int n) {
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = from + i;
    }
    return w;
  }

  static long[] randomBits(int n, int bits) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = RNG.nextLong() & ((1L << bits) - 1);
    }
    return v;
  }

  @Test
  void inputAndOutputTablesAuthenticateWhatTheCircuitSaw() {
    int n = 40;
    long[] x = randomBits(n, K);
    long[] y = randomBits(n, K);
    Run run = new Run(n, x, y);
    int[] inWires = range(K, K); // the evaluator's input wires
    int[] outWires = range(0, K); // indices into the output label array
    long[] inW = LabelTable.unsignedWeights(K);
    long[] outW = LabelTable.signedWeights(K);
    LabelTable.Garbled in = LabelTable.garble(run.inputZeros, inWires, inW, n, run.dlo, run.dhi,
        alpha, LabelTable.tweakBase(0));
    LabelTable.Garbled out = LabelTable.garble(run.outputZeros, outWires, outW, n, run.dlo,
        run.dhi, alpha, LabelTable.tweakBase(1));
    // through the wire format, as the licensee receives them
    LabelTable inT = LabelTable.fromMessage(in.table().toMessage(), n, K);
    LabelTable outT = LabelTable.fromMessage(out.table().toMessage(), n, K);
    long[] inTags = inT.evaluate(run.activeInputs, inWires, inW, LabelTable.tweakBase(0));
    long[] outTags = outT.evaluate(run.activeOutputs, outWires, outW, LabelTable.tweakBase(1));
    for (int i = 0; i < n; i++) {
      // oracle: the plain circuit on (y, x)
      long sum = ((x[i] + y[i]) << (64 - K)) >> (64 - K);
      long relu = Math.max(0, sum);
      assertEquals(relu, run.output(i));
      long a = alpha.alpha();
      assertEquals(PrimeField.add(in.keys().key(i), PrimeField.mul(a, x[i])), inTags[i]);
      assertEquals(PrimeField.add(out.keys().key(i), PrimeField.mul(a,
          FieldFixedPoint.embed(relu))), outTags[i]);
    }
    assertThrows(IllegalStateException.class,
        () -> inT.evaluate(run.activeInputs, inWires, inW, LabelTable.tweakBase(0)));
  }

  @Test
  void attackOnACircuitInputIsCaughtAndWouldShiftTheCircuitOutput() {
    int n = 8;
    long[] x = randomBits(n, K - 3); // small positive values, so relu(x + y) = x + y
    long[] y = randomBits(n, K - 3);
    long[] shifted = x.clone();
    shifted[3] += 5; // the licensee feeds x + 5 e_3 into the circuit
    MacKeyVector xKeys = MacKeyVector.of(MacCheckTest.rand(n));
    AuthenticatedVector xAuth = AuthenticatedVector.deal(x, alpha, xKeys);

    Run run = new Run(n, shifted, y);
    int[] wires = range(K, K);
    long[] w = LabelTable.unsignedWeights(K);
    LabelTable.Garbled in = LabelTable.garble(run.inputZeros, wires, w, n, run.dlo, run.dhi,
        alpha, LabelTable.tweakBase(0));
    long[] tags = in.table().evaluate(run.activeInputs, wires, w, LabelTable.tweakBase(0));
    // the honest licensee code would claim the circuit saw x: values x, tags from the table
    AuthenticatedVector circuitInput = AuthenticatedVector.of(x, tags);
    assertEquals(x[3] + 5 + y[3], run.output(3), "the circuit computed on the shifted input");

    MacCheckVerifier off = new MacCheckVerifier(alpha, RNG)
        .expectZero(in.keys().sub(xKeys));
    off.checkEnabled = false;
    MacCheckTest.runLocal(new MacCheckProver().zero(circuitInput.sub(xAuth)), off);

    MacCheckVerifier on = new MacCheckVerifier(alpha, RNG).expectZero(in.keys().sub(xKeys));
    assertThrows(MacCheckFailedException.class, () -> MacCheckTest.runLocal(
        new MacCheckProver().zero(circuitInput.sub(xAuth)), on));

    // without the shift the same check passes
    Run honest = new Run(n, x, y);
    LabelTable.Garbled in2 = LabelTable.garble(honest.inputZeros, wires, w, n, honest.dlo,
        honest.dhi, alpha, LabelTable.tweakBase(0));
    AuthenticatedVector ok = AuthenticatedVector.of(x, in2.table().evaluate(honest.activeInputs,
        wires, w, LabelTable.tweakBase(0)));
    MacCheckTest.runLocal(new MacCheckProver().zero(ok.sub(xAuth)),
        new MacCheckVerifier(alpha, RNG).expectZero(in2.keys().sub(xKeys)));
  }

  @Test
  void attackOnACircuitOutputIsCaught() {
    int n = 6;
    long[] x = randomBits(n, K - 3);
    long[] y = randomBits(n, K - 3);
    Run run = new Run(n, x, y);
    int[] wires = range(0, K);
    long[] w = LabelTable.signedWeights(K);
    LabelTable.Garbled out = LabelTable.garble(run.outputZeros, wires, w, n, run.dlo, run.dhi,
        alpha, LabelTable.tweakBase(7));
    long[] tags = out.table().evaluate(run.activeOutputs, wires, w, LabelTable.tweakBase(7));
    long[] truth = new long[n];
    for (int i = 0; i < n; i++) {
      truth[i] = FieldFixedPoint.embed(run.output(i));
    }
    long[] claimed = truth.clone();
    claimed[0] = PrimeField.add(claimed[0], 1); // the licensee reports its output share + 1
    AuthenticatedVector forged = AuthenticatedVector.of(claimed, tags);

    MacCheckVerifier off = new MacCheckVerifier(alpha, RNG).expectOpen(out.keys());
    off.checkEnabled = false;
    long[] opened = MacCheckTest.runLocal(new MacCheckProver().open(forged), off).get(0);
    assertNotEquals(truth[0], opened[0]);

    MacCheckVerifier on = new MacCheckVerifier(alpha, RNG).expectOpen(out.keys());
    assertThrows(MacCheckFailedException.class,
        () -> MacCheckTest.runLocal(new MacCheckProver().open(forged), on));
    MacCheckVerifier honest = new MacCheckVerifier(alpha, RNG).expectOpen(out.keys());
    assertArrayEquals(truth, MacCheckTest.runLocal(new MacCheckProver().open(
        AuthenticatedVector.of(truth, tags)), honest).get(0));
  }

  @Test
  void theOtherLabelGivesATagForTheOtherBitOnly() {
    // a licensee holding the label of bit 1 gets R + w alpha; with the label of bit 0 it gets
    // R: both consistent, so each label yields a tag for exactly the bit it stands for
    int n = 1;
    long[] zeros = new long[2];
    Prg.fromRandom(RNG).fill(zeros, 0, 2);
    long dlo = RNG.nextLong() | 1;
    long dhi = RNG.nextLong();
    long[] w = {PrimeField.reduce(1234567)};
    for (int bit = 0; bit < 2; bit++) {
      LabelTable.Garbled g = LabelTable.garble(zeros, new int[] {0}, w, n, dlo, dhi, alpha, 0);
      long[] active = {zeros[0] ^ (bit == 1 ? dlo : 0), zeros[1] ^ (bit == 1 ? dhi : 0)};
      long tag = g.table().evaluate(active, new int[] {0}, w, 0)[0];
      assertEquals(PrimeField.add(g.keys().key(0), PrimeField.mul(alpha.alpha(),
          bit * w[0])), tag);
    }
  }

  @Test
  void badInputIsRejected() {
    long[] labels = new long[2 * 3 * 2];
    long[] w = LabelTable.unsignedWeights(2);
    assertThrows(IllegalArgumentException.class, () -> LabelTable.garble(labels,
        new int[] {0, 3}, w, 2, 1, 0, alpha, 0));
    assertThrows(IllegalArgumentException.class, () -> LabelTable.garble(labels,
        new int[] {0, 1}, w, 2, 2, 0, alpha, 0)); // Delta with permute bit 0
    assertThrows(IllegalArgumentException.class, () -> LabelTable.unsignedWeights(65));
    byte[] msg = LabelTable.garble(labels, new int[] {0, 1}, w, 2, 1, 0, alpha, 0).table()
        .toMessage();
    assertThrows(ProtocolAbortException.class,
        () -> LabelTable.fromMessage(Arrays.copyOf(msg, msg.length - 1), 2, 2));
    byte[] bad = msg.clone();
    Arrays.fill(bad, 1, 9, (byte) 0xff);
    assertThrows(ProtocolAbortException.class, () -> LabelTable.fromMessage(bad, 2, 2));
    assertEquals(4 * 6, LabelTable.payloadBytes(2, 2));
    assertEquals(1 + 4 * 6, msg.length);
  }
}
