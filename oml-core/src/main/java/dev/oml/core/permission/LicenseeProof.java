package dev.oml.core.permission;

import dev.oml.core.io.ByteWriter;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;

/**
 * The licensee's proof of possession for one use of a permission: its Ed25519 signature over a
 * domain tag, the permission's nonce, a hash of the whole permission and the session's
 * transcript hash. Only the holder of the licensee's private key can make it, and it is good for
 * one session only, so a permission copied off the wire or out of a log is useless to anyone
 * else.
 */
public final class LicenseeProof {
  /** Length of the encoding in bytes. */
  public static final int BYTES = SigningPublicKey.SIGNATURE_BYTES;
  /** Length of a transcript hash in bytes. */
  public static final int TRANSCRIPT_HASH_BYTES = 32;

  private final byte[] signature;

  private LicenseeProof(byte[] signature) {
    this.signature = signature;
  }

  /**
   * The licensee signs its use of {@code token} in the session whose transcript hash is
   * {@code transcriptHash}.
   */
  public static LicenseeProof create(SigningKeyPair licenseeKey, PermissionToken token,
      byte[] transcriptHash) {
    return new LicenseeProof(licenseeKey.sign(message(token, transcriptHash)));
  }

  /**
   * Decodes a proof.
   *
   * @throws MalformedPermissionException if it is not 64 bytes
   */
  public static LicenseeProof decode(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new MalformedPermissionException("a licensee proof has " + BYTES + " bytes, got "
          + bytes.length);
    }
    return new LicenseeProof(bytes.clone());
  }

  public byte[] encode() {
    return signature.clone();
  }

  boolean valid(SigningPublicKey licenseeKey, PermissionToken token, byte[] transcriptHash) {
    return licenseeKey.verify(message(token, transcriptHash), signature);
  }

  static byte[] message(PermissionToken token, byte[] transcriptHash) {
    if (transcriptHash.length != TRANSCRIPT_HASH_BYTES) {
      throw new IllegalArgumentException("a transcript hash has " + TRANSCRIPT_HASH_BYTES + " bytes");
    }
    return ByteWriter.bigEndian().bytes(Wire.PROOF_TAG).bytes(token.unverifiedClaims().nonce())
        .bytes(token.digest()).bytes(transcriptHash).toByteArray();
  }

  @Override
  public String toString() {
    return "LicenseeProof";
  }
}
