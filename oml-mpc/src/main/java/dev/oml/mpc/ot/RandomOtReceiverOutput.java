package dev.oml.mpc.ot;

import java.util.Arrays;

/**
 * The receiver's half of a batch of random OTs: for each OT {@code i} a uniformly random choice
 * bit {@code c[i]} and the message {@code m_(c[i])[i]}. Secret material: the choice bits must
 * stay hidden from the sender (only {@code x ^ c} is ever sent), consume each OT once, then
 * {@link #erase()}.
 */
public final class RandomOtReceiverOutput {
  private final int count;
  private final long[] choices;
  private final long[] messages;
  private int taken;

  RandomOtReceiverOutput(int count, long[] choices, long[] messages) {
    this.count = count;
    this.choices = choices;
    this.messages = messages;
  }

  /** Number of OTs. */
  public int count() {
    return count;
  }

  /** The random choice bit of OT {@code i}, 0 or 1. */
  public int choice(int i) {
    return (int) (choices[i >>> 6] >>> (i & 63)) & 1;
  }

  /** Copies the chosen message of OT {@code i} into {@code dst[off], dst[off + 1]}. */
  public void message(int i, long[] dst, int off) {
    dst[off] = messages[2 * i];
    dst[off + 1] = messages[2 * i + 1];
  }

  /**
   * Moves the next {@code n} OTs not yet handed out into a new object and erases them here (see
   * {@link RandomOtSenderOutput#take(int)}; both parties must take the same counts in the same
   * order).
   *
   * @throws IllegalArgumentException if fewer than {@code n} OTs remain
   */
  public RandomOtReceiverOutput take(int n) {
    if (n < 1 || n > count - taken) {
      throw new IllegalArgumentException("only " + (count - taken) + " random OTs remain");
    }
    long[] c = new long[(n + 63) / 64];
    for (int i = 0; i < n; i++) {
      c[i >>> 6] |= (long) choice(taken + i) << (i & 63);
    }
    long[] m = Arrays.copyOfRange(messages, 2 * taken, 2 * (taken + n));
    Arrays.fill(messages, 2 * taken, 2 * (taken + n), 0);
    for (int i = taken; i < taken + n; i++) {
      choices[i >>> 6] &= ~(1L << (i & 63));
    }
    taken += n;
    return new RandomOtReceiverOutput(n, c, m);
  }

  /** Number of OTs not yet handed out by {@link #take(int)}. */
  public int remaining() {
    return count - taken;
  }

  /** Overwrites choices and messages with zeros. */
  public void erase() {
    Arrays.fill(choices, 0);
    Arrays.fill(messages, 0);
  }
}
