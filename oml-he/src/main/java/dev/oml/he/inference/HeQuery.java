package dev.oml.he.inference;

import dev.oml.core.permission.Binding;
import java.nio.ByteBuffer;

/**
 * One query of the HE mode as the user built it: the payload (the bytes the permission's binding
 * hashes and that travel inside a {@link dev.oml.core.permission.PermittedQuery}) and the number of
 * images it carries, which is the number of inferences the permission must be for.
 *
 * <p>Payload encoding (little-endian): {@code "OHQ1"}, plan id (32 bytes), session-keys digest
 * (32), image count (int32), ciphertext count (int32), then per ciphertext its length (int32)
 * and its serialized bytes (fresh seeded secret-key encryptions at the top level and the
 * plan's scale: the uniform half travels as a 32-byte seed).
 *
 * <p>A batch query is hundreds of MB, so the query holds its payload once and is read without a
 * copy: {@link #payloadView()}, {@link #binding()}; {@link #payload()} returns a copy.
 */
public final class HeQuery {
  private final byte[] payload;
  private final int images;
  private final int ciphertexts;

  HeQuery(byte[] payload, int images, int ciphertexts) {
    this.payload = payload;
    this.images = images;
    this.ciphertexts = ciphertexts;
  }

  /** A copy of the payload bytes (see {@link #payloadView()} to read them without one). */
  public byte[] payload() {
    return payload.clone();
  }

  /** The payload without a copy: a fresh read-only buffer over it, positioned at its start. */
  public ByteBuffer payloadView() {
    return ByteBuffer.wrap(payload).asReadOnlyBuffer();
  }

  /**
   * What the permission for this query must be bound to: {@link Binding#ofFirstMessage} of the
   * payload, computed without copying it.
   */
  public Binding binding() {
    return Binding.ofFirstMessage(payloadView());
  }

  public int images() {
    return images;
  }

  public int ciphertexts() {
    return ciphertexts;
  }

  public int bytes() {
    return payload.length;
  }
}
