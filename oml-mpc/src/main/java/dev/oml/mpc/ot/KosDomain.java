package dev.oml.mpc.ot;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What one extension of a bundle's OT extension is for: its purpose (e.g. {@code "tier2/vole"}),
 * the query and the layer. Both sides name the extension independently, from their own state; the
 * name enters the extension's check challenge, so material made for one extension does not pass
 * the check of another.
 *
 * @param purpose a short ASCII name of the protocol step, at most 64 characters
 * @param query the query's index in the bundle, not negative
 * @param layer the layer's index in the query, not negative
 */
public record KosDomain(String purpose, int query, int layer) {
  /** Checks the fields. */
  public KosDomain {
    Objects.requireNonNull(purpose, "purpose");
    if (purpose.isEmpty() || purpose.length() > 64
        || !StandardCharsets.US_ASCII.newEncoder().canEncode(purpose)) {
      throw new IllegalArgumentException("a KOS domain's purpose is 1 to 64 ASCII characters");
    }
    if (query < 0 || layer < 0) {
      throw new IllegalArgumentException("query and layer indices are not negative");
    }
  }

  /** Unambiguous bytes: the purpose's length and bytes, then query and layer. */
  byte[] encode() {
    byte[] p = purpose.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(4 + p.length + 8).putInt(p.length).put(p).putInt(query)
        .putInt(layer).array();
  }
}
