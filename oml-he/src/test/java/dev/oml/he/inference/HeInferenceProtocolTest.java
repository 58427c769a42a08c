package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeBackends;
import org.junit.jupiter.api.Test;

/**
 * The protocol end to end at an INSECURE N = 4096 ring on the shipped HE network (the two
 * ciphertexts of a query evaluated in parallel): labels equal the float model's, logits are within the plan's estimated error, the ledger is charged the
 * permitted n, answers are at the plan's level, and the same runs through a session driven
 * over an in-memory channel.
 */
class HeInferenceProtocolTest {
  @Test
  void threeImagesInTwoCiphertextsMatchTheFloatModel() {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    HeOwnerSession owner = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate, pool);
    owner.acceptKeys(Shared.USER.sessionKeys());
    double[][] imgs = HeFixture.images(Shared.DATA, 10, 3);
    HeQuery q = Shared.USER.encrypt(imgs);
    assertEquals(2, q.ciphertexts());
    long before = Shared.FX.ledger.charged(Shared.FX.licensee.keyId());
    byte[] first = PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(q), q.payload())
        .encode();
    HeResult r = Shared.USER.decrypt(q, owner.answer(first));
    pool.shutdown();
    assertEquals(before + 3, Shared.FX.ledger.charged(Shared.FX.licensee.keyId()));
    FloatInference fi = new FloatInference(Shared.MODEL);
    for (int i = 0; i < imgs.length; i++) {
      double[] want = fi.logits(imgs[i]);
      assertEquals(FloatInference.argmax(want), r.label(i), "image " + i);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], r.logits(i)[j], Shared.COMPILED.plan().estimatedError(),
            "image " + i + " logit " + j);
      }
    }
  }

  @Test
  void aSessionRunsOneRoundPerQueryOverAChannel() throws Exception {
    HeOwnerSession session = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    Channel ownerEnd = pair.first();
    Channel userEnd = pair.second();
    OwnerRun t = OwnerRun.start(session, ownerEnd);
    HeInferenceClient client = HeInferenceClient.connect(userEnd, HeBackends.pureJava(),
        Shared.FX.licensee, HeOwnerSession.ONLY_MODEL, true);
    double[][] imgs = HeFixture.images(Shared.DATA, 20, 1);
    long sent = userEnd.messagesSent();
    HeResult r = client.infer(imgs, Shared.FX::permit);
    assertEquals(sent + 1, userEnd.messagesSent(), "one message from the user per query");
    assertEquals(new FloatInference(Shared.MODEL).label(imgs[0]), r.label(0));
    assertTrue(client.sessionKeyBytes() > client.lastQueryBytes());
    userEnd.close();
    assertEquals(null, t.join());
    assertEquals(3, ownerEnd.messagesSent(), "the challenge, the plan, then one answer for the one query");
  }

  @Test
  void aConnectionLostAfterTheQueryWasAdmittedIsOneAbortAndStaysCharged() throws Exception {
    HeOwnerSession session = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    // the owner's end breaks when it sends its third message (after the challenge and the plan:
    // the answer), as a connection the user dropped while the owner evaluated
    Channel ownerEnd = new BreaksOnSend(pair.first(), 3);
    Channel userEnd = pair.second();
    OwnerRun t = OwnerRun.start(session, ownerEnd);
    HeInferenceClient client = HeInferenceClient.connect(userEnd, HeBackends.pureJava(),
        Shared.FX.licensee, HeOwnerSession.ONLY_MODEL, true);
    KeyId licensee = Shared.FX.licensee.keyId();
    long aborts = Shared.FX.ledger.aborts(licensee).count();
    long charged = Shared.FX.ledger.charged(licensee);
    HeQuery q = client.session().encrypt(HeFixture.images(Shared.DATA, 30, 1));
    userEnd.send(PermittedQuery.create(Shared.FX.licensee, Shared.FX.permit(q), q.payload())
        .encode());
    assertInstanceOf(ProtocolAbortException.class, t.join());
    assertEquals(aborts + 1, Shared.FX.ledger.aborts(licensee).count());
    assertEquals(AbortReason.PEER_HUNG_UP.code(), Shared.FX.ledger.aborts(licensee).lastReason());
    assertEquals(charged + 1, Shared.FX.ledger.charged(licensee), "charged at admission, kept");
    // a user that ends its session between queries is not an abort
    HeOwnerSession normal = new HeOwnerSession(Shared.COMPILED, Shared.FX.gate);
    InMemoryChannel.Pair p2 = InMemoryChannel.pair();
    Thread t2 = new Thread(() -> normal.run(p2.first()));
    t2.start();
    HeInferenceClient c2 = HeInferenceClient.connect(p2.second(), HeBackends.pureJava(),
        Shared.FX.licensee, HeOwnerSession.ONLY_MODEL, true);
    c2.infer(HeFixture.images(Shared.DATA, 31, 1), Shared.FX::permit);
    p2.second().close();
    t2.join(60_000);
    assertEquals(aborts + 1, Shared.FX.ledger.aborts(licensee).count());
  }

  /** A channel whose {@code n}-th send fails as a dropped connection does. */
  private static final class BreaksOnSend extends ForwardingChannel {
    private final int breakAt;
    private int sends;

    BreaksOnSend(Channel inner, int breakAt) {
      super(inner);
      this.breakAt = breakAt;
    }

    @Override
    public void send(byte[] message) {
      if (++sends == breakAt) {
        inner().close();
        throw new ProtocolAbortException("cannot send: the connection was reset");
      }
      inner().send(message);
    }
  }

  @Test
  void aUserRefusesToEncryptUnderInsecureParameters() {
    org.junit.jupiter.api.Assertions.assertThrows(MalformedQueryException.class,
        () -> HeUserSession.open(HeBackends.pureJava(), Shared.COMPILED.plan().encode()));
    byte[] garbage = new byte[300];
    org.junit.jupiter.api.Assertions.assertThrows(MalformedQueryException.class,
        () -> HeUserSession.open(HeBackends.pureJava(), garbage));
  }

  @Test
  void thePlanRoundTripsAndNamesItsParameters() {
    HeInferencePlan p = Shared.COMPILED.plan();
    HeInferencePlan back = HeInferencePlan.decode(p.encode());
    assertArrayEquals(p.planId(), back.planId());
    assertEquals(p.parameters().parameterId(), back.parameters().parameterId());
    assertTrue(p.parameters().name().contains("INSECURE"));
    assertEquals(2, p.imagesPerCiphertext());
    assertEquals(1024, p.features());
    assertTrue(p.flooded());
  }
}
