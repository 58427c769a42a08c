package dev.oml.he;

import dev.oml.core.field.PrimeField;
import java.util.Random;

/** Test oracle of the tier-2 products: uniform elements of {@code F_p} and {@code W r - s}. */
public final class FieldProducts {
  private final Random rnd;

  /** Draws from a generator seeded with {@code seed}. */
  public FieldProducts(long seed) {
    this.rnd = new Random(seed);
  }

  /** {@code n} uniform elements of {@code F_p}. */
  public long[] uniform(int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.floorMod(rnd.nextLong(), PrimeField.P);
    }
    return v;
  }

  /** A uniform {@code rows x cols} matrix over {@code F_p}. */
  public long[][] uniform(int rows, int cols) {
    long[][] w = new long[rows][];
    for (int i = 0; i < rows; i++) {
      w[i] = uniform(cols);
    }
    return w;
  }

  /** {@code W r - s mod p}, computed in the clear. */
  public static long[] expected(long[][] w, long[] r, long[] s) {
    long[] flat = new long[w.length * r.length];
    for (int i = 0; i < w.length; i++) {
      System.arraycopy(w[i], 0, flat, i * r.length, r.length);
    }
    return PrimeField.sub(PrimeField.matVec(flat, w.length, r, null), s, null);
  }
}
