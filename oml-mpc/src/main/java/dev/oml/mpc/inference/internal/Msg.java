package dev.oml.mpc.inference.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Message types and shared constants of the two-party inference protocol (see docs). */
public final class Msg {
  private Msg() {}

  public static final int VERSION = 1;
  /** Offline flight 1, user to owner: the payload of the permitted first message. */
  public static final int OFFLINE_REQUEST = 0x41;
  /** Offline flight 2, owner to user. */
  public static final int OFFLINE_REPLY = 0x42;
  /** Offline flight 3, user to owner. */
  public static final int OFFLINE_FINISH = 0x43;
  /** Offline flight 4, owner to user: the bundle is ready. */
  public static final int OFFLINE_ACK = 0x44;
  /** Online, user to owner: one stage of one query. */
  public static final int STEP = 0x45;
  /** Online, owner to user: the answer to a stage. */
  public static final int STEP_REPLY = 0x46;

  /** Largest garbling or OT message accepted in one field. */
  public static final int MAX_GC_BYTES = 1 << 28;
  /** Ed25519 signature length. */
  public static final int SIGNATURE_BYTES = 64;

  private static final byte[] QUERY_TAG = "OML/2pc-query/v1".getBytes(StandardCharsets.US_ASCII);

  /**
   * What the licensee signs at the start of each online query: a tag, the bundle's binding and
   * the message so far. The owner checks it with the licensee's public key from the manifest,
   * so prepared material serves only the licensee that paid for it.
   */
  public static byte[] querySigningInput(byte[] binding, byte[] message, int length) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(QUERY_TAG);
      md.update(binding);
      md.update(message, 0, length);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
