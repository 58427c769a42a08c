package dev.oml.he;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Size-then-save serialization of ciphertexts and public evaluation keys. Seeded ciphertexts and
 * all keys store their uniform components as 32-byte seeds. Every {@code load} validates
 * everything (type, version, parameter id, exact length, level, every coefficient below its
 * prime) and throws {@link MalformedDataException} or {@link ContextMismatchException} rather
 * than return a malformed object. Secret keys are deliberately not serializable here.
 */
public interface HeSerializer {
  int savedSize(HeObject object);

  byte[] save(HeObject object);

  /** Writes {@link #savedSize} bytes at {@code offset}; returns the count written. */
  int save(HeObject object, byte[] out, int offset);

  Ciphertext loadCiphertext(byte[] bytes);

  PublicKey loadPublicKey(byte[] bytes);

  RelinKeys loadRelinKeys(byte[] bytes);

  GaloisKeys loadGaloisKeys(byte[] bytes);

  /**
   * Many ciphertexts in one byte array (a native backend writes them in one call). The default
   * frames each {@link #save(HeObject)} with a 4-byte big-endian length.
   */
  default byte[] saveCiphertexts(List<? extends Ciphertext> ciphertexts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Ciphertext c : ciphertexts) {
      byte[] b = save(c);
      out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  /**
   * Exactly {@code count} ciphertexts written by {@link #saveCiphertexts}, each validated as by
   * {@link #loadCiphertext}; bytes left over or missing are a {@link MalformedDataException}.
   */
  default List<Ciphertext> loadCiphertexts(byte[] bytes, int count) {
    if (bytes == null) {
      throw new MalformedDataException("no bytes to load");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    List<Ciphertext> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (in.remaining() < 4) {
        throw new MalformedDataException("ciphertext " + i + " is missing");
      }
      int len = in.getInt();
      if (len < 0 || len > in.remaining()) {
        throw new MalformedDataException("ciphertext " + i + " announces more bytes than remain");
      }
      byte[] one = new byte[len];
      in.get(one);
      out.add(loadCiphertext(one));
    }
    if (in.hasRemaining()) {
      throw new MalformedDataException("trailing bytes after " + count + " ciphertexts");
    }
    return out;
  }
}
