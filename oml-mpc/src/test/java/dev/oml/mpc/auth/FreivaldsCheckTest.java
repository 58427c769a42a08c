package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.ProtocolAbortException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FreivaldsCheckTest {
  static final SecureRandom RNG = new SecureRandom();
  static final int ROWS = 6;
  static final int COLS = 9;

  /** Everything both parties hold before the check, made with the real blocks. */
  static final class Setup {
    final MacKey alpha;
    final AuthenticatedVector wU;
    final MacKeyVector wK;
    final AuthenticatedVector r;
    final MacKeyVector rK;
    final AuthenticatedVector c;
    final MacKeyVector cK;

    /** {@code cShift} is added to the licensee's product before it is authenticated. */
    Setup(long[] cShift) {
      byte[] seed = new byte[32];
      RNG.nextBytes(seed);
      MacKeyDerivation d = new MacKeyDerivation(seed);
      alpha = MacKey.derive(d);
      wK = MacKeyVector.derive(d, 0, ROWS * COLS);
      wU = AuthenticatedVector.deal(MacCheckTest.rand(ROWS * COLS), alpha, wK);
      long[] rv = MacCheckTest.rand(COLS);
      long[] cv = PrimeField.add(bigMatVec(wU.values(), rv), cShift, null);
      // one VOLE run authenticates r and the claimed product c together
      long[] both = Arrays.copyOf(rv, COLS + ROWS);
      System.arraycopy(cv, 0, both, COLS, ROWS);
      VoleReceiver u = new VoleReceiver(both, RNG);
      VoleSender o = new VoleSender(alpha, both.length, RNG);
      AuthenticatedVector a = u.finish(o.fourthMessage(u.thirdMessage(o.secondMessage(
          u.firstMessage()))));
      r = a.slice(0, COLS);
      c = a.slice(COLS, ROWS);
      rK = o.keys().slice(0, COLS);
      cK = o.keys().slice(COLS, ROWS);
    }
  }

  /** The product in BigInteger, independent of PrimeField's reduction. */
  static long[] bigMatVec(long[] w, long[] x) {
    BigInteger p = BigInteger.valueOf(PrimeField.P);
    long[] out = new long[ROWS];
    for (int i = 0; i < ROWS; i++) {
      BigInteger acc = BigInteger.ZERO;
      for (int j = 0; j < COLS; j++) {
        acc = acc.add(BigInteger.valueOf(w[i * COLS + j]).multiply(BigInteger.valueOf(x[j])));
      }
      out[i] = acc.mod(p).longValueExact();
    }
    return out;
  }

  static void runBoth(Setup s, FreivaldsCheck.Owner owner, MacCheckVerifier v) {
    MacCheckProver p = new MacCheckProver();
    byte[] resp = new FreivaldsCheck.Licensee(s.wU, ROWS, COLS, s.r, s.c)
        .respond(owner.challenge(), p);
    owner.receive(resp, v);
    MacCheckTest.runLocal(p, v);
  }

  @Test
  void theHonestProductPasses() {
    Setup s = new Setup(new long[ROWS]);
    runBoth(s, new FreivaldsCheck.Owner(s.wK, ROWS, COLS, s.rK, s.cK, RNG),
        new MacCheckVerifier(s.alpha, RNG));
  }

  @Test
  void attackWrongProductIsCaughtAndWouldShiftTheOfflineShare() {
    long[] shift = new long[ROWS];
    shift[2] = 77;
    // check on: the honest-looking licensee code with a shifted product is caught
    Setup s = new Setup(shift);
    assertFalse(Arrays.equals(bigMatVec(s.wU.values(), s.r.values()), s.c.values()));
    assertThrows(MacCheckFailedException.class, () -> runBoth(s, new FreivaldsCheck.Owner(s.wK,
        ROWS, COLS, s.rK, s.cK, RNG), new MacCheckVerifier(s.alpha, RNG)));

    // check off: the cheater registers only the row combination, the owner does not ask for the
    // product claim, and the shifted product is accepted into the licensee's offline share
    Setup t = new Setup(shift);
    FreivaldsCheck.Owner owner = new FreivaldsCheck.Owner(t.wK, ROWS, COLS, t.rK, t.cK, RNG);
    owner.checkEnabled = false;
    MacCheckVerifier v = new MacCheckVerifier(t.alpha, RNG);
    MacCheckProver p = new MacCheckProver();
    byte[] challenge = owner.challenge();
    MacCheckProver throwaway = new MacCheckProver();
    byte[] resp = new FreivaldsCheck.Licensee(t.wU, ROWS, COLS, t.r, t.c)
        .respond(challenge, throwaway);
    long[] comb = readLongs(resp);
    long[] s0 = new dev.oml.mpc.auth.internal.FieldSampler(new dev.oml.mpc.internal.Prg(
        Arrays.copyOfRange(challenge, 1, 17))).next(ROWS);
    AuthenticatedVector combAuth = t.wU.combineRows(s0, COLS);
    assertArrayEquals(combAuth.values(), comb);
    p.known(combAuth);
    owner.receive(resp, v);
    MacCheckTest.runLocal(p, v);
    assertEquals(PrimeField.add(bigMatVec(t.wU.values(), t.r.values())[2], 77), t.c.value(2),
        "accepted: the offline share carries the shift");
  }

  static long[] readLongs(byte[] msg) {
    long[] v = new long[(msg.length - 1) / 8];
    for (int i = 0; i < v.length; i++) {
      v[i] = dev.oml.mpc.internal.Blocks.getLong(msg, 1 + 8 * i);
    }
    return v;
  }

  @Test
  void attackLyingAboutTheRowCombinationToCancelTheErrorIsCaught() {
    // The licensee knows r and s, so with a wrong product it can pick w' = w + gamma with
    // gamma . r = s . delta, making e = s.c - w'.r exactly zero. Only the MAC on w stops this.
    long[] shift = new long[ROWS];
    shift[0] = 5;
    for (boolean macCheckOn : new boolean[] {false, true}) {
      Setup t = new Setup(shift);
      FreivaldsCheck.Owner owner = new FreivaldsCheck.Owner(t.wK, ROWS, COLS, t.rK, t.cK, RNG);
      byte[] challenge = owner.challenge();
      long[] s = new dev.oml.mpc.auth.internal.FieldSampler(new dev.oml.mpc.internal.Prg(
          Arrays.copyOfRange(challenge, 1, 17))).next(ROWS);
      AuthenticatedVector comb = t.wU.combineRows(s, COLS);
      long[] forged = comb.values();
      long sDelta = PrimeField.dot(s, shift);
      forged[0] = PrimeField.add(forged[0], PrimeField.mul(sDelta, PrimeField.inv(t.r.value(0))));
      AuthenticatedVector forgedComb = AuthenticatedVector.of(forged, comb.tags());
      AuthenticatedVector e = t.c.timesPublic(1, s).sub(t.r.timesPublic(1, forged));
      assertEquals(0, e.value(0), "the forged combination cancels the product error");
      MacCheckProver p = new MacCheckProver().known(forgedComb).zero(e);
      byte[] resp = new byte[1 + 8 * COLS];
      resp[0] = FreivaldsCheck.TAG_RESPONSE;
      for (int j = 0; j < COLS; j++) {
        dev.oml.mpc.internal.Blocks.putLong(resp, 1 + 8 * j, forged[j]);
      }
      MacCheckVerifier v = new MacCheckVerifier(t.alpha, RNG);
      v.checkEnabled = macCheckOn;
      owner.receive(resp, v);
      if (macCheckOn) {
        assertThrows(MacCheckFailedException.class, () -> MacCheckTest.runLocal(p, v));
      } else {
        MacCheckTest.runLocal(p, v); // accepted with the wrong product
      }
    }
  }

  @Test
  void badInputIsRejected() {
    Setup s = new Setup(new long[ROWS]);
    assertThrows(IllegalArgumentException.class,
        () -> new FreivaldsCheck.Owner(s.wK, ROWS, COLS + 1, s.rK, s.cK, RNG));
    assertThrows(IllegalArgumentException.class,
        () -> new FreivaldsCheck.Licensee(s.wU, ROWS, COLS, s.c, s.r));
    FreivaldsCheck.Owner o = new FreivaldsCheck.Owner(s.wK, ROWS, COLS, s.rK, s.cK, RNG);
    o.challenge();
    assertThrows(IllegalStateException.class, o::challenge);
    byte[] bad = new byte[1 + 8 * COLS];
    bad[0] = FreivaldsCheck.TAG_RESPONSE;
    Arrays.fill(bad, 1, 9, (byte) 0xff);
    assertThrows(ProtocolAbortException.class,
        () -> o.receive(bad, new MacCheckVerifier(s.alpha, RNG)));
    assertThrows(ProtocolAbortException.class, () -> new FreivaldsCheck.Licensee(s.wU, ROWS,
        COLS, s.r, s.c).respond(new byte[] {FreivaldsCheck.TAG_CHALLENGE}, new MacCheckProver()));
  }
}
