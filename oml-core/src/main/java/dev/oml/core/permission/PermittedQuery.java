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
 * reads it without a copy through a read-only buffer, {@link #decodeInPlace} splits a
 * received message without copying its payload out, {@link #create(SigningKeyPair,
 * PermissionToken, ByteBuffer)} wraps a sender's payload without copying it in, and {@link
 * #head()} with {@link #payloadView()} lets a sender stream the message without building it.
 * {@link #payload()} still returns a copy.
 */
public final class PermittedQuery {
  private static final byte[] TRANSCRIPT_TAG = "OML query transcript v1".getBytes(StandardCharsets.US_ASCII);
  /** Length of what precedes the payload: the permission token and the proof. */
  public static final int HEAD_BYTES = PermissionToken.BYTES + LicenseeProof.BYTES;

  private final PermissionToken token;
  private final LicenseeProof proof;
  /** The payload, read-only, from position 0; its bytes are never written after construction. */
  private final ByteBuffer payload;

  private PermittedQuery(PermissionToken token, LicenseeProof proof, byte[] payload) {
    this(token, proof, payload, 0, payload.length);
  }

  private PermittedQuery(PermissionToken token, LicenseeProof proof, byte[] buffer, int offset,
      int length) {
    this(token, proof, ByteBuffer.wrap(buffer, offset, length).slice());
  }

  private PermittedQuery(PermissionToken token, LicenseeProof proof, ByteBuffer payload) {
    this.token = token;
    this.proof = proof;
    this.payload = payload.asReadOnlyBuffer();
  }

  /** The licensee wraps {@code payload} with its permission and proves possession. */
  public static PermittedQuery create(SigningKeyPair licensee, PermissionToken token, byte[] payload) {
    byte[] p = payload.clone();
    return new PermittedQuery(token, LicenseeProof.create(licensee, token, transcriptHash(p)), p);
  }

  /**
   * As {@link #create(SigningKeyPair, PermissionToken, byte[])} for the payload read from
   * {@code payload}'s position to its limit (the position is left unchanged), without copying
   * it: for a sender holding a large payload once (an HE batch query is hundreds of MB). The
   * caller must not change those bytes afterwards; pass a view of bytes nobody writes.
   */
  public static PermittedQuery create(SigningKeyPair licensee, PermissionToken token,
      ByteBuffer payload) {
    ByteBuffer p = payload.slice();
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
    byte[] h = head();
    byte[] out = new byte[h.length + payload.remaining()];
    System.arraycopy(h, 0, out, 0, h.length);
    payload.duplicate().get(out, h.length, payload.remaining());
    return out;
  }

  /**
   * The first {@link #HEAD_BYTES} bytes of {@link #encode()}: the token and the proof. With
   * {@link #payloadView()} after them, the whole message, for a sender that streams it.
   */
  public byte[] head() {
    byte[] t = token.encode();
    byte[] p = proof.encode();
    byte[] out = new byte[t.length + p.length];
    System.arraycopy(t, 0, out, 0, t.length);
    System.arraycopy(p, 0, out, t.length, p.length);
    return out;
  }

  /** The length of {@link #encode()}. */
  public int encodedLength() {
    return HEAD_BYTES + payload.remaining();
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
    int head = HEAD_BYTES;
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
    byte[] out = new byte[payload.remaining()];
    payload.duplicate().get(out);
    return out;
  }

  /**
   * The mode's first message without a copy: a fresh read-only buffer over it, positioned at its
   * start (each call returns its own buffer, so one reader's position never moves another's).
   */
  public ByteBuffer payloadView() {
    return payload.duplicate();
  }

  /** The payload's length in bytes. */
  public int payloadLength() {
    return payload.remaining();
  }
}
