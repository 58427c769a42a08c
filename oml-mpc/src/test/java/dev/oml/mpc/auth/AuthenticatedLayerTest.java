package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.field.PrimeField;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.CircuitBuilder;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.internal.HalfGates;
import dev.oml.mpc.internal.Prg;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/**
 * The blocks composed as in docs/2pc-tier2.md section 3, for the licensee's side of one linear
 * layer: artifact tags for {@code W_U} from the owner's seed, VOLE for the mask {@code r}, the
 * input share {@code h_U} and the product {@code c = W_U r}, the Freivalds check, the opening of
 * {@code d = h_U - r}, the local {@code z_U = W_U d + c}, the input label table of the circuit
 * that takes {@code z_U}, and one batched MAC check over all of it. Oracle: {@code W_U h_U} in
 * BigInteger. A MUSE offset on the circuit input is caught by the same single check.
 */
class AuthenticatedLayerTest {
  static final SecureRandom RNG = new SecureRandom();
  static final int ROWS = 5;
  static final int COLS = 7;
  static final int BITS = PrimeField.BITS;
  static final Circuit CIRCUIT = sumCircuit();

  static Circuit sumCircuit() {
    CircuitBuilder b = new CircuitBuilder(BITS, BITS);
    return b.build(Circuits.add(b, b.evaluatorInputs(0, BITS), b.garblerInputs(0, BITS)));
  }

  @Test
  void oneLayerPassesHonestlyAndAMuseOffsetOnTheCircuitInputIsCaught() {
    runLayer(0);
    assertThrows(MacCheckFailedException.class, () -> runLayer(3));
  }

  /** Runs the layer; the licensee adds {@code offset} to z_U's first entry at the circuit. */
  void runLayer(long offset) {
    byte[] kO = new byte[32];
    RNG.nextBytes(kO);
    MacKeyDerivation owner = new MacKeyDerivation(kO);
    MacKey alpha = MacKey.derive(owner);
    MacKeyVector wK = MacKeyVector.derive(owner, 0, ROWS * COLS);
    AuthenticatedVector wU = AuthenticatedVector.deal(MacCheckTest.rand(ROWS * COLS), alpha, wK);

    // offline and input: r, h_U and c = W_U r authenticated in one VOLE run
    long[] r = MacCheckTest.rand(COLS);
    long[] h = MacCheckTest.rand(COLS);
    long[] c = PrimeField.matVec(wU.values(), ROWS, r, null);
    long[] all = new long[2 * COLS + ROWS];
    System.arraycopy(r, 0, all, 0, COLS);
    System.arraycopy(h, 0, all, COLS, COLS);
    System.arraycopy(c, 0, all, 2 * COLS, ROWS);
    VoleReceiver vu = new VoleReceiver(all, RNG);
    VoleSender vo = new VoleSender(alpha, all.length, RNG);
    AuthenticatedVector a = vu.finish(vo.fourthMessage(vu.thirdMessage(vo.secondMessage(
        vu.firstMessage()))));
    MacKeyVector ak = vo.keys();
    AuthenticatedVector rA = a.slice(0, COLS);
    AuthenticatedVector hA = a.slice(COLS, COLS);
    AuthenticatedVector cA = a.slice(2 * COLS, ROWS);
    MacKeyVector rK = ak.slice(0, COLS);
    MacKeyVector hK = ak.slice(COLS, COLS);
    MacKeyVector cK = ak.slice(2 * COLS, ROWS);

    MacCheckProver prover = new MacCheckProver();
    MacCheckVerifier verifier = new MacCheckVerifier(alpha, RNG);
    FreivaldsCheck.Owner fo = new FreivaldsCheck.Owner(wK, ROWS, COLS, rK, cK, RNG);
    fo.receive(new FreivaldsCheck.Licensee(wU, ROWS, COLS, rA, cA).respond(fo.challenge(),
        prover), verifier);

    // online: open d = h_U - r (known to the owner from the online message), then z_U locally
    AuthenticatedVector dA = hA.sub(rA);
    long[] d = dA.values();
    prover.known(dA);
    verifier.expectKnown(hK.sub(rK), d);
    AuthenticatedVector zA = wU.timesPublic(ROWS, d).add(cA);
    MacKeyVector zK = wK.timesPublic(ROWS, d).add(cK);
    assertArrayEquals(bigMatVec(wU.values(), h), zA.values(), "z_U = W_U h_U");

    // the circuit: z_U's bits as evaluator inputs, one instance per row
    long[] fed = zA.values();
    fed[0] = PrimeField.add(fed[0], offset);
    long[] d2 = new long[2];
    Prg.fromRandom(RNG).fill(d2, 0, 2);
    long dlo = d2[0] | 1;
    long dhi = d2[1];
    int inputs = 2 * BITS;
    long[] zeros = new long[2 * inputs * ROWS];
    Prg.fromRandom(RNG).fill(zeros, 0, zeros.length);
    long[] tables = new long[4 * CIRCUIT.andGates() * ROWS];
    long[] outZeros = new long[2 * CIRCUIT.outputs() * ROWS];
    HalfGates.garble(CIRCUIT, ROWS, dlo, dhi, zeros, 0, tables, outZeros);
    long[] active = zeros.clone();
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < BITS; j++) {
        if (((fed[i] >>> j) & 1) != 0) {
          int blk = (BITS + j) * ROWS + i;
          active[2 * blk] ^= dlo;
          active[2 * blk + 1] ^= dhi;
        }
      }
    }
    int[] wires = new int[BITS];
    for (int j = 0; j < BITS; j++) {
      wires[j] = BITS + j;
    }
    long[] weights = LabelTable.unsignedWeights(BITS);
    LabelTable.Garbled lt = LabelTable.garble(zeros, wires, weights, ROWS, dlo, dhi, alpha,
        LabelTable.tweakBase(0));
    long[] inTags = LabelTable.fromMessage(lt.table().toMessage(), ROWS, BITS).evaluate(active,
        wires, weights, LabelTable.tweakBase(0));
    // the licensee claims the circuit saw z_U: the difference must be zero
    prover.zero(AuthenticatedVector.of(zA.values(), inTags).sub(zA));
    verifier.expectZero(lt.keys().sub(zK));

    // the one check of the query
    verifier.verify(prover.respond(verifier.challenge(prover.claimMessage())));
  }

  static long[] bigMatVec(long[] w, long[] x) {
    long[] out = new long[ROWS];
    BigInteger p = BigInteger.valueOf(PrimeField.P);
    for (int i = 0; i < ROWS; i++) {
      BigInteger acc = BigInteger.ZERO;
      for (int j = 0; j < COLS; j++) {
        acc = acc.add(BigInteger.valueOf(w[i * COLS + j]).multiply(BigInteger.valueOf(x[j])));
      }
      out[i] = acc.mod(p).longValueExact();
    }
    return out;
  }

  @Test
  void theOracleHelperAgreesWithTheField() {
    long[] w = MacCheckTest.rand(ROWS * COLS);
    long[] x = MacCheckTest.rand(COLS);
    assertArrayEquals(PrimeField.matVec(w, ROWS, x, null), bigMatVec(w, x));
    assertArrayEquals(new long[ROWS], bigMatVec(w, new long[COLS]));
  }
}
