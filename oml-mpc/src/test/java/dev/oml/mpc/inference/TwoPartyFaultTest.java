package dev.oml.mpc.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults over real channels, owner on its own thread: a short, long, malformed or out-of-order
 * message from either side, and a peer that hangs up mid-query, end both sides with a typed
 * {@link ProtocolAbortException}; the owner's thread ends; the bundle is charged once and its
 * material is gone on both sides.
 */
class TwoPartyFaultTest {
  private static final byte[] HANG_UP = new byte[0];
  private final Random rnd = new Random(3);
  private ExecutorService ownerThread;
  private LocalRun run;

  @BeforeEach
  void setUp() {
    ownerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-2pc-owner"));
    run = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 31, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, 1000);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    ownerThread.shutdownNow();
    assertTrue(ownerThread.awaitTermination(10, TimeUnit.SECONDS), "the owner thread leaked");
  }

  /**
   * Sends through {@code inner}, letting {@code edit} rewrite message {@code i}; an edit that
   * returns {@link #HANG_UP} closes the channel instead of sending.
   */
  static final class Tamper extends ForwardingChannel {
    final BiFunction<Integer, byte[], byte[]> edit;
    int sent;

    Tamper(Channel inner, BiFunction<Integer, byte[], byte[]> edit) {
      super(inner);
      this.edit = edit;
    }

    @Override
    public void send(byte[] m) {
      byte[] out = edit.apply(sent++, m);
      if (out == HANG_UP) {
        inner().close();
        return;
      }
      inner().send(out);
    }
  }

  /** Outcome of one bundle of two queries with tampering on either side. */
  private record Outcome(Throwable user, Throwable owner) {}

  private Outcome go(BiFunction<Integer, byte[], byte[]> userEdit,
      BiFunction<Integer, byte[], byte[]> ownerEdit) throws InterruptedException {
    InMemoryChannel.Pair p = InMemoryChannel.pair(Duration.ofSeconds(20));
    Channel u = new Tamper(p.first(), userEdit);
    Channel o = new Tamper(p.second(), ownerEdit);
    TwoPartyOwner.Session session = run.owner.newSession();
    Future<?> f = ownerThread.submit(() -> session.serve(o));
    Throwable userError = null;
    try {
      PreparedBundle b = run.user.prepare(u, 2, run::permit);
      for (int k = 0; k < 2; k++) {
        run.user.infer(u, b, run.encode(TinyModels.input(rnd, 8)));
      }
      u.close();
    } catch (RuntimeException e) {
      userError = e;
    }
    Throwable ownerError = null;
    try {
      f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      ownerError = e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      fail("the owner's session did not end");
    }
    return new Outcome(userError, ownerError);
  }

  private static BiFunction<Integer, byte[], byte[]> at(int index,
      java.util.function.UnaryOperator<byte[]> edit) {
    return (i, m) -> i == index ? edit.apply(m) : m;
  }

  private static final BiFunction<Integer, byte[], byte[]> NONE = (i, m) -> m;

  private void bothAbort(Outcome o) {
    assertInstanceOf(ProtocolAbortException.class, o.user(), "user: " + o.user());
    assertInstanceOf(ProtocolAbortException.class, o.owner(), "owner: " + o.owner());
    assertEquals(2, run.charged(), "charged once, at preparation");
  }

  @Test
  void aCleanRunEndsNormallyOnBothSides() throws InterruptedException {
    Outcome o = go(NONE, NONE);
    assertEquals(null, o.user());
    assertEquals(null, o.owner());
    assertEquals(2, run.charged());
  }

  // user -> owner: 0 = first message, 1 = offline finish, 2.. = online stages (3 per query)

  @Test
  void shortOfflineFinish() throws InterruptedException {
    bothAbort(go(at(1, m -> Arrays.copyOf(m, m.length - 9)), NONE));
  }

  @Test
  void longOfflineFinish() throws InterruptedException {
    bothAbort(go(at(1, m -> Arrays.copyOf(m, m.length + 1)), NONE));
  }

  @Test
  void firstMessageSentAgainInsteadOfTheOfflineFinish() throws InterruptedException {
    byte[][] first = new byte[1][];
    bothAbort(go((i, m) -> {
      if (i == 0) {
        first[0] = m;
      }
      return i == 1 ? first[0] : m;
    }, NONE));
  }

  @Test
  void malformedOnlineStage() throws InterruptedException {
    bothAbort(go(at(3, m -> {
      byte[] c = m.clone();
      c[0] ^= 0x7f;
      return c;
    }), NONE));
  }

  @Test
  void onlineStageWithARingElementOutOfRange() throws InterruptedException {
    bothAbort(go(at(3, m -> {
      byte[] c = m.clone();
      c[1 + 4 + 1 + 7] = (byte) 0xff; // top byte of the first masked element
      return c;
    }), NONE));
  }

  @Test
  void userHangsUpMidQuery() throws InterruptedException {
    bothAbort(go(at(3, m -> HANG_UP), NONE));
  }

  // owner -> user: 0 = offline reply, 1 = ack with the garbled tables, 2.. = online answers

  @Test
  void shortOfflineReply() throws InterruptedException {
    bothAbort(go(NONE, at(0, m -> Arrays.copyOf(m, m.length / 2))));
  }

  @Test
  void malformedOnlineAnswer() throws InterruptedException {
    bothAbort(go(NONE, at(2, m -> {
      byte[] c = m.clone();
      c[c.length - 1] ^= 1;
      c[0] = 0x44;
      return c;
    })));
  }

  @Test
  void longOnlineAnswer() throws InterruptedException {
    bothAbort(go(NONE, at(2, m -> Arrays.copyOf(m, m.length + 8))));
  }

  @Test
  void ownerHangsUpMidQuery() throws InterruptedException {
    Outcome o = go(NONE, at(3, m -> HANG_UP));
    assertInstanceOf(ProtocolAbortException.class, o.user(), "user: " + o.user());
    assertEquals(2, run.charged());
  }

  @Test
  void aFailedQueryDiscardsTheBundleSoItsMaterialIsNeverUsedAgain() {
    InMemoryChannel.Pair p = InMemoryChannel.pair(Duration.ofSeconds(20));
    TwoPartyOwner.Session session = run.owner.newSession();
    Future<?> f = ownerThread.submit(() -> session.serve(p.second()));
    PreparedBundle b = run.user.prepare(p.first(), 2, run::permit);
    Channel broken = new Tamper(p.first(), at(0, m -> Arrays.copyOf(m, 3)));
    assertThrows(ProtocolAbortException.class,
        () -> run.user.infer(broken, b, run.encode(TinyModels.input(rnd, 8))));
    assertEquals(0, b.remaining());
    assertThrows(BundleExhaustedException.class,
        () -> run.user.infer(p.first(), b, run.encode(TinyModels.input(rnd, 8))));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> f.get(30, TimeUnit.SECONDS));
    assertInstanceOf(ProtocolAbortException.class, e.getCause());
  }
}
