package dev.oml.core.permission;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.permission.LicenseeProof;
import dev.oml.core.permission.MalformedPermissionException;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.transport.ProtocolAbortException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The first message of a permitted query or bundle, in either mode: the owner's permission, the
 * licensee's proof of possession, and the mode's own first message (the payload). The
 * permission's binding is the hash of the payload's exact bytes, so a permission obtained for one
 * query cannot carry another; the proof signs the permission's nonce with the transcript hash
 * {@code SHA-256("OML query transcript v1" || payload)}, so a copied permission is worthless
 * without the licensee's key.
 *
 * <p>Encoding: {@code token || proof || payload} (the first two have fixed lengths).
 *
 * <p>Immutable. The payload can be hundreds of MB (an HE batch query): {@link #payloadView()}
 * reads it without a copy through a read-only buffer, and {@link #decodeInPlace} splits a
 * received message without copying its payload out. {@link #payload()} still returns a copy.
 */
public final class PermittedQuery {
  private static final byte[] TRANSCRIPT_TAG = "OML query transcript v1".getBytes(StandardCharsets.US_ASCII);

  private final PermissionToken token;
  private final LicenseeProof proof;
  /** Holds the payload at {@code [offset, offset + length)}; never written after construction. */
  private final byte[] buffer;
  private final int offset;
  private final int length;

  private PermittedQuery(PermissionToken token, LicenseeProof proof, byte[] payload) {
    this(token, proof, payload, 0, payload.length);
  }

  private PermittedQuery(PermissionToken token, LicenseeProof proof, byte[] buffer, int offset,
      int length) {
    this.token = token;
    this.proof = proof;
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
  }

  /** The licensee wraps {@code payload} with its permission and proves possession. */
  public static PermittedQuery create(SigningKeyPair licensee, PermissionToken token, byte[] payload) {
    byte[] p = payload.clone();
    return new PermittedQuery(token, LicenseeProof.create(licensee, token, transcriptHash(p)), p);
  }

  /** Reassembles a query from its parts (for tests that tamper with one of them). */
  public static PermittedQuery of(PermissionToken token, LicenseeProof proof, byte[] payload) {
    return new PermittedQuery(token, proof, payload.clone());
  }

  /** The transcript hash the licensee's proof signs for {@code payload}. */
  public static byte[] transcriptHash(byte[] payload) {
    return transcriptHash(ByteBuffer.wrap(payload));
  }

  /**
   * The transcript hash of the payload read from {@code payload}'s position to its limit (the
   * position is left unchanged), without copying it.
   */
  public static byte[] transcriptHash(ByteBuffer payload) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(TRANSCRIPT_TAG);
      md.update(payload.duplicate());
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  public byte[] encode() {
    byte[] t = token.encode();
    byte[] p = proof.encode();
    byte[] out = new byte[t.length + p.length + length];
    System.arraycopy(t, 0, out, 0, t.length);
    System.arraycopy(p, 0, out, t.length, p.length);
    System.arraycopy(buffer, offset, out, t.length + p.length, length);
    return out;
  }

  /**
   * Splits a received first message; the permission is verified later by {@link PermissionGate}.
   *
   * @throws ProtocolAbortException if the message is too short or its permission is malformed
   */
  public static PermittedQuery decode(byte[] message) {
    return decode(message, true);
  }

  /**
   * Splits a received first message as {@link #decode} does, but keeps the payload where it is
   * in {@code message} instead of copying it out: a single transfer of ownership, for a receiver
   * holding a large query (an HE batch query is about 600 MB). The caller hands {@code message}
   * over and must not write to it afterwards; nothing this class returns can write to it.
   *
   * @throws ProtocolAbortException if the message is too short or its permission is malformed
   */
  public static PermittedQuery decodeInPlace(byte[] message) {
    return decode(message, false);
  }

  private static PermittedQuery decode(byte[] message, boolean copy) {
    int head = PermissionToken.BYTES + LicenseeProof.BYTES;
    if (message.length < head) {
      throw new ProtocolAbortException("a permitted query starts with a " + PermissionToken.BYTES
          + "-byte permission and a " + LicenseeProof.BYTES + "-byte proof; got " + message.length + " bytes");
    }
    try {
      return new PermittedQuery(
          PermissionToken.decode(Arrays.copyOfRange(message, 0, PermissionToken.BYTES)),
          LicenseeProof.decode(Arrays.copyOfRange(message, PermissionToken.BYTES, head)),
          copy ? Arrays.copyOfRange(message, head, message.length) : message,
          copy ? 0 : head, message.length - head);
    } catch (MalformedPermissionException e) {
      throw new ProtocolAbortException("malformed permission in the first message: " + e.getMessage(), e);
    }
  }

  public PermissionToken token() {
    return token;
  }

  public LicenseeProof proof() {
    return proof;
  }

  /** A copy of the mode's first message (see {@link #payloadView()} for large payloads). */
  public byte[] payload() {
    return Arrays.copyOfRange(buffer, offset, offset + length);
  }

  /**
   * The mode's first message without a copy: a fresh read-only buffer over it, positioned at its
   * start (each call returns its own buffer, so one reader's position never moves another's).
   */
  public ByteBuffer payloadView() {
    return ByteBuffer.wrap(buffer, offset, length).slice().asReadOnlyBuffer();
  }

  /** The payload's length in bytes. */
  public int payloadLength() {
    return length;
  }
}
