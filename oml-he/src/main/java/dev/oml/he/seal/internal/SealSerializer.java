package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.oml.he.Ciphertext;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeObject;
import dev.oml.he.HeSerializer;
import dev.oml.he.MalformedDataException;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.SecretKey;
import dev.oml.he.seal.internal.SealObjects.Ct;
import dev.oml.he.seal.internal.SealObjects.Gk;
import dev.oml.he.seal.internal.SealObjects.Pk;
import dev.oml.he.seal.internal.SealObjects.Rk;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Serialization in SEAL's own (uncompressed) format behind a 32-byte OML header: magic
 * {@code "OMLs"}, format version, object type, the 16-byte parameter id, level, component
 * count and the payload length. The header lets a wrong type or foreign parameters be named
 * precisely ({@link MalformedDataException}, {@link ContextMismatchException}) before SEAL's
 * validating {@code load} (never {@code unsafe_load}) checks the payload: parameters, sizes
 * and every coefficient below its prime. The level and size in the header must agree with
 * what SEAL loaded. An extracted matrix-vector answer, which SEAL's format cannot hold, has a
 * payload of its own (magic {@code "OMLx"}: its kept positions and coefficients of the first
 * component and the whole second one, see {@code native/include/oml_seal.h}), validated just
 * as strictly by the native load. These bytes are this backend's own; the pure-Java backend
 * has its format.
 */
final class SealSerializer implements HeSerializer {
  static final int HEADER = 32;
  private static final int MAGIC = 0x4F4D4C73; // "OMLs"
  private static final byte VERSION = 1;
  private static final byte CIPHERTEXT = 1;
  private static final byte PUBLIC_KEY = 2;
  private static final byte RELIN_KEYS = 3;
  private static final byte GALOIS_KEYS = 4;

  private final SealContext ctx;
  private final byte[] id;

  SealSerializer(SealContext ctx) {
    this.ctx = ctx;
    this.id = HexFormat.of().parseHex(ctx.parameters().parameterId());
  }

  private interface SizeCall {
    int call(LongByReference size);
  }

  private interface SaveCall {
    int call(byte[] out, long cap, LongByReference written);
  }

  private static String typeName(int type) {
    switch (type) {
      case CIPHERTEXT:
        return "a ciphertext";
      case PUBLIC_KEY:
        return "a public key";
      case RELIN_KEYS:
        return "relinearization keys";
      case GALOIS_KEYS:
        return "Galois keys";
      default:
        return "an unknown object (type " + type + ")";
    }
  }

  private long payloadSize(HeObject object) {
    LongByReference size = new LongByReference();
    if (object instanceof SecretKey) {
      throw new IllegalArgumentException("secret keys are deliberately not serializable");
    }
    if (object instanceof Ciphertext) {
      Ct c = ctx.ct((Ciphertext) object);
      SealNative.check(ctx.lib.oml_ciphertext_save_size(c.pointer(), size));
      ctx.fence(c);
    } else if (object instanceof PublicKey) {
      Pk k = ctx.pk((PublicKey) object);
      SealNative.check(ctx.lib.oml_public_key_save_size(ctx.ptr(), k.pointer(), size));
      ctx.fence(k);
    } else if (object instanceof RelinKeys) {
      Rk k = ctx.rk((RelinKeys) object);
      SealNative.check(ctx.lib.oml_relin_keys_save_size(k.pointer(), size));
      ctx.fence(k);
    } else if (object instanceof GaloisKeys) {
      Gk k = ctx.gk((GaloisKeys) object);
      SealNative.check(ctx.lib.oml_galois_keys_save_size(k.pointer(), size));
      ctx.fence(k);
    } else {
      throw new IllegalArgumentException("not a serializable HE object: " + object);
    }
    return size.getValue();
  }

