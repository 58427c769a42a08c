package dev.oml.core.permission;

import dev.oml.core.io.ByteReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Fixed 16-byte domain tags that open every signed structure, so no signature serves twice, and
 * the reader their fixed-length big-endian encodings share (written with
 * {@link dev.oml.core.io.ByteWriter#bigEndian()}).
 */
final class Wire {
  static final byte[] CLAIMS_TAG = tag("oml-permit-v1");
  static final byte[] REQUEST_TAG = tag("oml-request-v1");
  static final byte[] PROOF_TAG = tag("oml-proof-v1");
  static final int TAG_BYTES = 16;

  private Wire() {}

  /** A big-endian reader whose running out is a {@link MalformedPermissionException}. */
  static ByteReader reader(byte[] bytes) {
    return ByteReader.of(bytes, ByteOrder.BIG_ENDIAN, MalformedPermissionException::new);
  }

  private static byte[] tag(String s) {
    return Arrays.copyOf(s.getBytes(StandardCharsets.US_ASCII), TAG_BYTES);
  }
}
