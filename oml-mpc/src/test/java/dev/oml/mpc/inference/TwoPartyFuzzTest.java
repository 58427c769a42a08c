package dev.oml.mpc.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.testkit.SuspensionSwitch;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random damage to every message of the protocol after the permitted first message (offline
 * flights 2, 3 and 4, an online stage and its answer): flipped bytes, truncation, extension. The
 * receiving step either aborts with {@link ProtocolAbortException} or, when the damage stays
 * inside a field whose content cannot be checked at tier 1 (a ciphertext coefficient, a garbled
 * table), goes on; it never fails with any other exception. (Damage to the first message is a
 * permission failure: {@code TwoPartyPermissionTest}.) Each abort of the owner's side is
 * recorded once in the ledger; the gate's suspension is switched off here, since one licensee
 * sends all the damaged bundles.
 */
class TwoPartyFuzzTest {
  private static final int PER_KIND = 12;
  private final Random rnd = new Random(1234);

  private byte[] mutate(byte[] m) {
    switch (rnd.nextInt(4)) {
      case 0: {
        byte[] c = m.clone();
        c[rnd.nextInt(c.length)] ^= (byte) (1 + rnd.nextInt(255));
        return c;
      }
      case 1:
        return Arrays.copyOf(m, rnd.nextInt(m.length));
      case 2: {
        byte[] c = Arrays.copyOf(m, m.length + 1 + rnd.nextInt(16));
        for (int i = m.length; i < c.length; i++) {
          c[i] = (byte) rnd.nextInt();
        }
        return c;
      }
      default: {
        // damage a header byte: type, counts, indices
        byte[] c = m.clone();
        c[rnd.nextInt(Math.min(16, c.length))] ^= (byte) (1 + rnd.nextInt(255));
        return c;
      }
    }
  }

  private interface Step {
    void run();
  }

  /** True if the step aborted with the typed exception. */
  private static boolean expectAbortOrNothing(String what, Step s) {
    try {
      s.run();
      return false;
    } catch (ProtocolAbortException e) {
      return true; // the typed abort: fine
    } catch (RuntimeException e) {
      fail(what + ": damaged message raised " + e, e);
      return false;
    }
  }

  @Test
  void damagedMessagesAbortWithTheTypedExceptionOnly() {
    LocalRun run = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 61, false),
        TinyModels.insecure(), OutputPolicy.LOGITS, 1_000_000);
    SuspensionSwitch.enforce(run.gate, false);
    long ownerAborts = 0;
    for (int kind = 0; kind < 5; kind++) {
      for (int t = 0; t < PER_KIND; t++) {
        TwoPartyOwner.Session s = run.owner.newSession();
        TwoPartyUser.Preparation p = run.user.beginPrepare(1);
        byte[] f2 = s.onFirstMessage(p.firstMessage(run.permit(1, p.binding())));
        if (kind == 0) {
          byte[] bad = mutate(f2);
          expectAbortOrNothing("offline reply", () -> p.onReply(bad));
          continue;
        }
        byte[] f3 = p.onReply(f2);
        if (kind == 1) {
          byte[] bad = mutate(f3);
          ownerAborts += expectAbortOrNothing("offline finish", () -> s.onOfflineFinish(bad)) ? 1 : 0;
          continue;
        }
        byte[] f4 = s.onOfflineFinish(f3);
        if (kind == 2) {
          byte[] bad = mutate(f4);
          expectAbortOrNothing("offline ack", () -> p.finish(bad));
          continue;
        }
        PreparedBundle b = p.finish(f4);
        TwoPartyUser.Query q = run.user.start(b, run.encode(TinyModels.input(rnd, 8)));
        byte[] step = q.message();
        if (kind == 3) {
          byte[] bad = mutate(step);
          ownerAborts += expectAbortOrNothing("online stage", () -> s.onStep(bad)) ? 1 : 0;
          continue;
        }
        byte[] bad = mutate(s.onStep(step));
        expectAbortOrNothing("online answer", () -> q.onReply(bad));
      }
    }
    assertTrue(ownerAborts > 0);
    assertEquals(ownerAborts, run.ledger.aborts(run.licensee.keyId()).count(),
        "one abort recorded per aborted owner step");
  }
}
