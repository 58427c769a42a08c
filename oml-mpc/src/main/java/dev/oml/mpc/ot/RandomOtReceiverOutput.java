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

  /**
   * Cuts this batch into consecutive independent batches of the given sizes (the receiver's
   * side of {@link RandomOtSenderOutput#split}), then erases this batch.
   *
   * @throws IllegalArgumentException if the sizes are negative or add up to more than
   *     {@link #count()}
   */
  public RandomOtReceiverOutput[] split(int... counts) {
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
    RandomOtReceiverOutput[] out = new RandomOtReceiverOutput[counts.length];
    int from = 0;
    for (int k = 0; k < counts.length; k++) {
      int c = counts[k];
      long[] ch = new long[(c + 63) / 64];
      for (int i = 0; i < c; i++) {
        ch[i >>> 6] |= (long) choice(from + i) << (i & 63);
      }
      out[k] = new RandomOtReceiverOutput(c, ch,
          Arrays.copyOfRange(messages, 2 * from, 2 * (from + c)));
      from += c;
    }
    erase();
    return out;
  }

  /** Overwrites choices and messages with zeros. */
  public void erase() {
    Arrays.fill(choices, 0);
    Arrays.fill(messages, 0);
  }
}
