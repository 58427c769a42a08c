package dev.oml.core.permission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.testkit.PermissionFixture;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The payload of a permitted query is read without copies (an HE batch query's is about 600 MB)
 * and still cannot be changed through the query: views are read-only and independent, a query
 * made or decoded with copies ignores later writes to the caller's array, and a query decoded in
 * place hashes, verifies and re-encodes exactly as a copied one.
 */
class PermittedQueryPayloadTest {
  private final PermissionFixture fx = new PermissionFixture(10, 10);

  private PermittedQuery query(int n, byte[] payload) {
    return PermittedQuery.create(fx.licenseeA, fx.issueA(InferenceMode.HOMOMORPHIC, n, payload),
        payload);
  }

  private static byte[] read(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @Test
  void viewsAreReadOnlyIndependentAndEqualThePayload() {
    byte[] payload = fx.bytes(1000);
    byte[] original = payload.clone();
    PermittedQuery q = query(3, payload);
    payload[0] ^= 1; // the caller's array is not the query's
    ByteBuffer a = q.payloadView();
    ByteBuffer b = q.payloadView();
    assertTrue(a.isReadOnly());
    assertFalse(a.hasArray(), "no way to the backing array");
    assertThrows(ReadOnlyBufferException.class, () -> a.put(0, (byte) 7));
    assertThrows(ReadOnlyBufferException.class, () -> a.put((byte) 7));
    assertArrayEquals(original, read(a));
    assertEquals(0, a.remaining());
    assertEquals(original.length, b.remaining(), "one view's reads do not move another's");
    assertArrayEquals(original, read(b));
    assertArrayEquals(original, q.payload());
    assertEquals(original.length, q.payloadLength());
    byte[] copy = q.payload();
    copy[1] ^= 1;
    assertArrayEquals(original, q.payload(), "payload() is a copy");
  }

  @Test
  void decodeCopiesAndDecodeInPlaceAgreesWithIt() {
    byte[] payload = fx.bytes(777);
    byte[] message = query(4, payload).encode();
    PermittedQuery copied = PermittedQuery.decode(message.clone());
    byte[] owned = message.clone();
    PermittedQuery inPlace = PermittedQuery.decodeInPlace(owned);
    assertArrayEquals(payload, read(inPlace.payloadView()));
    assertArrayEquals(message, inPlace.encode());
    assertArrayEquals(copied.payload(), inPlace.payload());
    assertEquals(Binding.ofFirstMessage(payload), Binding.ofFirstMessage(inPlace.payloadView()));
    assertArrayEquals(PermittedQuery.transcriptHash(payload),
        PermittedQuery.transcriptHash(inPlace.payloadView()));
    // a view that was read part way hashes what remains, and its position is left alone
    ByteBuffer partly = inPlace.payloadView();
    partly.position(10);
    assertArrayEquals(PermittedQuery.transcriptHash(Arrays.copyOfRange(payload, 10, 777)),
        PermittedQuery.transcriptHash(partly));
    assertEquals(10, partly.position());
    // decode copies: a later write to the message does not reach the query
    byte[] m2 = message.clone();
    PermittedQuery q2 = PermittedQuery.decode(m2);
    m2[m2.length - 1] ^= 1;
    assertArrayEquals(payload, q2.payload());
    // the gate admits the in-place query and charges its images, once
    InMemoryLedger ledger = new InMemoryLedger(fx.policy::quotaOf);
    PermissionGate gate = new PermissionGate(fx.verifier, ledger);
    assertEquals(4, gate.admit(inPlace, fx.modelA, InferenceMode.HOMOMORPHIC).permission()
        .inferences());
    assertEquals(4, ledger.charged(fx.licenseeA.keyId()));
  }
}
