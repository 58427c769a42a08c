package dev.oml.mpc.ot;

import java.util.Arrays;

/**
 * The sender's half of a batch of random OTs: for each OT {@code i} two independent uniformly
 * random 128-bit messages {@code m_0[i], m_1[i]}, of which the receiver knows exactly one. Secret
 * material: consume each OT once (derandomize it for one transfer), then {@link #erase()}.
 */
public final class RandomOtSenderOutput {
  private final int count;
  private final long[] m0;
  private final long[] m1;

  RandomOtSenderOutput(int count, long[] m0, long[] m1) {
    this.count = count;
    this.m0 = m0;
    this.m1 = m1;
  }

  /** Number of OTs. */
  public int count() {
    return count;
  }

  /** Copies message {@code b} of OT {@code i} into {@code dst[off], dst[off + 1]}. */
  public void message(int i, int b, long[] dst, int off) {
    long[] m = b == 0 ? m0 : m1;
    dst[off] = m[2 * i];
    dst[off + 1] = m[2 * i + 1];
  }

  /**
   * Cuts this batch into consecutive independent batches of the given sizes (for example one
   * KOS extension shared by many garbled-circuit sessions, so base OTs are paid once), then
   * erases this batch: each OT lives in exactly one place afterwards.
   *
   * @throws IllegalArgumentException if the sizes are negative or add up to more than
   *     {@link #count()}
   */
  public RandomOtSenderOutput[] split(int... counts) {
    long total = 0;
    for (int c : counts) {
      if (c < 0) {
        throw new IllegalArgumentException("negative batch size");
      }
      total += c;
    }
    if (total > count) {
      throw new IllegalArgumentException("sizes add up to " + total + ", more than " + count);
    }
    RandomOtSenderOutput[] out = new RandomOtSenderOutput[counts.length];
    int from = 0;
    for (int k = 0; k < counts.length; k++) {
      int c = counts[k];
      out[k] = new RandomOtSenderOutput(c, Arrays.copyOfRange(m0, 2 * from, 2 * (from + c)),
          Arrays.copyOfRange(m1, 2 * from, 2 * (from + c)));
      from += c;
    }
    erase();
    return out;
  }

  /** Overwrites all messages with zeros. */
  public void erase() {
    Arrays.fill(m0, 0);
    Arrays.fill(m1, 0);
  }
}
