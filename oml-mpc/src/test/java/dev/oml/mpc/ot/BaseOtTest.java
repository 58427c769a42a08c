package dev.oml.mpc.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.internal.MessageReader;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BaseOtTest {
  private static final SecureRandom RNG = new SecureRandom();

  @Test
  void receiverLearnsExactlyTheChosenSeed() {
    int n = 16;
    boolean[] choices = new boolean[n];
    for (int i = 0; i < n; i++) {
      choices[i] = RNG.nextBoolean();
    }
    BaseOtSender s = new BaseOtSender(n, RNG);
    BaseOtReceiver r = new BaseOtReceiver(choices, RNG);
    byte[] first = s.firstMessage();
    byte[] answer = new byte[1 + BaseOtSender.answerBytes(n)];
    answer[0] = 0x12;
    byte[][] got = r.respond(new MessageReader(first, BaseOtSender.TAG_FIRST, 66, "t"),
        answer, 1);
    byte[][] both = s.finish(new MessageReader(answer, 0x12, BaseOtSender.answerBytes(n), "t"));
    for (int j = 0; j < n; j++) {
      int b = choices[j] ? 1 : 0;
      assertArrayEquals(both[2 * j + b], got[j]);
      assertFalse(Arrays.equals(both[2 * j + 1 - b], got[j]));
    }
  }

  @Test
  void identityAndOffCurvePointsAreRejected() {
    BaseOtSender s = new BaseOtSender(1, RNG);
    s.firstMessage();
    byte[] answer = new byte[1 + 33];
    answer[0] = 0x12;
    answer[1] = 2;
    // find an x for which no point exists: decoding must fail rather than take the twist
    for (int x = 1; ; x++) {
      answer[33] = (byte) x;
      byte[] enc = Arrays.copyOfRange(answer, 1, 34);
      try {
        NaorPinkas.CURVE.decodePoint(enc);
      } catch (IllegalArgumentException notOnCurve) {
        break;
      }
    }
    assertThrows(ProtocolAbortException.class,
        () -> s.finish(new MessageReader(answer, 0x12, 33, "t")));
    BaseOtSender s2 = new BaseOtSender(1, RNG);
    s2.firstMessage();
    byte[] inf = new byte[1 + 33];
    inf[0] = 0x12; // all-zero encoding: identity or invalid, rejected either way
    assertThrows(ProtocolAbortException.class,
        () -> s2.finish(new MessageReader(inf, 0x12, 33, "t")));
  }
}
