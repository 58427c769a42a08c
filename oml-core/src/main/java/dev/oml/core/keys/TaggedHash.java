package dev.oml.core.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Domain-separated SHA-256: {@code H(len(tag) || tag || len(p1) || p1 || ...)} with 4-byte
 * big-endian lengths. Every hash this library computes for a different purpose (key ids, model
 * ids, bindings, proofs) uses its own tag, so a value computed for one purpose can never be
 * presented as another, and the length prefixes make the encoding of the parts unambiguous.
 */
public final class TaggedHash {
  /** Output length in bytes. */
  public static final int BYTES = 32;

  private TaggedHash() {}

  /** Hashes {@code parts} under {@code tag}. */
  public static byte[] of(String tag, byte[]... parts) {
    MessageDigest md = sha256();
    update(md, tag.getBytes(StandardCharsets.UTF_8));
    for (byte[] p : parts) {
      update(md, p);
    }
    return md.digest();
  }

  /** Hashes one part, read from {@code part}'s position to its limit (left unchanged), under {@code tag}. */
  public static byte[] of(String tag, java.nio.ByteBuffer part) {
    MessageDigest md = sha256();
    update(md, tag.getBytes(StandardCharsets.UTF_8));
    int n = part.remaining();
    md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    md.update(part.duplicate());
    return md.digest();
  }

  private static void update(MessageDigest md, byte[] part) {
    int n = part.length;
    md.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    md.update(part);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
