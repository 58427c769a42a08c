package dev.oml.mpc.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KosTest {
  private static final SecureRandom RNG = new SecureRandom();

  static void assertReceiverGotExactlyChosen(RandomOtSenderOutput s, RandomOtReceiverOutput r) {
    long[] a = new long[2];
    long[] b0 = new long[2];
    long[] b1 = new long[2];
    int ones = 0;
    for (int i = 0; i < r.count(); i++) {
      r.message(i, a, 0);
      s.message(i, 0, b0, 0);
      s.message(i, 1, b1, 0);
      long[] chosen = r.choice(i) == 0 ? b0 : b1;
      long[] other = r.choice(i) == 0 ? b1 : b0;
      assertEquals(chosen[0], a[0], "OT " + i);
      assertEquals(chosen[1], a[1], "OT " + i);
      assertTrue(other[0] != a[0] || other[1] != a[1], "OT " + i + " leaked the other message");
      ones += r.choice(i);
    }
    int n = r.count();
    assertTrue(Math.abs(ones - n / 2.0) < 6 * Math.sqrt(n) / 2 + 1, "choices are not balanced");
  }

  @Test
  void localStepsGiveCorrectRandomOts() {
    for (int n : new int[] {1, 63, 64, 65, 1000}) {
      KosReceiver r = new KosReceiver(n, RNG);
      KosSender s = new KosSender(n, RNG);
      byte[] m2 = s.secondMessage(r.firstMessage());
      RandomOtSenderOutput so = s.finish(r.thirdMessage(m2));
      assertReceiverGotExactlyChosen(so, r.output());
    }
  }

  @net.jqwik.api.Property(tries = 5)
  void anyBatchSizeGivesCorrectRandomOts(
      @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 3000) int n) {
    KosReceiver r = new KosReceiver(n, RNG);
    KosSender s = new KosSender(n, RNG);
    RandomOtSenderOutput so = s.finish(r.thirdMessage(s.secondMessage(r.firstMessage())));
    assertReceiverGotExactlyChosen(so, r.output());
  }

  @Test
  void takeSlicesInOrderAndErasesTheSource() {
    KosReceiver r = new KosReceiver(100, RNG);
    KosSender s = new KosSender(100, RNG);
    RandomOtSenderOutput so = s.finish(r.thirdMessage(s.secondMessage(r.firstMessage())));
    RandomOtReceiverOutput ro = r.output();
    long[] before = new long[2];
    so.message(40, 1, before, 0);
    int choice = ro.choice(40);
    so.take(30);
    ro.take(30);
    RandomOtSenderOutput s2 = so.take(70);
    RandomOtReceiverOutput r2 = ro.take(70);
    long[] after = new long[2];
    s2.message(10, 1, after, 0);
    assertEquals(before[0], after[0]);
    assertEquals(choice, r2.choice(10));
    assertReceiverGotExactlyChosen(s2, r2);
    so.message(40, 1, after, 0);
    assertEquals(0, after[0] | after[1]);
    assertEquals(0, ro.choice(40));
    assertEquals(0, so.remaining());
  }

  @Test
  void overChannelBothSidesAgree() throws Exception {
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    CompletableFuture<RandomOtSenderOutput> s =
        CompletableFuture.supplyAsync(() -> KosSender.run(p.first(), 5000, RNG));
    RandomOtReceiverOutput r = KosReceiver.run(p.second(), 5000, RNG);
    assertReceiverGotExactlyChosen(s.get(30, TimeUnit.SECONDS), r);
    assertTrue(p.second().bytesSent() > 5000 * 16);
    assertEquals(2, p.second().roundsSent());
  }

  @Test
  void tamperedMatrixIsCaught() {
    // Changing u after the check values were computed changes the challenge: caught for sure.
    KosReceiver r = new KosReceiver(500, RNG);
    KosSender s = new KosSender(500, RNG);
    byte[] m3 = r.thirdMessage(s.secondMessage(r.firstMessage()));
    m3[1 + 8 * KosCheck.words(500) * 5 + 3] ^= 0x10;
    assertThrows(ProtocolAbortException.class, () -> s.finish(m3));
  }

  @Test
  void wrongCheckValuesAreCaught() {
    KosReceiver r = new KosReceiver(100, RNG);
    KosSender s = new KosSender(100, RNG);
    byte[] m3 = r.thirdMessage(s.secondMessage(r.firstMessage()));
    m3[m3.length - 1] ^= 1; // t
    assertThrows(ProtocolAbortException.class, () -> s.finish(m3));
    KosReceiver r2 = new KosReceiver(100, RNG);
    KosSender s2 = new KosSender(100, RNG);
    byte[] n3 = r2.thirdMessage(s2.secondMessage(r2.firstMessage()));
    n3[n3.length - 20] ^= 4; // x
    assertThrows(ProtocolAbortException.class, () -> s2.finish(n3));
  }

  @Test
  void receiverUsingInconsistentChoicesAcrossColumnsIsCaught() {
    // The selective-failure attack on plain IKNP: use a different choice bit for one OT in a set
    // J of columns, so that the sender's rows leak Delta's bits on J unless the check fires. The
    // check passes only if Delta is zero on all of J: probability 2^-|J|, here 2^-32.
    for (int trial = 0; trial < 3; trial++) {
      KosReceiver r = new KosReceiver(300, RNG);
      r.deviateInColumns = new boolean[128];
      for (int j = 0; j < 32; j++) {
        r.deviateInColumns[3 * j + trial] = true;
      }
      KosSender s = new KosSender(300, RNG);
      byte[] m3 = r.thirdMessage(s.secondMessage(r.firstMessage()));
      assertThrows(ProtocolAbortException.class, () -> s.finish(m3));
    }
  }

  @Test
  void cheatingOnOneColumnIsCaughtExactlyWhenThatBitOfDeltaIsOne() {
    // The residual leakage KOS15 accepts: deviating on a single column passes iff Delta_j = 0,
    // so the cheater is caught with probability 1/2 per bit it tries to learn. Over 24 fresh
    // sessions the number of aborts is binomial(24, 1/2); outside [4, 20] has probability 3e-4.
    int aborts = 0;
    for (int trial = 0; trial < 24; trial++) {
      KosReceiver r = new KosReceiver(64, RNG);
      r.deviateInColumns = new boolean[128];
      r.deviateInColumns[trial * 5] = true;
      KosSender s = new KosSender(64, RNG);
      byte[] m3 = r.thirdMessage(s.secondMessage(r.firstMessage()));
      try {
        s.finish(m3);
      } catch (ProtocolAbortException caught) {
        aborts++;
      }
    }
    assertTrue(aborts >= 4 && aborts <= 20, "aborts: " + aborts + " of 24");
  }

  @Test
  void withoutDeviationTheHookChangesNothing() {
    KosReceiver r = new KosReceiver(300, RNG);
    r.deviateInColumns = new boolean[128];
    KosSender s = new KosSender(300, RNG);
    RandomOtSenderOutput so = s.finish(r.thirdMessage(s.secondMessage(r.firstMessage())));
    assertReceiverGotExactlyChosen(so, r.output());
  }

  @Test
  void malformedShortLongAndOutOfOrderMessagesAbort() {
    KosReceiver r = new KosReceiver(10, RNG);
    KosSender s = new KosSender(10, RNG);
    byte[] m1 = r.firstMessage();
    assertThrows(ProtocolAbortException.class,
        () -> new KosSender(10, RNG).secondMessage(java.util.Arrays.copyOf(m1, m1.length - 1)));
    assertThrows(ProtocolAbortException.class,
        () -> new KosSender(10, RNG).secondMessage(java.util.Arrays.copyOf(m1, m1.length + 1)));
    byte[] bad = m1.clone();
    bad[1] = 7; // not a valid point prefix
    assertThrows(ProtocolAbortException.class, () -> new KosSender(10, RNG).secondMessage(bad));
    byte[] m2 = s.secondMessage(m1);
    // out of order: message 2 handed to the sender's finish step
    assertThrows(ProtocolAbortException.class, () -> new KosSender(10, RNG).secondMessage(m2));
    byte[] m3 = r.thirdMessage(m2);
    assertThrows(ProtocolAbortException.class,
        () -> s.finish(java.util.Arrays.copyOf(m3, m3.length - 8)));
  }

  @Test
  void sessionsAreIndependent() {
    KosReceiver r1 = new KosReceiver(64, RNG);
    KosSender s1 = new KosSender(64, RNG);
    RandomOtSenderOutput o1 = s1.finish(r1.thirdMessage(s1.secondMessage(r1.firstMessage())));
    KosReceiver r2 = new KosReceiver(64, RNG);
    KosSender s2 = new KosSender(64, RNG);
    RandomOtSenderOutput o2 = s2.finish(r2.thirdMessage(s2.secondMessage(r2.firstMessage())));
    long[] a = new long[2];
    long[] b = new long[2];
    o1.message(0, 0, a, 0);
    o2.message(0, 0, b, 0);
    assertNotEquals(a[0], b[0]);
  }
}
