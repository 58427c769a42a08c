package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionUse;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.VerifiedPermission;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.testkit.PermissionFixture;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The query budget as the bound on black-box extraction, shown on the model that is easiest to
 * steal: a linear map {@code y = W x + b} with {@code d} inputs. Every answer costs one
 * permission; the owner verifies it, spends it in the ledger, and only then computes. An
 * equation-solving attacker recovers {@code W} and {@code b} from {@code d + 1} answers. With a
 * budget of {@code d} the ledger refuses the {@code (d+1)}-th spend, and the {@code d} answers it
 * did get are provably not enough: the test exhibits a second, different linear model that gives
 * the very same {@code d} answers, so no algorithm can tell which one it faced.
 */
class QueryBudgetTest {
  private static final int D = 12;
  private static final int OUT = 3;

  /** The owner's side of one query: verify, spend, then (and only then) compute. */
  private static final class OwnerService {
    final PermissionFixture fx;
    final PermissionLedger ledger;
    final FixedPointInference model;
    int computed;

    OwnerService(PermissionFixture fx, Model model) {
      this.fx = fx;
      this.ledger = new InMemoryLedger(fx.policy::quotaOf);
      this.model = new FixedPointInference(QuantizedModel.of(model));
    }

    double[] answer(PermissionToken token, LicenseeProof proof, byte[] query, byte[] transcript) {
      PermissionUse use = PermissionUse.of(fx.modelA, InferenceMode.TWO_PARTY, 1, query, transcript);
      VerifiedPermission v = fx.verifier.verify(token, proof, use);
      ledger.spend(v);
      computed++;
      return model.logits(decode(query));
    }
  }

  /** The licensee-attacker: asks a permission per query and solves for the weights. */
  private static double[] ask(OwnerService owner, double[] x) {
    PermissionFixture fx = owner.fx;
    byte[] query = encode(x);
    byte[] transcript = fx.bytes(32);
    PermissionToken t = fx.issuer.issue(PermitRequest.create(fx.licenseeA, fx.modelA,
        InferenceMode.TWO_PARTY, 1, Binding.ofFirstMessage(query), fx.clock.instant()));
    return owner.answer(t, LicenseeProof.create(fx.licenseeA, t, transcript), query, transcript);
  }

  @Test
  void dPlusOneAnswersExtractTheModel() {
    Model victim = linearModel(1);
    OwnerService owner = new OwnerService(new PermissionFixture(D + 1, 0), victim);
    double[] y0 = ask(owner, new double[D]);
    double[][] w = new double[OUT][D];
    for (int j = 0; j < D; j++) {
      double[] e = new double[D];
      e[j] = 1;
      double[] y = ask(owner, e);
      for (int o = 0; o < OUT; o++) {
        w[o][j] = y[o] - y0[o];
      }
    }
    Dense truth = (Dense) victim.layers().get(0);
    double tol = 4 * victim.format().resolution();
    for (int o = 0; o < OUT; o++) {
      assertEquals(truth.bias(o), y0[o], tol);
      for (int j = 0; j < D; j++) {
        assertEquals(truth.weight(o, j), w[o][j], tol, "w[" + o + "][" + j + "]");
      }
    }
    assertEquals(D + 1, owner.computed);
    assertEquals(D + 1, owner.ledger.charged(owner.fx.licenseeA.keyId()));
  }

