package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeScheme;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import java.util.Map;
import java.util.TreeMap;

/** Holder of the pure-Java backend's object types (package-private data classes). */
final class JavaObjects {
  private JavaObjects() {}

  /** Ciphertext: components in NTT form, rows 0..level. */
  static final class Ct implements Ciphertext {
    final String id;
    final HeScheme scheme;
    final int level;
    final double scale;
    final long[][][] c;
    final byte[] seed;
    /**
     * Positions kept in the first component, ascending, or null. When set, {@code c[0]} is in
     * coefficient form with zeros elsewhere and {@code c[1]} stays in NTT form.
     */
    final int[] kept;

    Ct(String id, HeScheme scheme, int level, double scale, long[][][] c, byte[] seed) {
      this(id, scheme, level, scale, c, seed, null);
    }

    Ct(String id, HeScheme scheme, int level, double scale, long[][][] c, byte[] seed,
        int[] kept) {
      this.id = id;
      this.scheme = scheme;
      this.level = level;
      this.scale = scale;
      this.c = c;
      this.seed = seed;
      this.kept = kept;
    }

    @Override
    public String parameterId() {
      return id;
    }

    @Override
    public HeScheme scheme() {
      return scheme;
    }

    @Override
    public int level() {
      return level;
    }

    @Override
    public double scale() {
      return scale;
    }

    @Override
    public int size() {
      return c.length;
    }

    @Override
    public boolean isNttForm() {
      return true;
    }

    @Override
    public boolean isSeeded() {
      return seed != null;
    }

    @Override
    public boolean isExtracted() {
      return kept != null;
    }

    @Override
    public String toString() {
      return "Ciphertext[" + scheme + ", level " + level + ", size " + c.length + "]";
    }
  }

  /** BFV: coefficients mod t ({@code bfv}); CKKS: NTT rows at a level with a scale. */
  static final class Pt implements Plaintext {
    final String id;
    final HeScheme scheme;
    final long[] bfv;
    final long[][] rows;
    final int level;
    final double scale;
    /** Lazily computed centered lift of {@code bfv} in NTT form, per level (BFV products). */
    private final java.util.concurrent.ConcurrentHashMap<Integer, long[][]> liftCache =
        new java.util.concurrent.ConcurrentHashMap<>();

    long[][] lifted(int lvl, java.util.function.IntFunction<long[][]> make) {
      return liftCache.computeIfAbsent(lvl, make::apply);
    }

    /** Shoup companions of the NTT rows used in products, cached per level. */
    private final java.util.concurrent.ConcurrentHashMap<Integer, long[][]> shoupCache =
        new java.util.concurrent.ConcurrentHashMap<>();

    long[][] companions(int lvl, java.util.function.IntFunction<long[][]> make) {
      return shoupCache.computeIfAbsent(lvl, make::apply);
    }

    Pt(String id, long[] bfv, int level) {
      this.id = id;
      this.scheme = HeScheme.BFV;
      this.bfv = bfv;
      this.rows = null;
      this.level = level;
      this.scale = 1.0;
    }

    Pt(String id, long[][] rows, int level, double scale) {
      this.id = id;
      this.scheme = HeScheme.CKKS;
      this.bfv = null;
      this.rows = rows;
      this.level = level;
      this.scale = scale;
    }

    @Override
    public String parameterId() {
      return id;
    }

    @Override
    public HeScheme scheme() {
      return scheme;
    }

    @Override
    public int level() {
      return level;
    }

    @Override
    public double scale() {
      return scale;
    }

    @Override
    public String toString() {
      return "Plaintext[" + scheme + "]";
    }
  }

  /** Secret key: ternary coefficients and their NTT rows over all primes (special included). */
  static final class Sk implements SecretKey {
    final String id;
    final long[] small;
    final long[][] ntt;

    Sk(String id, long[] small, long[][] ntt) {
      this.id = id;
      this.small = small;
      this.ntt = ntt;
    }

    @Override
    public String parameterId() {
      return id;
    }

    @Override
    public String toString() {
      return "SecretKey[redacted]";
    }
  }

  /** Public key {@code (p0, p1 = a(seed))} in NTT form over all primes, special included. */
  static final class Pk implements PublicKey {
    final String id;
    final byte[] seed;
    final long[][] p0;
    final long[][] p1;

    Pk(String id, byte[] seed, long[][] p0, long[][] p1) {
      this.id = id;
      this.seed = seed;
      this.p0 = p0;
      this.p1 = p1;
    }

    @Override
    public String parameterId() {
      return id;
    }
  }

  /** Key-switching key: per digit {@code i}, {@code (k0_i, k1_i = a_i(seed_i))} over all primes. */
  static final class Ksk {
    final byte[][] seeds;
    final long[][][] k0;
    final long[][][] k1;

    Ksk(byte[][] seeds, long[][][] k0, long[][][] k1) {
      this.seeds = seeds;
      this.k0 = k0;
      this.k1 = k1;
    }
  }

  static final class Rk implements RelinKeys {
    final String id;
    final Ksk ksk;

    Rk(String id, Ksk ksk) {
      this.id = id;
      this.ksk = ksk;
    }

    @Override
    public String parameterId() {
      return id;
    }
  }

  static final class Gk implements GaloisKeys {
    final String id;
    final TreeMap<Integer, Ksk> keys;

    Gk(String id, Map<Integer, Ksk> keys) {
      this.id = id;
      this.keys = new TreeMap<>(keys);
    }

    @Override
    public String parameterId() {
      return id;
    }

    @Override
    public int[] galoisElements() {
      return keys.keySet().stream().mapToInt(Integer::intValue).toArray();
    }
  }
}
