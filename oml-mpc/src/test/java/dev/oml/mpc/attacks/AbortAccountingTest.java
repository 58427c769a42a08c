package dev.oml.mpc.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.AbortRecord;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.permission.LicenseeSuspendedException;
import dev.oml.testkit.SuspensionSwitch;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #14 item 4 against the real owner session: every failure a modified licensee causes
 * after its bundle was admitted (a failed KOS correlation check, an out-of-order flight, a
 * malformed or unsigned online stage) is recorded as exactly one abort of the licensee in the
 * ledger, with its reason, and the charge stays; a refused permission is not an abort. Once the
 * count reaches the policy's limit the gate refuses the licensee's next bundle with {@link
 * LicenseeSuspendedException}; with the gate's check switched off the same licensee goes on
 * aborting past the limit (the attack the limit stops: one more guess of the MAC key each time).
 */
class AbortAccountingTest {
  private static final int N = 2;
  private final Random rnd = new Random(29);
  private LocalRun run;
  private KeyId licensee;

  @BeforeEach
  void setUp() {
    run = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 83, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, 1000);
    licensee = run.licensee.keyId();
  }

  /** An honest preparation up to its offline finish (flight 3), not yet sent. */
  private final class Half {
    final TwoPartyUser.Preparation prep = run.user.beginPrepare(N);
    final TwoPartyOwner.Session session = run.owner.newSession();
    final byte[] first = prep.firstMessage(run.permit(N, prep.binding()));
    final byte[] reply = session.onFirstMessage(first);
    final byte[] finish = prep.onReply(reply);
  }

  private AbortRecord aborts() {
    return run.ledger.aborts(licensee);
  }

  private void assertAborts(long count, AbortReason last) {
    AbortRecord r = aborts();
    assertEquals(count, r.count(), "aborts recorded");
    assertEquals(last.code(), r.lastReason(), "last reason");
  }

  @Test
  void aFailedKosCheckIsOneAbortAndTheChargeStays() {
    Half donor = new Half();
    Half victim = new Half();
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> victim.session.onOfflineFinish(donor.finish));
    assertTrue(e.getMessage().contains("KOS consistency check"), e.getMessage());
    assertAborts(1, AbortReason.CHECK_FAILED);
    assertEquals(2 * N, run.charged(), "no refund for an aborted bundle");
    // the dead session refuses more, without a second count for the same bundle
    assertThrows(ProtocolAbortException.class, () -> victim.session.onOfflineFinish(victim.finish));
    assertThrows(ProtocolAbortException.class, () -> victim.session.onStep(new byte[] {0x45}));
    assertAborts(1, AbortReason.CHECK_FAILED);
    // the donor bundle, finished honestly and used to the end, adds nothing
    PreparedBundle bundle = donor.prep.finish(donor.session.onOfflineFinish(donor.finish));
    for (int k = 0; k < N; k++) {
      long[] x = run.encode(TinyModels.input(rnd, 8));
      assertEquals(Arrays.toString(run.reference.logits(x)),
          Arrays.toString(run.infer(donor.session, bundle, x).logits()));
    }
    assertAborts(1, AbortReason.CHECK_FAILED);
  }

  @Test
  void anOutOfOrderFlightIsOneAbort() {
    Half h = new Half();
    assertThrows(ProtocolAbortException.class, () -> h.session.onStep(h.finish));
    assertAborts(1, AbortReason.OUT_OF_ORDER);
    assertEquals(N, run.charged());
  }

  @Test
  void aMalformedOnlineStageIsOneAbort() {
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle bundle = run.prepare(s, N);
    byte[] m = run.user.start(bundle, run.encode(TinyModels.input(rnd, 8))).message();
    assertThrows(ProtocolAbortException.class, () -> s.onStep(Arrays.copyOf(m, m.length / 2)));
    assertAborts(1, AbortReason.MALFORMED_MESSAGE);
    assertEquals(N, run.charged());
  }

  @Test
  void anUnsignedOnlineQueryIsOneAbort() {
    TwoPartyOwner.Session s = run.owner.newSession();
    PreparedBundle bundle = run.prepare(s, N);
    byte[] m = run.user.start(bundle, run.encode(TinyModels.input(rnd, 8))).message();
    m[m.length - 1] ^= 1;
    assertThrows(ProtocolAbortException.class, () -> s.onStep(m));
    assertAborts(1, AbortReason.BAD_QUERY_SIGNATURE);
  }

  @Test
  void aRefusedPermissionIsNotAnAbort() {
    Half h = new Half();
    assertThrows(PermissionReplayedException.class,
        () -> run.owner.newSession().onFirstMessage(h.first));
    assertEquals(0, aborts().count());
    assertEquals(N, run.charged());
  }

  @Test
  void attackALicenseeRetryingForgedChecksIsSuspendedAtTheLimitAndGoesOnWithoutTheCheck() {
    int limit = run.policy.maxAborts();
    Half donor = new Half();
    // below the limit every bundle is admitted; each forged finish is one abort
    for (int i = 0; i < limit; i++) {
      Half attempt = new Half();
      assertThrows(ProtocolAbortException.class,
          () -> attempt.session.onOfflineFinish(donor.finish));
      assertAborts(i + 1, AbortReason.CHECK_FAILED);
    }
    long charged = run.charged();
    assertEquals((limit + 1) * N, charged);

    // at the limit the next bundle is refused before anything is charged or computed
    LicenseeSuspendedException e = assertThrows(LicenseeSuspendedException.class, () -> new Half());
    assertEquals(limit, e.aborts());
    assertEquals(limit, e.limit());
    assertEquals(charged, run.charged());

    // with the gate's suspension check off, the licensee goes on guessing past the limit
    SuspensionSwitch.enforce(run.gate, false);
    try {
      for (int i = 0; i < 2; i++) {
        Half attempt = new Half();
        assertThrows(ProtocolAbortException.class,
            () -> attempt.session.onOfflineFinish(donor.finish));
      }
    } finally {
      SuspensionSwitch.enforce(run.gate, true);
    }
    assertAborts(limit + 2, AbortReason.CHECK_FAILED);
    assertEquals(charged + 2 * N, run.charged());
    assertThrows(LicenseeSuspendedException.class, () -> new Half());
  }
}
