package dev.oml.mpc.auth;

import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.PrimeField;
import java.util.Arrays;

/**
 * The licensee's side of a vector of information-theoretically authenticated values (BDOZ, or
 * VOLE form): values {@code v_i} and tags {@code M_i = K_i + alpha v_i}, where the owner holds
 * {@code alpha} ({@link MacKey}) and the keys {@code K_i} ({@link MacKeyVector}). Without
 * {@code alpha}, changing a value by {@code delta != 0} needs the tag changed by
 * {@code alpha delta}, which the licensee guesses with probability {@code 1/p}.
 *
 * <p>The relation is linear, so linear maps with public coefficients act on both sides without
 * talking: the licensee applies the map to values and tags, the owner to keys. Adding a public
 * constant changes only the licensee's value and the owner's key
 * ({@link MacKeyVector#addConstant}), never the tag. Products of two authenticated vectors are not
 * linear and need a separate check ({@link FreivaldsCheck}). Immutable; operations return new
 * vectors.
 */
public final class AuthenticatedVector {
  private final long[] values;
  private final long[] tags;

  private AuthenticatedVector(long[] values, long[] tags) {
    this.values = values;
    this.tags = tags;
  }

  /**
   * Wraps values and tags (copied).
   *
   * @throws FieldElementException if an entry is not canonical
   * @throws IllegalArgumentException if the lengths differ
   */
  public static AuthenticatedVector of(long[] values, long[] tags) {
    if (values.length != tags.length) {
      throw new IllegalArgumentException("values and tags have different lengths");
    }
    PrimeField.requireCanonical(values, "authenticated values");
    PrimeField.requireCanonical(tags, "MAC tags");
    return new AuthenticatedVector(values.clone(), tags.clone());
  }

  static AuthenticatedVector wrap(long[] values, long[] tags) {
    return new AuthenticatedVector(values, tags);
  }

  /**
   * The dealer's step (OMLize): tags {@code M = K + alpha v} for values the licensee will hold,
   * given the owner's keys. The artifact stores the result; the owner keeps only its seed.
   */
  public static AuthenticatedVector deal(long[] values, MacKey alpha, MacKeyVector keys) {
    if (values.length != keys.length()) {
      throw new IllegalArgumentException("values and keys have different lengths");
    }
    PrimeField.requireCanonical(values, "authenticated values");
    long[] t = PrimeField.addScaled(keys.keysView(), alpha.alpha(), values, null);
    return new AuthenticatedVector(values.clone(), t);
  }

  /** Number of entries. */
  public int length() {
    return values.length;
  }

  /** A copy of the values. */
  public long[] values() {
    return values.clone();
  }

  /** A copy of the tags. */
  public long[] tags() {
    return tags.clone();
  }

  /** Value {@code i}. */
  public long value(int i) {
    return values[i];
  }

  /** Tag {@code i}. */
  public long tag(int i) {
    return tags[i];
  }

  long[] valuesView() {
    return values;
  }

  long[] tagsView() {
    return tags;
  }

  /** {@code this + o}. */
  public AuthenticatedVector add(AuthenticatedVector o) {
    return new AuthenticatedVector(PrimeField.add(values, o.values, null),
        PrimeField.add(tags, o.tags, null));
  }

  /** {@code this - o}. */
  public AuthenticatedVector sub(AuthenticatedVector o) {
    return new AuthenticatedVector(PrimeField.sub(values, o.values, null),
        PrimeField.sub(tags, o.tags, null));
  }

  /** {@code c * this} for a public scalar {@code c}. */
  public AuthenticatedVector scale(long c) {
    return new AuthenticatedVector(PrimeField.scale(c, values, null),
        PrimeField.scale(c, tags, null));
  }

  /**
   * {@code this + c} for a public vector {@code c}: the values change, the tags do not (the owner
   * moves its keys instead, {@link MacKeyVector#addConstant}).
   */
  public AuthenticatedVector addConstant(long[] c) {
    PrimeField.requireCanonical(c, "public constant");
    return new AuthenticatedVector(PrimeField.add(values, c, null), tags.clone());
  }

  /** {@code A this} for a public row-major {@code rows x length()} matrix {@code A}. */
  public AuthenticatedVector matVec(long[] a, int rows) {
    return new AuthenticatedVector(PrimeField.matVec(a, rows, values, null),
        PrimeField.matVec(a, rows, tags, null));
  }

  /**
   * {@code M d} where this vector holds a row-major {@code rows x d.length} matrix {@code M} and
   * {@code d} is public: the licensee's local product {@code W_U d} of the online phase, which
   * stays authenticated because the artifact carries tags for {@code W_U}.
   */
  public AuthenticatedVector timesPublic(int rows, long[] d) {
    PrimeField.requireCanonical(d, "public vector");
    return new AuthenticatedVector(PrimeField.matVec(values, rows, d, null),
        PrimeField.matVec(tags, rows, d, null));
  }

  /**
   * {@code s^T M} where this vector holds a row-major {@code s.length x cols} matrix {@code M}:
   * a public combination of its rows.
   */
  public AuthenticatedVector combineRows(long[] s, int cols) {
    return new AuthenticatedVector(PrimeField.vecMat(s, values, cols, null),
        PrimeField.vecMat(s, tags, cols, null));
  }

  /**
   * Entries {@code idx[0], idx[1], ...} (an index may repeat): a public selection, so the
   * relation holds entry by entry.
   */
  public AuthenticatedVector select(int[] idx) {
    long[] v = new long[idx.length];
    long[] t = new long[idx.length];
    for (int i = 0; i < idx.length; i++) {
      v[i] = values[idx[i]];
      t[i] = tags[idx[i]];
    }
    return new AuthenticatedVector(v, t);
  }

  /** Entries {@code [from, from + n)}. */
  public AuthenticatedVector slice(int from, int n) {
    return new AuthenticatedVector(Arrays.copyOfRange(values, from, from + n),
        Arrays.copyOfRange(tags, from, from + n));
  }

  /** This vector followed by {@code o}. */
  public AuthenticatedVector concat(AuthenticatedVector o) {
    long[] v = Arrays.copyOf(values, values.length + o.values.length);
    long[] t = Arrays.copyOf(tags, tags.length + o.tags.length);
    System.arraycopy(o.values, 0, v, values.length, o.values.length);
    System.arraycopy(o.tags, 0, t, tags.length, o.tags.length);
    return new AuthenticatedVector(v, t);
  }

  /** Overwrites values and tags with zeros. */
  public void erase() {
    Arrays.fill(values, 0);
    Arrays.fill(tags, 0);
  }

  @Override
  public String toString() {
    return "AuthenticatedVector[" + values.length + " entries]";
  }
}
