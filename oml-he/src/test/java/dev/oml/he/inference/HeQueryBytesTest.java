package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.internal.Msg;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The client holds a query's payload once (built in place, wrapped by the permitted query,
 * a batch query streamed in parts from it) without changing a byte on the wire: the payload,
 * its binding, the first message and the parts it travels in are compared with the way they were
 * computed before (a growing buffer, copies, one concatenated message cut into parts), on the
 * INSECURE N = 1024 plans of a small network in both packings.
 */
class HeQueryBytesTest {
  private static final HeFixture FX = HePackingChoiceTest.FX;
  private static final double[][] IMAGES = HePackingChoiceTest.CAL;

  /** The payload as it was built before: a growing buffer of the header and framed blocks. */
  private static byte[] previousPayload(HeUserSession user, int images, Ciphertext... cts) {
    Msg.Out o = new Msg.Out().magic(HeUserSession.QUERY_MAGIC).raw(user.plan().planId())
        .raw(Msg.sha256(user.sessionKeys())).i32(images).i32(cts.length);
    for (Ciphertext c : cts) {
      o.block(user.context().serializer().save(c));
    }
    return o.bytes();
  }

  /** The messages the batch query was sent in before: announcement, then slices of one array. */
  private static List<byte[]> previousParts(byte[] first) {
    List<byte[]> out = new ArrayList<>();
    out.add(new Msg.Out().magic(HeOwnerSession.QUERY_LENGTH_MAGIC).i32(first.length).bytes());
    for (int off = 0; off < first.length; off += HeOwnerSession.KEY_PART_BYTES) {
      out.add(Arrays.copyOfRange(first, off,
          Math.min(first.length, off + HeOwnerSession.KEY_PART_BYTES)));
    }
    return out;
  }

  private static final class Recording extends ForwardingChannel {
    final List<byte[]> sent = new ArrayList<>();

    Recording(Channel inner) {
      super(inner);
    }

    @Override
    public void send(byte[] message) {
      sent.add(message.clone());
      super.send(message);
    }
  }

  @Test
  void thePayloadAndItsBindingAreTheBytesOfBefore() {
    for (HeCompiledModel m : List.of(HePackingChoiceTest.ROWS, HePackingChoiceTest.BATCH)) {
      HeUserSession user = HeUserSession.openInsecureForTesting(HeBackends.pureJava(),
          m.plan().encode());
      int count = m.plan().ciphertextsFor(IMAGES.length);
      Ciphertext[] cts = new Ciphertext[count];
      for (int k = 0; k < count; k++) {
        double[] slots = new double[user.context().parameters().polyModulusDegree() / 2];
        slots[k] = 0.25 * (k + 1);
        cts[k] = user.encryptSlots(slots);
      }
      HeQuery q = user.buildQuery(IMAGES.length, cts);
      byte[] before = previousPayload(user, IMAGES.length, cts);
      assertArrayEquals(before, q.payload(), m.plan().packing().name());
      assertEquals(Binding.ofFirstMessage(before), q.binding());
      ByteBuffer view = q.payloadView();
      assertEquals(before.length, view.remaining());
      assertThrows(ReadOnlyBufferException.class, () -> view.put(0, (byte) 1));
      assertArrayEquals(before, q.payload(), "the view cannot change the payload");
    }
  }

  @Test
  void theFirstMessageOnTheWireIsTheOneOfBeforeInBothPackings() throws Exception {
    for (HeCompiledModel m : List.of(HePackingChoiceTest.ROWS, HePackingChoiceTest.BATCH)) {
      HeOwnerSession owner = new HeOwnerSession(m, FX.gate);
      InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(30));
      OwnerRun run = OwnerRun.start(owner, pair.first());
      Recording wire = new Recording(pair.second());
      HeInferenceClient client = HeInferenceClient.connectInsecureForTesting(wire,
          HeBackends.pureJava(), FX.licensee, FX.modelId);
      int sentBefore = wire.sent.size();
      HeQuery[] query = new HeQuery[1];
      PermissionToken[] token = new PermissionToken[1];
      HeResult r = client.infer(IMAGES, q -> {
        query[0] = q;
        // the permission as it was asked for before: bound to a copy of the payload
        token[0] = FX.permit(q.images(), q.payload());
        return token[0];
      });
      byte[] before = PermittedQuery.create(FX.licensee, token[0], query[0].payload()).encode();
      List<byte[]> sent = wire.sent.subList(sentBefore, wire.sent.size());
      List<byte[]> want = m.plan().packing() == HePacking.BATCH ? previousParts(before)
          : List.of(before);
      assertEquals(want.size(), sent.size(), m.plan().packing().name());
      for (int i = 0; i < want.size(); i++) {
        assertArrayEquals(want.get(i), sent.get(i), m.plan().packing() + ", message " + i);
      }
      assertEquals(before.length, client.lastQueryBytes());
      // and the owner answered it
      FloatInference reference = new FloatInference(HePackingChoiceTest.TINY);
      for (int i = 0; i < IMAGES.length; i++) {
        double[] logits = reference.logits(IMAGES[i]);
        for (int j = 0; j < logits.length; j++) {
          assertEquals(logits[j], r.logits(i)[j], m.plan().estimatedError(), i + "/" + j);
        }
      }
      pair.second().close();
      assertNull(run.join());
    }
  }

  /** Parts cut across the head and the payload, and across parts, as one array was cut. */
  @Test
  void aQueryStreamedInPartsIsTheConcatenationCutAsBefore() {
    byte[] payload = new byte[2 * HeOwnerSession.KEY_PART_BYTES + 12345];
    new Random(5).nextBytes(payload);
    PermissionToken t = FX.permit(1, payload);
    PermittedQuery streamed = PermittedQuery.create(FX.licensee, t, ByteBuffer.wrap(payload));
    byte[] before = PermittedQuery.create(FX.licensee, t, payload).encode();
    assertArrayEquals(before, streamed.encode());
    assertEquals(before.length, streamed.encodedLength());
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(5));
    Recording wire = new Recording(pair.first());
    HeOwnerSession.sendQuery(wire, streamed);
    List<byte[]> want = previousParts(before);
    assertTrue(want.size() > 3, "several parts");
    assertEquals(want.size(), wire.sent.size());
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i), wire.sent.get(i), "message " + i);
    }
  }
}
