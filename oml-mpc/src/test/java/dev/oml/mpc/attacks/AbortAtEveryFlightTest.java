package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attack (e) of issue #14 against today's protocol: a licensee that stops at any flight. The
 * owner serves a bundle of two queries of a three-stage model over a channel on its own thread;
 * the licensee hangs up instead of sending its message number {@code cut} (0 the first message,
 * 1 the offline finish, 2 to 7 the three stages of each query). Today: the charge is made at
 * admission and stays whatever the cut (no refund, so aborting buys nothing back); a cut inside
 * a query ends the owner's session with a typed abort, a cut between queries is a normal end;
 * the ended session refuses anything more (its material is erased), and its permission cannot
 * open a second session. What the licensee held at the cut is only what an honest run shows it
 * up to that point. Each cut after admission that is not between queries is recorded as one
 * abort of the licensee ({@code PEER_HUNG_UP}); a cut before admission or between queries is not.
 */
class AbortAtEveryFlightTest {
  private static final int N = 2;
  private final Random rnd = new Random(17);
  private ExecutorService ownerThread;
  private LocalRun run;

  @BeforeEach
  void setUp() {
    ownerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-2pc-owner"));
    run = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 97, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, 1000);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    ownerThread.shutdownNow();
    assertTrue(ownerThread.awaitTermination(10, TimeUnit.SECONDS), "the owner thread leaked");
  }

  /** The licensee's side: sends its messages in order, hangs up instead of message {@code cut}. */
  private static final class Cutter {
    final InMemoryChannel channel;
    final int cut;
    int sent;

    Cutter(InMemoryChannel channel, int cut) {
      this.channel = channel;
      this.cut = cut;
    }

    /** Sends {@code m} and returns the reply, or null after hanging up at the cut. */
    byte[] exchange(byte[] m, boolean replyExpected) {
      if (sent == cut) {
        channel.close();
        return null;
      }
      channel.send(m);
      sent++;
      return replyExpected ? channel.receive() : new byte[0];
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
  void aLicenseeThatHangsUpAtAnyFlightIsChargedTheBundleAndCannotReopenIt(int cut)
      throws InterruptedException {
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(20));
    TwoPartyOwner.Session session = run.owner.newSession();
    Future<?> served = ownerThread.submit(() -> session.serve(pair.second()));
    Cutter user = new Cutter(pair.first(), cut);
    TwoPartyUser.Preparation prep = run.user.beginPrepare(N);
    byte[] first = prep.firstMessage(run.permit(N, prep.binding()));
    run:
    {
      byte[] reply = user.exchange(first, true);
      if (reply == null) {
        break run;
      }
      byte[] ack = user.exchange(prep.onReply(reply), true);
      if (ack == null) {
        break run;
      }
      PreparedBundle bundle = prep.finish(ack);
      for (int k = 0; k < N; k++) {
        TwoPartyUser.Query q = run.user.start(bundle, run.encode(TinyModels.input(rnd, 8)));
        while (!q.done()) {
          byte[] answer = user.exchange(q.message(), true);
          if (answer == null) {
            break run;
          }
          q.onReply(answer);
        }
      }
      pair.first().close();
    }

    Throwable owner = null;
    try {
      served.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      owner = e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("the owner's session did not end", e);
    }
    boolean betweenQueries = cut == 2 || cut == 5;
    if (!betweenQueries) {
      assertInstanceOf(ProtocolAbortException.class, owner, "cut " + cut + ": " + owner);
    } else {
      assertNull(owner, "cut " + cut + " falls between queries: a normal end");
    }
    long charge = cut == 0 ? 0 : N;
    assertEquals(charge, run.charged(), "charged at admission, never refunded");
    // the ended session takes nothing more: its material is gone
    assertThrows(ProtocolAbortException.class, () -> session.onStep(new byte[] {0x45}));
    assertThrows(ProtocolAbortException.class, () -> session.onOfflineFinish(new byte[] {0x43}));
    if (cut > 0) {
      // the permission was spent: it cannot open a second session for another try
      assertThrows(PermissionReplayedException.class,
          () -> run.owner.newSession().onFirstMessage(first));
    }
    assertEquals(charge, run.charged());
    long aborts = cut == 0 || betweenQueries ? 0 : 1;
    assertEquals(aborts, run.ledger.aborts(run.licensee.keyId()).count(), "aborts recorded");
    if (aborts == 1) {
      assertEquals(AbortReason.PEER_HUNG_UP.code(),
          run.ledger.aborts(run.licensee.keyId()).lastReason());
    }
  }
}
