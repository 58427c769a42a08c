package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeObject;
import dev.oml.he.HeScheme;
import dev.oml.he.HeSerializer;
import dev.oml.he.MalformedDataException;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Gk;
import dev.oml.he.java.internal.JavaObjects.Ksk;
import dev.oml.he.java.internal.JavaObjects.Pk;
import dev.oml.he.java.internal.JavaObjects.Rk;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * Binary format, little-endian: magic {@code "OHE1"}, a type byte, the 16-byte parameter id,
 * then the body. Polynomial rows are bit-packed, each coefficient in its prime's bit length;
 * uniform components are seeds.
 */
final class JavaSerializer implements HeSerializer {
  private static final byte[] MAGIC = {'O', 'H', 'E', '1'};
  private static final int HEADER = 4 + 1 + 16;
  private static final byte CT = 1;
  private static final byte PK = 2;
  private static final byte RK = 3;
  private static final byte GK = 4;

  private static final VarHandle LE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final JavaContext ctx;

  JavaSerializer(JavaContext ctx) {
    this.ctx = ctx;
  }

  /** Rows {@code 0..rows-1}, each coefficient in as many bits as its prime has. */
  private int polyBytes(int rows) {
    int total = 0;
    for (int i = 0; i < rows; i++) {
      total += ctx.n / 8 * ctx.mods[i].bits;
    }
    return total;
  }

  private int kskBytes() {
    return ctx.k * (Prg.SEED_BYTES + polyBytes(ctx.mods.length));
  }

  @Override
  public int savedSize(HeObject o) {
    if (o instanceof Ciphertext) {
      Ct c = ctx.ct((Ciphertext) o);
      int rows = c.level + 1;
      if (c.kept != null) {
        return HEADER + 12 + 4 + 4 * c.kept.length + 8 * rows * c.kept.length + polyBytes(rows);
      }
      int body = c.seed != null ? Prg.SEED_BYTES + polyBytes(rows) : c.c.length * polyBytes(rows);
      return HEADER + 12 + body;
    }
    if (o instanceof PublicKey) {
      ctx.pk((PublicKey) o);
      return HEADER + Prg.SEED_BYTES + polyBytes(ctx.mods.length);
    }
    if (o instanceof RelinKeys) {
      ctx.rk((RelinKeys) o);
      return HEADER + kskBytes();
    }
    if (o instanceof GaloisKeys) {
      Gk g = ctx.gk((GaloisKeys) o);
      return HEADER + 4 + g.keys.size() * (4 + kskBytes());
    }
    throw new IllegalArgumentException("not a serializable object: " + o.getClass().getSimpleName());
  }

  @Override
  public byte[] save(HeObject o) {
    byte[] out = new byte[savedSize(o)];
    save(o, out, 0);
    return out;
  }

