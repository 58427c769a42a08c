package dev.oml.he;

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
}