  @Override
  public int savedSize(HeObject object) {
    long total = HEADER + payloadSize(object);
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("object too large for one byte array");
    }
    return (int) total;
  }

  @Override
  public byte[] save(HeObject object) {
    byte[] out = new byte[savedSize(object)];
    save(object, out, 0);
    return out;
  }

  @Override
  public int save(HeObject object, byte[] out, int offset) {
    int total = savedSize(object);
    if (offset < 0 || out.length - offset < total) {
      throw new IllegalArgumentException("need " + total + " bytes at offset " + offset);
    }
    byte[] payload = new byte[total - HEADER];
    LongByReference written = new LongByReference();
    byte type;
    int level = 0;
    int size = 0;
    if (object instanceof Ciphertext) {
      Ct c = ctx.ct((Ciphertext) object);
      SealNative.check(ctx.lib.oml_ciphertext_save(c.pointer(), payload, payload.length, written));
      ctx.fence(c);
      type = CIPHERTEXT;
      level = c.level;
      size = c.size;
    } else if (object instanceof PublicKey) {
      Pk k = ctx.pk((PublicKey) object);
      SealNative.check(ctx.lib.oml_public_key_save(ctx.ptr(), k.pointer(), payload,
          payload.length, written));
      ctx.fence(k);
      type = PUBLIC_KEY;
    } else if (object instanceof RelinKeys) {
      Rk k = ctx.rk((RelinKeys) object);
      SealNative.check(ctx.lib.oml_relin_keys_save(k.pointer(), payload, payload.length, written));
      ctx.fence(k);
      type = RELIN_KEYS;
    } else {
      Gk k = ctx.gk((GaloisKeys) object);
      SealNative.check(ctx.lib.oml_galois_keys_save(k.pointer(), payload, payload.length, written));
      ctx.fence(k);
      type = GALOIS_KEYS;
    }
    if (written.getValue() != payload.length) {
      throw new IllegalStateException("SEAL wrote " + written.getValue() + " of "
          + payload.length + " announced bytes");
    }
    writeHeader(out, offset, type, level, size, payload.length);
    System.arraycopy(payload, 0, out, offset + HEADER, payload.length);
    return total;
  }

  private void writeHeader(byte[] out, int offset, byte type, int level, int size, long length) {
    ByteBuffer b = ByteBuffer.wrap(out, offset, HEADER).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(Integer.reverseBytes(MAGIC)).put(VERSION).put(type).put(id)
        .put((byte) level).put((byte) size).putLong(length);
  }

  /** Checks the header and returns the payload; level and size are checked by the caller. */
  private byte[] payload(byte[] bytes, byte expectedType) {
    if (bytes == null || bytes.length < HEADER) {
      throw new MalformedDataException("shorter than the " + HEADER + "-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (Integer.reverseBytes(b.getInt()) != MAGIC) {
      throw new MalformedDataException("not an OML SEAL object (bad magic)");
    }
    byte version = b.get();
    if (version != VERSION) {
      throw new MalformedDataException("unsupported format version " + version);
    }
    byte type = b.get();
    if (type != expectedType) {
      throw new MalformedDataException(
          "bytes hold " + typeName(type) + ", not " + typeName(expectedType));
    }
    byte[] theirs = new byte[16];
    b.get(theirs);
    if (!java.util.Arrays.equals(theirs, id)) {
      throw new ContextMismatchException("bytes were made under parameters "
          + HexFormat.of().formatHex(theirs) + ", this context has "
          + ctx.parameters().parameterId());
    }
    b.position(24);
    long length = b.getLong();
    if (length != bytes.length - HEADER) {
      throw new MalformedDataException("header announces " + length + " payload bytes, "
          + (bytes.length - HEADER) + " present");
    }
    return java.util.Arrays.copyOfRange(bytes, HEADER, bytes.length);
  }

  private Ct checkCiphertextHeader(byte[] bytes, Ct loaded) {
    int level = bytes[22] & 0xFF;
    int size = bytes[23] & 0xFF;
    if (loaded.level != level || loaded.size != size) {
      loaded.close();
      throw new MalformedDataException("header says level " + level + " and size " + size
          + ", the payload holds level " + loaded.level + " and size " + loaded.size);
    }
    return loaded;
  }

  private void headerLevelAndSize(byte[] bytes) {
    int level = bytes[22] & 0xFF;
    int size = bytes[23] & 0xFF;
    if (level > ctx.top) {
      throw new MalformedDataException(
          "level " + level + " above the top level " + ctx.top + " of these parameters");
    }
    if (size < 2 || size > 3) {
      throw new MalformedDataException("ciphertext size " + size + " is not 2 or 3");
    }
  }

  @Override
  public Ciphertext loadCiphertext(byte[] bytes) {
    byte[] payload = payload(bytes, CIPHERTEXT);
    headerLevelAndSize(bytes);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_ciphertext_load(ctx.ptr(), payload, payload.length, out));
    ctx.fence();
    return checkCiphertextHeader(bytes, ctx.newCt(out));
  }

  private void keyHeader(byte[] bytes) {
    if (bytes[22] != 0 || bytes[23] != 0) {
      throw new MalformedDataException("key header carries a level or size");
    }
  }

  @Override
  public PublicKey loadPublicKey(byte[] bytes) {
    byte[] payload = payload(bytes, PUBLIC_KEY);
    keyHeader(bytes);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_public_key_load(ctx.ptr(), payload, payload.length, out));
    ctx.fence();
    return new Pk(ctx, out.getValue());
  }

  @Override
  public RelinKeys loadRelinKeys(byte[] bytes) {
    byte[] payload = payload(bytes, RELIN_KEYS);
    keyHeader(bytes);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_relin_keys_load(ctx.ptr(), payload, payload.length, out));
    ctx.fence();
    return new Rk(ctx, out.getValue());
  }

  @Override
  public GaloisKeys loadGaloisKeys(byte[] bytes) {
    byte[] payload = payload(bytes, GALOIS_KEYS);
    keyHeader(bytes);
    PointerByReference out = new PointerByReference();
    SealNative.check(ctx.lib.oml_galois_keys_load(ctx.ptr(), payload, payload.length, out));
    ctx.fence();
    return SealKeyGenerator.galoisKeys(ctx, out);
  }

  /**
   * Many ciphertexts back to back, each with its header, written by one native call; the
   * result equals the concatenation of {@link #save} of each.
   */
  @Override
  public byte[] saveCiphertexts(List<? extends Ciphertext> cts) {
    int count = cts.size();
    Ct[] c = new Ct[count];
    Pointer[] p = new Pointer[count];
    long total = 0;
    long[] payloadSizes = new long[count];
    for (int i = 0; i < count; i++) {
      c[i] = ctx.ct(cts.get(i));
      p[i] = c[i].pointer();
      payloadSizes[i] = payloadSize(c[i]);
      total += HEADER + payloadSizes[i];
    }
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("ciphertexts too large for one byte array");
    }
    long payloadTotal = total - (long) HEADER * count;
    byte[] payloads = new byte[(int) payloadTotal];
    long[] sizes = new long[count];
    if (count > 0) {
      SealNative.check(ctx.lib.oml_ciphertext_save_many(p, count, payloads, payloads.length,
          sizes));
    }
    ctx.fence((Object[]) c);
    byte[] out = new byte[(int) total];
    int src = 0;
    int dst = 0;
    for (int i = 0; i < count; i++) {
      writeHeader(out, dst, CIPHERTEXT, c[i].level, c[i].size, sizes[i]);
      System.arraycopy(payloads, src, out, dst + HEADER, (int) sizes[i]);
      src += (int) sizes[i];
      dst += HEADER + (int) sizes[i];
    }
    return out;
  }

  /** Reads {@code count} ciphertexts written by {@link #saveCiphertexts}, validating every one. */
  @Override
  public List<Ciphertext> loadCiphertexts(byte[] bytes, int count) {
    if (bytes == null) {
      throw new MalformedDataException("no bytes to load");
    }
    byte[][] headers = new byte[count][];
    long[] sizes = new long[count];
    java.io.ByteArrayOutputStream payloads = new java.io.ByteArrayOutputStream();
    int pos = 0;
    for (int i = 0; i < count; i++) {
      if (bytes.length - pos < HEADER) {
        throw new MalformedDataException("ciphertext " + i + " is truncated");
      }
      long length = ByteBuffer.wrap(bytes, pos + 24, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (length < 0 || length > bytes.length - pos - HEADER) {
        throw new MalformedDataException("ciphertext " + i + " announces more bytes than remain");
      }
      byte[] one = java.util.Arrays.copyOfRange(bytes, pos, pos + HEADER + (int) length);
      payload(one, CIPHERTEXT);
      headerLevelAndSize(one);
      headers[i] = one;
      sizes[i] = length;
      payloads.write(one, HEADER, (int) length);
      pos += HEADER + (int) length;
    }
    if (pos != bytes.length) {
      throw new MalformedDataException("trailing bytes after " + count + " ciphertexts");
    }
    Pointer[] out = new Pointer[count];
    byte[] all = payloads.toByteArray();
    if (count > 0) {
      SealNative.check(ctx.lib.oml_ciphertext_load_many(ctx.ptr(), all, sizes, count, out));
    }
    ctx.fence();
    List<Ct> loaded = new ArrayList<>(count);
    for (Pointer o : out) {
      loaded.add(ctx.newCt(o));
    }
    List<Ciphertext> result = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      try {
        result.add(checkCiphertextHeader(headers[i], loaded.get(i)));
      } catch (MalformedDataException e) {
        loaded.forEach(Ct::close);
        throw e;
      }
    }
    return result;
  }
}
