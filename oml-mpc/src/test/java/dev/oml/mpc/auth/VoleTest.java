package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.ot.KosCheckFailedException;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionReceiver;
import dev.oml.mpc.ot.KosExtensionSender;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VoleTest {
  static final SecureRandom RNG = new SecureRandom();

  static MacKey randomAlpha() {
    long a;
    do {
      a = FieldSampler.fromRandom(RNG).next();
    } while (a == 0);
    return new MacKey(a);
  }

  @Test
  void localStepsAuthenticateTheChosenValues() {
    MacKey alpha = randomAlpha();
    long[] x = FieldSampler.fromRandom(RNG).next(300);
    x[0] = 0;
    x[1] = PrimeField.P - 1;
    x[2] = 1;
    VoleReceiver u = new VoleReceiver(x, RNG);
    VoleSender o = new VoleSender(alpha, x.length, RNG);
    byte[] m4 = o.fourthMessage(u.thirdMessage(o.secondMessage(u.firstMessage())));
    AuthenticatedVector mine = u.finish(m4);
    assertArrayEquals(x, mine.values());
    MacTest.assertValid(mine, o.keys(), alpha);
  }

  @Test
  void volesOfABundleShareOneSetOfBaseOtsAndAReplayIsCaughtBeforeAnyCorrection() {
    MacKey alpha = randomAlpha();
    KosExtensionReceiver ur = new KosExtensionReceiver(RNG);
    KosExtensionSender os = new KosExtensionSender(RNG);
    ur.setup(os.secondMessage(ur.firstMessage()));
    byte[] first = null;
    for (int q = 0; q < 3; q++) {
      long[] x = FieldSampler.fromRandom(RNG).next(200);
      KosDomain d = new KosDomain("test/vole", q, 0);
      VoleReceiver u = VoleReceiver.extending(x, ur, d);
      VoleSender o = VoleSender.extending(alpha, x.length, os, d);
      byte[] m3 = u.extendedMessage();
      first = first == null ? m3 : first;
      AuthenticatedVector mine = u.finish(o.fourthMessage(m3));
      assertArrayEquals(x, mine.values());
      MacTest.assertValid(mine, o.keys(), alpha);
    }
    // the first VOLE's message 3 again, for a fourth VOLE of the same size
    KosDomain d = new KosDomain("test/vole", 3, 0);
    VoleReceiver.extending(FieldSampler.fromRandom(RNG).next(200), ur, d);
    VoleSender o = VoleSender.extending(alpha, 200, os, d);
    byte[] replayed = first;
    assertThrows(KosCheckFailedException.class, () -> o.fourthMessage(replayed));
    assertThrows(IllegalStateException.class, o::keys, "no keys, no corrections");
  }

  @Test
  void overChannelBothSidesAgree() throws Exception {
    MacKey alpha = randomAlpha();
    long[] x = FieldSampler.fromRandom(RNG).next(1000);
    InMemoryChannel.Pair p = InMemoryChannel.pair();
    CompletableFuture<MacKeyVector> keys =
        CompletableFuture.supplyAsync(() -> VoleSender.run(p.first(), alpha, x.length, RNG));
    AuthenticatedVector mine = VoleReceiver.run(p.second(), x, RNG);
    MacTest.assertValid(mine, keys.get(30, TimeUnit.SECONDS), alpha);
    assertEquals(2, p.second().roundsSent());
  }

  @Test
  void keysLookIndependentOfTheValues() {
    // same alpha, same x twice: the owner's keys differ (fresh OTs), so K carries no function of x
    MacKey alpha = randomAlpha();
    long[] x = {5, 5};
    VoleReceiver u = new VoleReceiver(x, RNG);
    VoleSender o = new VoleSender(alpha, 2, RNG);
    u.finish(o.fourthMessage(u.thirdMessage(o.secondMessage(u.firstMessage()))));
    assertTrue(o.keys().key(0) != o.keys().key(1));
  }

  @Test
  void tamperedKosMatrixIsCaughtBeforeAnyCorrectionIsSent() {
    MacKey alpha = randomAlpha();
    long[] x = FieldSampler.fromRandom(RNG).next(20);
    VoleReceiver u = new VoleReceiver(x, RNG);
    VoleSender o = new VoleSender(alpha, x.length, RNG);
    byte[] m3 = u.thirdMessage(o.secondMessage(u.firstMessage()));
    m3[1 + 4 + 1 + 100] ^= 0x04; // inside KOS's u matrix
    assertThrows(ProtocolAbortException.class, () -> o.fourthMessage(m3));
    assertThrows(IllegalStateException.class, o::keys);
  }

  @Test
  void tamperedKosCheckValuesAreCaught() {
    MacKey alpha = randomAlpha();
    VoleReceiver u = new VoleReceiver(new long[] {1, 2, 3}, RNG);
    VoleSender o = new VoleSender(alpha, 3, RNG);
    byte[] m3 = u.thirdMessage(o.secondMessage(u.firstMessage()));
    int kosLen = java.nio.ByteBuffer.wrap(m3, 1, 4).getInt();
    m3[1 + 4 + kosLen - 3] ^= 0x01; // last bytes of KOS message 3: its check values
    assertThrows(ProtocolAbortException.class, () -> o.fourthMessage(m3));
  }

  @Test
  void malformedMessagesAbortAndBadInputIsRejected() {
    MacKey alpha = randomAlpha();
    VoleReceiver u = new VoleReceiver(new long[] {1, 2}, RNG);
    VoleSender o = new VoleSender(alpha, 2, RNG);
    byte[] m3 = u.thirdMessage(o.secondMessage(u.firstMessage()));
    assertThrows(ProtocolAbortException.class,
        () -> o.fourthMessage(java.util.Arrays.copyOf(m3, m3.length - 1)));
    byte[] badTau = new byte[1 + 6 * 2 * PrimeField.BITS]; // 6 bytes per correction
    badTau[0] = VoleSender.TAG_FOURTH;
    java.util.Arrays.fill(badTau, 1, 7, (byte) 0xff); // 2^48 - 1 is not in F_p
    assertThrows(ProtocolAbortException.class, () -> u.finish(badTau));
    assertThrows(FieldElementException.class,
        () -> new VoleReceiver(new long[] {PrimeField.P}, RNG));
    assertThrows(IllegalArgumentException.class, () -> new VoleReceiver(new long[0], RNG));
    assertThrows(IllegalArgumentException.class, () -> new VoleSender(alpha, 0, RNG));
  }
}
