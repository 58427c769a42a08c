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
  private int taken;

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
   * Moves the next {@code n} OTs not yet handed out into a new object and erases them here, so
   * that one extension can serve many sessions (one base-OT run per bundle instead of per
   * session) while no OT is ever used twice. Both parties must take the same counts in the same
   * order.
   *
   * @throws IllegalArgumentException if fewer than {@code n} OTs remain
   */
  public RandomOtSenderOutput take(int n) {
    if (n < 1 || n > count - taken) {
      throw new IllegalArgumentException("only " + (count - taken) + " random OTs remain");
    }
    long[] a = Arrays.copyOfRange(m0, 2 * taken, 2 * (taken + n));
    long[] b = Arrays.copyOfRange(m1, 2 * taken, 2 * (taken + n));
    Arrays.fill(m0, 2 * taken, 2 * (taken + n), 0);
    Arrays.fill(m1, 2 * taken, 2 * (taken + n), 0);
    taken += n;
    return new RandomOtSenderOutput(n, a, b);
  }

  /** Number of OTs not yet handed out by {@link #take(int)}. */
  public int remaining() {
    return count - taken;
  }

  /** Overwrites all messages with zeros. */
  public void erase() {
    Arrays.fill(m0, 0);
    Arrays.fill(m1, 0);
  }
}
