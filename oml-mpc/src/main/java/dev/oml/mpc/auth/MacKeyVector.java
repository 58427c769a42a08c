package dev.oml.mpc.auth;

import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.field.PrimeField;
import java.util.Arrays;

/**
 * The owner's side of a vector of authenticated values: one key {@code K_i} per value the
 * licensee holds in an {@link AuthenticatedVector}, with {@code M_i = K_i + alpha v_i}. The owner
 * never learns {@code v_i}; it checks claimed values with {@link MacCheckVerifier}. Linear maps
 * with public coefficients mirror those of {@link AuthenticatedVector}, applied to the keys;
 * adding a public constant {@code c} moves the key to {@code K - alpha c}. Immutable.
 */
public final class MacKeyVector {
  private final long[] keys;

  private MacKeyVector(long[] keys) {
    this.keys = keys;
  }

  /**
   * Wraps keys (copied).
   *
   * @throws FieldElementException if an entry is not canonical
   */
  public static MacKeyVector of(long[] keys) {
    PrimeField.requireCanonical(keys, "MAC keys");
    return new MacKeyVector(keys.clone());
  }

  /**
   * The owner's keys for the {@code count} elements of tensor {@code index} of {@code W_U},
   * derived from its seed (see {@link MacKeyDerivation#weightKeys}).
   */
  public static MacKeyVector derive(MacKeyDerivation derivation, int index, int count) {
    return new MacKeyVector(derivation.weightKeys(index, count));
  }

  static MacKeyVector wrap(long[] keys) {
    return new MacKeyVector(keys);
  }

  /** Number of entries. */
  public int length() {
    return keys.length;
  }

  /** A copy of the keys. */
  public long[] keys() {
    return keys.clone();
  }

  /** Key {@code i}. */
  public long key(int i) {
    return keys[i];
  }

  long[] keysView() {
    return keys;
  }

  /** The keys of {@code this + o}. */
  public MacKeyVector add(MacKeyVector o) {
    return new MacKeyVector(PrimeField.add(keys, o.keys, null));
  }

  /** The keys of {@code this - o}. */
  public MacKeyVector sub(MacKeyVector o) {
    return new MacKeyVector(PrimeField.sub(keys, o.keys, null));
  }

  /** The keys of {@code c * this}. */
  public MacKeyVector scale(long c) {
    return new MacKeyVector(PrimeField.scale(c, keys, null));
  }

  /** The keys of {@code this + c} for a public vector {@code c}: {@code K - alpha c}. */
  public MacKeyVector addConstant(MacKey alpha, long[] c) {
    PrimeField.requireCanonical(c, "public constant");
    return new MacKeyVector(PrimeField.addScaled(keys, PrimeField.neg(alpha.alpha()), c, null));
  }

  /** The keys of {@code A this} for a public row-major {@code rows x length()} matrix. */
  public MacKeyVector matVec(long[] a, int rows) {
    return new MacKeyVector(PrimeField.matVec(a, rows, keys, null));
  }

  /** The keys of {@link AuthenticatedVector#timesPublic(int, long[])}. */
  public MacKeyVector timesPublic(int rows, long[] d) {
    PrimeField.requireCanonical(d, "public vector");
    return new MacKeyVector(PrimeField.matVec(keys, rows, d, null));
  }

  /** The keys of {@link AuthenticatedVector#combineRows(long[], int)}. */
  public MacKeyVector combineRows(long[] s, int cols) {
    return new MacKeyVector(PrimeField.vecMat(s, keys, cols, null));
  }

  /** The keys of {@link AuthenticatedVector#select(int[])}. */
  public MacKeyVector select(int[] idx) {
    long[] k = new long[idx.length];
    for (int i = 0; i < idx.length; i++) {
      k[i] = keys[idx[i]];
    }
    return new MacKeyVector(k);
  }

  /** Entries {@code [from, from + n)}. */
  public MacKeyVector slice(int from, int n) {
    return new MacKeyVector(Arrays.copyOfRange(keys, from, from + n));
  }

  /** This vector followed by {@code o}. */
  public MacKeyVector concat(MacKeyVector o) {
    long[] k = Arrays.copyOf(keys, keys.length + o.keys.length);
    System.arraycopy(o.keys, 0, k, keys.length, o.keys.length);
    return new MacKeyVector(k);
  }

  /** Overwrites the keys with zeros. */
  public void erase() {
    Arrays.fill(keys, 0);
  }

  @Override
  public String toString() {
    return "MacKeyVector[" + keys.length + " entries]";
  }
}
