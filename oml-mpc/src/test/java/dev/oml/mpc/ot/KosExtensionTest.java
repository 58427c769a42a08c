package dev.oml.mpc.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.transport.ProtocolAbortException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One set of base OTs per bundle, many KOS15 extensions from it: correctness across extensions,
 * and the attacks that reuse opens up (replaying or mixing one extension's material into
 * another, or into another domain), each shown with the check off (what the attack gains) and
 * on (the bundle aborts before the extension's output exists, and stays ended).
 */
class KosExtensionTest {
  private static final SecureRandom RNG = new SecureRandom();

  private record Bundle(KosExtensionSender s, KosExtensionReceiver r) {}

  private static Bundle bundle() {
    KosExtensionReceiver r = new KosExtensionReceiver(RNG);
    KosExtensionSender s = new KosExtensionSender(RNG);
    r.setup(s.secondMessage(r.firstMessage()));
    return new Bundle(s, r);
  }

  private static KosDomain domain(int query) {
    return new KosDomain("test/ext", query, 0);
  }

  /** Whether the receiver's messages are exactly the sender's chosen ones, for every OT. */
  private static boolean consistent(RandomOtSenderOutput s, RandomOtReceiverOutput r) {
    long[] a = new long[2];
    long[] b = new long[2];
    for (int i = 0; i < r.count(); i++) {
      r.message(i, a, 0);
      s.message(i, r.choice(i), b, 0);
      if (a[0] != b[0] || a[1] != b[1]) {
        return false;
      }
    }
    return true;
  }

  // the licensee's next extension with column j of u taken from an earlier message of the
  // same size, its check values made for the bytes it sends (the hook in KosExtensionReceiver)
  private static KosExtensionReceiver.Extension mixed(KosExtensionReceiver r, int n,
      KosDomain d, byte[] from, int j) {
    r.mixColumns = new boolean[128];
    r.mixColumns[j] = true;
    r.mixFrom = from;
    try {
      return r.extend(n, d);
    } finally {
      r.mixColumns = null;
      r.mixFrom = null;
    }
  }

  @Test
  void manyExtensionsFromOneSetOfBaseOtsGiveCorrectDistinctRandomOts() {
    Bundle b = bundle();
    Set<String> seen = new HashSet<>();
    int total = 0;
    long[] m = new long[2];
    int q = 0;
    for (int n : new int[] {1, 63, 64, 65, 1000, 5000, 1000}) {
      KosExtensionReceiver.Extension x = b.r.extend(n, domain(q));
      RandomOtSenderOutput so = b.s.extend(n, domain(q), x.message());
      KosTest.assertReceiverGotExactlyChosen(so, x.output());
      for (int i = 0; i < n; i++) {
        for (int bit = 0; bit < 2; bit++) {
          so.message(i, bit, m, 0);
          seen.add(m[0] + ":" + m[1]);
        }
      }
      total += n;
      q++;
    }
    assertEquals(2 * total, seen.size(), "a pad repeated across the bundle's extensions");
  }

  @Test
  void replayingAnEarlierExtensionAbortsTheBundleAndNothingIsMadeAfter() {
    Bundle b = bundle();
    KosExtensionReceiver.Extension first = b.r.extend(500, domain(0));
    KosTest.assertReceiverGotExactlyChosen(b.s.extend(500, domain(0), first.message()),
        first.output());
    b.r.extend(500, domain(1)); // the licensee makes the next one but sends the old one again
    assertThrows(KosCheckFailedException.class,
        () -> b.s.extend(500, domain(1), first.message()));
    KosExtensionReceiver.Extension next = b.r.extend(500, domain(2));
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> b.s.extend(500, domain(2), next.message()));
    assertFalse(e instanceof KosCheckFailedException, "the bundle had already ended");
  }

  @Test
  void anExtensionMadeForAnotherDomainOrPlaceFailsItsCheck() {
    Bundle b = bundle();
    KosExtensionReceiver.Extension x = b.r.extend(300, new KosDomain("tier2/vole", 0, 1));
    assertThrows(KosCheckFailedException.class,
        () -> b.s.extend(300, new KosDomain("tier2/garbling", 0, 1), x.message()));

    // two extensions of one size sent in swapped order
    Bundle c = bundle();
    KosExtensionReceiver.Extension x0 = c.r.extend(300, domain(0));
    KosExtensionReceiver.Extension x1 = c.r.extend(300, domain(0));
    assertThrows(KosCheckFailedException.class, () -> c.s.extend(300, domain(0), x1.message()));
    assertThrows(ProtocolAbortException.class, () -> c.s.extend(300, domain(0), x0.message()));
  }

  @Test
  void withoutTheCheckMixingColumnsAcrossExtensionsRevealsDeltaBitByBit() {
    // The attack the per-extension check stops: in extension k the licensee sends column j of
    // u from extension 0. If Delta_j = 0 the sender's rows do not depend on column j and every
    // OT comes out right; if Delta_j = 1 about half of them come out wrong, which the licensee
    // sees as a failed evaluation (selective failure). Check off: 16 extensions, 16 bits of the
    // bundle's Delta, each read off exactly.
    Bundle b = bundle();
    b.s.checkDisabled = true;
    int n = 256;
    KosExtensionReceiver.Extension x0 = b.r.extend(n, domain(0));
    b.s.extend(n, domain(0), x0.message());
    int[] learned = new int[16];
    int[] actual = new int[16];
    for (int j = 0; j < 16; j++) {
      KosExtensionReceiver.Extension x = mixed(b.r, n, domain(j + 1), x0.message(), j);
      RandomOtSenderOutput so = b.s.extend(n, domain(j + 1), x.message());
      learned[j] = consistent(so, x.output()) ? 0 : 1;
      actual[j] = b.s.deltaBit(j);
    }
    assertArrayEquals(actual, learned, "the mixed extensions reveal Delta's bits");
  }

  @Test
  void withTheCheckTheSameMixingEndsTheBundleAtTheFirstOneBitOfDelta() {
    // Check on: a mixed extension passes only where Delta_j = 0 (KOS15's accepted leakage, one
    // guessed bit per try), and the first try on a 1 bit aborts before any output and ends the
    // bundle: every later extension is refused. Over the bundle the licensee learns the run of
    // zeros before the first 1 bit of Delta, and that the next bit is 1: never a bit it did not
    // pay for with the abort.
    Bundle b = bundle();
    int n = 256;
    int[] delta = new int[64];
    for (int j = 0; j < 64; j++) {
      delta[j] = b.s.deltaBit(j);
    }
    int firstOne = 0;
    while (firstOne < 64 && delta[firstOne] == 0) {
      firstOne++;
    }
    KosExtensionReceiver.Extension x0 = b.r.extend(n, domain(0));
    b.s.extend(n, domain(0), x0.message());
    int passed = 0;
    boolean aborted = false;
    for (int j = 0; j < 64 && !aborted; j++) {
      KosExtensionReceiver.Extension x = mixed(b.r, n, domain(j + 1), x0.message(), j);
      try {
        RandomOtSenderOutput so = b.s.extend(n, domain(j + 1), x.message());
        assertTrue(consistent(so, x.output()), "a passing mix changed nothing");
        passed++;
      } catch (KosCheckFailedException e) {
        aborted = true;
      }
    }
    assertEquals(Math.min(firstOne, 64), passed, "mixes pass exactly while Delta_j = 0");
    assertTrue(aborted || firstOne == 64);
    KosExtensionReceiver.Extension after = b.r.extend(n, domain(99));
    assertThrows(ProtocolAbortException.class, () -> b.s.extend(n, domain(99), after.message()));
  }

  @Test
  void deviatingInManyColumnsOfALaterExtensionIsCaught() {
    Bundle b = bundle();
    for (int q = 0; q < 3; q++) {
      KosExtensionReceiver.Extension x = b.r.extend(200, domain(q));
      KosTest.assertReceiverGotExactlyChosen(b.s.extend(200, domain(q), x.message()),
          x.output());
    }
    b.r.deviateInColumns = new boolean[128];
    for (int j = 0; j < 32; j++) {
      b.r.deviateInColumns[4 * j] = true;
    }
    KosExtensionReceiver.Extension bad = b.r.extend(200, domain(3));
    assertThrows(KosCheckFailedException.class, () -> b.s.extend(200, domain(3), bad.message()));
  }

  @Test
  void malformedMessagesAbortAndEndTheBundle() {
    Bundle b = bundle();
    KosExtensionReceiver.Extension x = b.r.extend(100, domain(0));
    byte[] m = x.message();
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> b.s.extend(100, domain(0), Arrays.copyOf(m, m.length - 1)));
    assertFalse(e instanceof KosCheckFailedException, "a malformed message, not a failed check");
    assertThrows(ProtocolAbortException.class, () -> b.s.extend(100, domain(0), m));

    Bundle c = bundle();
    KosExtensionReceiver.Extension y = c.r.extend(100, domain(0));
    byte[] wrongType = y.message();
    wrongType[0] ^= 1;
    assertThrows(ProtocolAbortException.class, () -> c.s.extend(100, domain(0), wrongType));
    KosExtensionSender s = new KosExtensionSender(RNG);
    byte[] first = new KosExtensionReceiver(RNG).firstMessage();
    assertThrows(ProtocolAbortException.class,
        () -> s.secondMessage(Arrays.copyOf(first, first.length - 1)));
  }
}