  @Override
  public int save(HeObject o, byte[] out, int offset) {
    int size = savedSize(o);
    if (offset < 0 || out.length - offset < size) {
      throw new IllegalArgumentException("output buffer too small: need " + size + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(out, offset, size).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC);
    if (o instanceof Ciphertext) {
      Ct c = (Ct) o;
      header(b, CT);
      b.put((byte) (c.scheme == HeScheme.BFV ? 0 : 1));
      b.put((byte) c.level);
      b.put((byte) c.c.length);
      b.put((byte) (c.seed != null ? 1 : c.kept != null ? 2 : 0));
      b.putDouble(c.scale);
      if (c.kept != null) {
        b.putInt(c.kept.length);
        for (int pos : c.kept) {
          b.putInt(pos);
        }
        for (int r = 0; r <= c.level; r++) {
          for (int pos : c.kept) {
            b.putLong(c.c[0][r][pos]);
          }
        }
        putRows(b, c.c[1], c.level + 1);
      } else if (c.seed != null) {
        b.put(c.seed);
        putRows(b, c.c[0], c.level + 1);
      } else {
        for (long[][] comp : c.c) {
          putRows(b, comp, c.level + 1);
        }
      }
    } else if (o instanceof PublicKey) {
      Pk p = (Pk) o;
      header(b, PK);
      b.put(p.seed);
      putRows(b, p.p0, ctx.mods.length);
    } else if (o instanceof RelinKeys) {
      header(b, RK);
      putKsk(b, ((Rk) o).ksk);
    } else {
      Gk g = (Gk) o;
      header(b, GK);
      b.putInt(g.keys.size());
      for (Map.Entry<Integer, Ksk> e : g.keys.entrySet()) {
        b.putInt(e.getKey());
        putKsk(b, e.getValue());
      }
    }
    return size;
  }

  private void header(ByteBuffer b, byte type) {
    b.put(type);
    b.put(hexToBytes(ctx.id));
  }

  /**
   * Bit-packs rows, least significant bits first, each coefficient in its prime's bit length; N
   * is a multiple of 8, so rows end on bytes. Coefficients gather in a 64-bit word that goes out
   * eight bytes at a time ({@code b} is little-endian).
   */
  void putRows(ByteBuffer b, long[][] rows, int count) {
    for (int i = 0; i < count; i++) {
      int bits = ctx.mods[i].bits;
      long acc = 0;
      int nacc = 0;
      long[] row = rows[i];
      for (int j = 0; j < ctx.n; j++) {
        long v = row[j];
        acc |= v << nacc;
        nacc += bits;
        if (nacc >= 64) {
          b.putLong(acc);
          nacc -= 64;
          // the bits of v that did not fit (none if it ended exactly on the word)
          acc = nacc == 0 ? 0 : v >>> (bits - nacc);
        }
      }
      for (; nacc > 0; nacc -= 8) {
        b.put((byte) acc);
        acc >>>= 8;
      }
    }
  }

  private void putKsk(ByteBuffer b, Ksk k) {
    for (int i = 0; i < ctx.k; i++) {
      b.put(k.seeds[i]);
      putRows(b, k.k0[i], ctx.mods.length);
    }
  }

  // ------------------------------------------------------------------ loading

  private ByteBuffer open(byte[] bytes, byte type, String what) {
    if (bytes == null || bytes.length < HEADER) {
      throw new MalformedDataException(what + ": input shorter than the header");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (byte m : MAGIC) {
      if (b.get() != m) {
        throw new MalformedDataException(what + ": not serialized by this library (bad magic)");
      }
    }
    byte t = b.get();
    if (t != type) {
      throw new MalformedDataException(what + ": wrong object type " + t);
    }
    byte[] id = new byte[16];
    b.get(id);
    if (!java.util.Arrays.equals(id, hexToBytes(ctx.id))) {
      throw new ContextMismatchException(
          what + " was made under other parameters than " + ctx.params.name());
    }
    return b;
  }

  /**
   * Reads what {@link #putRows} wrote: coefficient {@code j} of a row is the {@code bits} bits
   * from bit {@code j * bits} of the row's bytes, read with one little-endian 8-byte load (and
   * one more byte when they straddle it) straight from the backing array.
   */
  long[][] getRows(ByteBuffer b, int count, String what) {
    long[][] r = new long[count][ctx.n];
    byte[] a = b.array();
    int off = b.arrayOffset() + b.position();
    int limit = b.arrayOffset() + b.limit();
    for (int i = 0; i < count; i++) {
      long q = ctx.mods[i].q;
      int bits = ctx.mods[i].bits;
      long mask = (1L << bits) - 1;
      int rowBytes = ctx.n / 8 * bits;
      if (rowBytes > limit - off) {
        throw new BufferUnderflowException();
      }
      long[] row = r[i];
      long bit = 0;
      for (int j = 0; j < ctx.n; j++, bit += bits) {
        int at = off + (int) (bit >>> 3);
        int sh = (int) (bit & 7);
        long v;
        if (at + 8 <= limit) {
          v = (long) LE_LONG.get(a, at) >>> sh;
          if (sh + bits > 64) {
            v |= (a[at + 8] & 0xFFL) << (64 - sh);
          }
        } else {
          // the last bytes of the buffer: fewer than eight remain from here
          long w = 0;
          for (int t = 0; t < limit - at; t++) {
            w |= (a[at + t] & 0xFFL) << (8 * t);
          }
          v = w >>> sh;
        }
        v &= mask;
        if (v >= q) {
          throw new MalformedDataException(what + ": coefficient outside its modulus");
        }
        row[j] = v;
      }
      off += rowBytes;
    }
    b.position(off - b.arrayOffset());
    return r;
  }

  private static void end(ByteBuffer b, String what) {
    if (b.hasRemaining()) {
      throw new MalformedDataException(what + ": " + b.remaining() + " trailing bytes");
    }
  }

  @Override
  public Ciphertext loadCiphertext(byte[] bytes) {
    String what = "ciphertext";
    try {
      ByteBuffer b = open(bytes, CT, what);
      int scheme = b.get();
      int level = b.get();
      int size = b.get();
      int flags = b.get();
      double scale = b.getDouble();
      HeScheme s = scheme == 0 ? HeScheme.BFV : scheme == 1 ? HeScheme.CKKS : null;
      if (s != ctx.scheme) {
        throw new MalformedDataException(what + ": scheme does not match the parameters");
      }
      if (level < 0 || level >= ctx.k) {
        throw new MalformedDataException(what + ": level " + level + " out of range");
      }
      if (size < 2 || size > 3 || flags < 0 || flags > 2 || (flags != 0 && size != 2)) {
        throw new MalformedDataException(what + ": invalid size or flags");
      }
      if (s == HeScheme.BFV ? scale != 1.0 : !(scale >= 1.0 && scale < 0x1p1000)) {
        throw new MalformedDataException(what + ": invalid scale");
      }
      int rows = level + 1;
      if (flags == 2) {
        return loadExtracted(b, s, level, scale, what);
      }
      int expect = flags == 1 ? Prg.SEED_BYTES + polyBytes(rows) : size * polyBytes(rows);
      if (b.remaining() != expect) {
        throw new MalformedDataException(
            what + ": expected " + expect + " body bytes, got " + b.remaining());
      }
      long[][][] c = new long[size][][];
      byte[] seed = null;
      if (flags == 1) {
        seed = new byte[Prg.SEED_BYTES];
        b.get(seed);
        c[0] = getRows(b, rows, what);
        c[1] = ctx.ring.uniformFromSeed(seed, JavaContext.DOMAIN_CT, rows);
      } else {
        for (int i = 0; i < size; i++) {
          c[i] = getRows(b, rows, what);
        }
      }
      end(b, what);
      return new Ct(ctx.id, s, level, scale, c, seed);
    } catch (BufferUnderflowException e) {
      throw new MalformedDataException(what + ": truncated");
    }
  }

  private Ct loadExtracted(ByteBuffer b, HeScheme s, int level, double scale, String what) {
    int rows = level + 1;
    int count = b.getInt();
    if (count < 1 || count > ctx.n) {
      throw new MalformedDataException(what + ": invalid number of kept coefficients");
    }
    long expect = 4L * count + 8L * rows * count + polyBytes(rows);
    if (b.remaining() != expect) {
      throw new MalformedDataException(
          what + ": expected " + expect + " body bytes, got " + b.remaining());
    }
    int[] kept = new int[count];
    for (int i = 0; i < count; i++) {
      kept[i] = b.getInt();
      if (kept[i] < 0 || kept[i] >= ctx.n || (i > 0 && kept[i] <= kept[i - 1])) {
        throw new MalformedDataException(what + ": kept positions must ascend within [0, N)");
      }
    }
    long[][] c0 = ctx.ring.newRows(rows);
    for (int r = 0; r < rows; r++) {
      long q = ctx.mods[r].q;
      for (int pos : kept) {
        long v = b.getLong();
        if (v < 0 || v >= q) {
          throw new MalformedDataException(what + ": coefficient outside its modulus");
        }
        c0[r][pos] = v;
      }
    }
    long[][] c1 = getRows(b, rows, what);
    end(b, what);
    return new Ct(ctx.id, s, level, scale, new long[][][] {c0, c1}, null, kept);
  }

  @Override
  public PublicKey loadPublicKey(byte[] bytes) {
    String what = "public key";
    try {
      ByteBuffer b = open(bytes, PK, what);
      if (b.remaining() != Prg.SEED_BYTES + polyBytes(ctx.mods.length)) {
        throw new MalformedDataException(what + ": wrong length");
      }
      byte[] seed = new byte[Prg.SEED_BYTES];
      b.get(seed);
      long[][] p0 = getRows(b, ctx.mods.length, what);
      end(b, what);
      return new Pk(ctx.id, seed, p0,
          ctx.ring.uniformFromSeed(seed, JavaContext.DOMAIN_PK, ctx.mods.length));
    } catch (BufferUnderflowException e) {
      throw new MalformedDataException(what + ": truncated");
    }
  }

  private Ksk getKsk(ByteBuffer b, String what) {
    int all = ctx.mods.length;
    byte[][] seeds = new byte[ctx.k][];
    long[][][] k0 = new long[ctx.k][][];
    long[][][] k1 = new long[ctx.k][][];
    for (int i = 0; i < ctx.k; i++) {
      seeds[i] = new byte[Prg.SEED_BYTES];
      b.get(seeds[i]);
      k0[i] = getRows(b, all, what);
      k1[i] = ctx.ring.uniformFromSeed(seeds[i], JavaContext.DOMAIN_KSK, all);
    }
    return new Ksk(seeds, k0, k1);
  }

  @Override
  public RelinKeys loadRelinKeys(byte[] bytes) {
    String what = "relinearization keys";
    try {
      ctx.requireKeySwitching(what);
      ByteBuffer b = open(bytes, RK, what);
      if (b.remaining() != kskBytes()) {
        throw new MalformedDataException(what + ": wrong length");
      }
      Ksk k = getKsk(b, what);
      end(b, what);
      return new Rk(ctx.id, k);
    } catch (BufferUnderflowException e) {
      throw new MalformedDataException(what + ": truncated");
    }
  }

  @Override
  public GaloisKeys loadGaloisKeys(byte[] bytes) {
    String what = "Galois keys";
    try {
      ctx.requireKeySwitching(what);
      ByteBuffer b = open(bytes, GK, what);
      int count = b.getInt();
      if (count < 0 || count > ctx.n || (long) b.remaining() != (long) count * (4 + kskBytes())) {
        throw new MalformedDataException(what + ": wrong count or length");
      }
      Map<Integer, Ksk> keys = new HashMap<>();
      for (int i = 0; i < count; i++) {
        int g = b.getInt();
        if (g <= 1 || g >= 2 * ctx.n || (g & 1) == 0 || keys.containsKey(g)) {
          throw new MalformedDataException(what + ": invalid Galois element");
        }
        keys.put(g, getKsk(b, what));
      }
      end(b, what);
      return new Gk(ctx.id, keys);
    } catch (BufferUnderflowException e) {
      throw new MalformedDataException(what + ": truncated");
    }
  }

  private static byte[] hexToBytes(String hex) {
    byte[] r = new byte[hex.length() / 2];
    for (int i = 0; i < r.length; i++) {
      r[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return r;
  }
}
