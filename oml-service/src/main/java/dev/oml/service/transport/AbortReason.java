package dev.oml.service.transport;

import dev.oml.core.transport.ProtocolAbortException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Why a peer gave up, as carried in the payload of an abort frame (and in the permit desk's
 * refusals): a numeric error code, a few bytes of typed details, and a short human-readable
 * message. The code says which exception the sender raised (the registry is {@code
 * dev.oml.service.server.ErrorCode}); the details carry the fields that exception needs to be
 * rebuilt on the other side (a quota's numbers, the mismatched claim). Code 0 means "no code":
 * a plain reason, as sent by a peer that does not name its error.
 *
 * <p>Encoding: {@code 0x00 || code (u16) || details length (u8) || details || message (ASCII)}.
 * A payload whose first byte is printable is a plain reason of an older peer, read as code 0.
 * Messages are cut to {@value #MAX_MESSAGE} printable ASCII characters; by this library's rule
 * they never name a secret.
 */
public final class AbortReason {
  /** Longest message kept, in characters. */
  public static final int MAX_MESSAGE = 300;
  /** Longest details, in bytes. */
  public static final int MAX_DETAILS = 255;
  /** The largest encoding, in bytes. */
  public static final int MAX_BYTES = 4 + MAX_DETAILS + MAX_MESSAGE;
  private static final byte STRUCTURED = 0;

  private final int code;
  private final byte[] details;
  private final String message;

  private AbortReason(int code, byte[] details, String message) {
    this.code = code;
    this.details = details;
    this.message = message;
  }

  /**
   * A reason with a code and details.
   *
   * @throws IllegalArgumentException if the code is not in 0..65535 or the details are too long
   */
  public static AbortReason of(int code, byte[] details, String message) {
    Objects.requireNonNull(details, "details");
    if (code < 0 || code > 0xFFFF) {
      throw new IllegalArgumentException("error codes are 16-bit, got " + code);
    }
    if (details.length > MAX_DETAILS) {
      throw new IllegalArgumentException("at most " + MAX_DETAILS + " bytes of details");
    }
    return new AbortReason(code, details.clone(), sanitize(message == null ? "" : message));
  }

  /** A reason without a code. */
  public static AbortReason plain(String message) {
    return of(0, new byte[0], message);
  }

  /** The error code; 0 if the peer named none. */
  public int code() {
    return code;
  }

  /** A copy of the typed details. */
  public byte[] details() {
    return details.clone();
  }

  /** The human-readable message (printable ASCII). */
  public String message() {
    return message;
  }

  /** The payload bytes. */
  public byte[] encode() {
    byte[] m = message.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(4 + details.length + m.length).put(STRUCTURED).putShort((short) code)
        .put((byte) details.length).put(details).put(m).array();
  }

  /**
   * Reads a payload; a plain (older) reason becomes code 0.
   *
   * @throws ProtocolAbortException if a structured payload is truncated
   */
  public static AbortReason decode(byte[] payload) {
    if (payload.length == 0 || payload[0] != STRUCTURED) {
      return plain(new String(payload, StandardCharsets.US_ASCII));
    }
    if (payload.length < 4 || payload.length < 4 + (payload[3] & 0xFF)) {
      throw new ProtocolAbortException("truncated abort reason of " + payload.length + " bytes");
    }
    int code = ((payload[1] & 0xFF) << 8) | (payload[2] & 0xFF);
    int n = payload[3] & 0xFF;
    return new AbortReason(code, Arrays.copyOfRange(payload, 4, 4 + n),
        sanitize(new String(payload, 4 + n, payload.length - 4 - n, StandardCharsets.US_ASCII)));
  }

  // The message reaches logs and terminals on the other side: printable ASCII only, bounded.
  static String sanitize(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < MAX_MESSAGE; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return code == 0 ? message : "[" + code + "] " + message;
  }
}
