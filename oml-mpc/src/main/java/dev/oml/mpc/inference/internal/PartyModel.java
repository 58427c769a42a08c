package dev.oml.mpc.inference.internal;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.RingOps;
import dev.oml.core.reference.QuantizedModel;
import java.util.Arrays;

/**
 * One party's share of the model, arranged by stage: the matrix share row-major (for the online
 * plaintext product) and as rows (for the offline HE product), and the bias share at {@code 2f}.
 * The user's comes from its artifact ({@code W_U}), the owner's from its key share ({@code W_O});
 * neither is the model. {@link #erase()} zeroes them when the party is done.
 */
public final class PartyModel {
  private final Plan plan;
  private final long[][] flat;
  private final long[][][] rows;
  private final long[][] bias;

  public PartyModel(Plan plan, QuantizedModel share) {
    this.plan = plan;
    int n = plan.stageCount();
    flat = new long[n][];
    rows = new long[n][][];
    bias = new long[n][];
    for (int i = 0; i < n; i++) {
      Plan.Stage s = plan.stage(i);
      flat[i] = share.matrix(s.layer());
      bias[i] = share.bias(s.layer());
      if (flat[i].length != (long) s.rows() * s.cols() || bias[i].length != s.rows()) {
        throw new IllegalArgumentException("share of layer " + s.layer() + " has the wrong size");
      }
      rows[i] = new long[s.rows()][];
      for (int r = 0; r < s.rows(); r++) {
        rows[i][r] = Arrays.copyOfRange(flat[i], r * s.cols(), (r + 1) * s.cols());
      }
    }
  }

  public Plan plan() {
    return plan;
  }

  /** The matrix share of stage {@code i} as rows (read-only by convention). */
  public long[][] rows(int i) {
    return rows[i];
  }

  /** {@code W d + c + b mod 2^l} for stage {@code i}: one plaintext product with this share. */
  public long[] linear(int i, long[] d, long[] c) {
    Plan.Stage s = plan.stage(i);
    FixedPointFormat fmt = plan.format();
    long[] z = RingOps.matVec(fmt.ringBits(), flat[i], s.rows(), s.cols(), d, null);
    RingOps.add(fmt.ringBits(), z, c, z);
    return RingOps.add(fmt.ringBits(), z, bias[i], z);
  }

  /** {@code W v mod 2^l} for stage {@code i}. */
  public long[] product(int i, long[] v) {
    Plan.Stage s = plan.stage(i);
    return RingOps.matVec(plan.format().ringBits(), flat[i], s.rows(), s.cols(), v, null);
  }

  public void erase() {
    for (int i = 0; i < flat.length; i++) {
      Arrays.fill(flat[i], 0);
      Arrays.fill(bias[i], 0);
      for (long[] r : rows[i]) {
        Arrays.fill(r, 0);
      }
    }
  }
}
