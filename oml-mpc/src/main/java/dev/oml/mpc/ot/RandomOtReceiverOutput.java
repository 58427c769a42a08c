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

  /** Overwrites choices and messages with zeros. */
  public void erase() {
    Arrays.fill(choices, 0);
    Arrays.fill(messages, 0);
  }
}