  @Test
  void budgetOfDStopsTheAttackAndDAnswersDoNotDetermineTheModel() {
    Model victim = linearModel(2);
    OwnerService owner = new OwnerService(new PermissionFixture(D, 0), victim);
    Random r = new Random(5);
    List<double[]> xs = new ArrayList<>();
    List<double[]> ys = new ArrayList<>();
    for (int i = 0; i < D; i++) {
      double[] x = new double[D];
      for (int j = 0; j < D; j++) {
        x[j] = r.nextInt(9) - 4; // small integers: exact in fixed point
      }
      xs.add(x);
      ys.add(ask(owner, x));
    }
    // The (d+1)-th query is refused by the ledger before the owner computes anything.
    QuotaExceededException e = assertThrows(QuotaExceededException.class, () -> ask(owner, new double[D]));
    assertEquals(D, e.charged());
    assertEquals(D, owner.computed);
    // Asking for the missing answers in one permission does not help either: the issuer refuses
    // more than the whole quota, and the ledger would refuse what no longer fits.
    PermissionFixture fx = owner.fx;
    assertThrows(PolicyViolationException.class, () -> fx.issuer.issue(PermitRequest.create(
        fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, D + 1, Binding.ofFirstMessage(new byte[1]),
        fx.clock.instant())));

    // d equations [x_i, 1] . (w_o, b_o) = y_io in d + 1 unknowns per output have a non-zero null
    // vector (v, c); the model (W + u v^T, b + u c) answers all d queries identically.
    double[] v = new double[D + 1];
    v[D] = 1;
    double[][] a = new double[D][D];
    double[] rhs = new double[D];
    for (int i = 0; i < D; i++) {
      a[i] = xs.get(i).clone();
      rhs[i] = -1;
    }
    double[] sol = solve(a, rhs);
    System.arraycopy(sol, 0, v, 0, D);
    Dense truth = (Dense) victim.layers().get(0);
    double[] w2 = new double[OUT * D];
    double[] b2 = new double[OUT];
    for (int o = 0; o < OUT; o++) {
      for (int j = 0; j < D; j++) {
        w2[o * D + j] = truth.weight(o, j) + v[j];
      }
      b2[o] = truth.bias(o) + v[D];
    }
    for (int i = 0; i < D; i++) {
      for (int o = 0; o < OUT; o++) {
        double y = b2[o];
        for (int j = 0; j < D; j++) {
          y += w2[o * D + j] * xs.get(i)[j];
        }
        assertEquals(ys.get(i)[o], y, 1e-6 + 4 * victim.format().resolution(), "query " + i);
      }
    }
    double diff = 0;
    for (int j = 0; j <= D; j++) {
      diff = Math.max(diff, Math.abs(v[j]));
    }
    assertTrue(diff >= 1, "the alternative model must differ from the victim");
  }

  private static Model linearModel(long seed) {
    Random r = new Random(seed);
    double[] w = new double[OUT * D];
    double[] b = new double[OUT];
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.round((2 * r.nextDouble() - 1) * 256) / 256.0;
    }
    for (int i = 0; i < OUT; i++) {
      b[i] = Math.round((2 * r.nextDouble() - 1) * 256) / 256.0;
    }
    return Model.of("linear", Shape.vector(D), List.of(new Dense(D, OUT, w, b)),
        FixedPointFormat.of(48, 12), 8);
  }

  private static byte[] encode(double[] x) {
    ByteBuffer b = ByteBuffer.allocate(8 * x.length);
    for (double v : x) {
      b.putDouble(v);
    }
    return b.array();
  }

  private static double[] decode(byte[] q) {
    ByteBuffer b = ByteBuffer.wrap(q);
    double[] x = new double[q.length / 8];
    for (int i = 0; i < x.length; i++) {
      x[i] = b.getDouble();
    }
    return x;
  }

  /** Gaussian elimination with partial pivoting (small dense systems). */
  private static double[] solve(double[][] a, double[] b) {
    int n = b.length;
    double[][] m = new double[n][];
    for (int i = 0; i < n; i++) {
      m[i] = java.util.Arrays.copyOf(a[i], n + 1);
      m[i][n] = b[i];
    }
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int i = c + 1; i < n; i++) {
        if (Math.abs(m[i][c]) > Math.abs(m[p][c])) {
          p = i;
        }
      }
      double[] t = m[c];
      m[c] = m[p];
      m[p] = t;
      assertTrue(Math.abs(m[c][c]) > 1e-9, "queries are linearly dependent; choose another seed");
      for (int i = 0; i < n; i++) {
        if (i != c) {
          double f = m[i][c] / m[c][c];
          for (int k = c; k <= n; k++) {
            m[i][k] -= f * m[c][k];
          }
        }
      }
    }
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = m[i][n] / m[i][i];
    }
    return x;
  }
}
