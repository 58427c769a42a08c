package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.internal.FieldSampler;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MacCheckTest {
  static final SecureRandom RNG = new SecureRandom();
  final MacKey alpha = VoleTest.randomAlpha();

  static long[] rand(int n) {
    return FieldSampler.fromRandom(RNG).next(n);
  }

  /** A dealt pair: the licensee's authenticated vector and the owner's keys. */
  record Pair(AuthenticatedVector u, MacKeyVector k) {}

  Pair deal(long[] values) {
    MacKeyVector k = MacKeyVector.of(rand(values.length));
    return new Pair(AuthenticatedVector.deal(values, alpha, k), k);
  }

  /** The licensee changes value {@code i} by {@code delta} and keeps the tags. */
  static AuthenticatedVector shift(AuthenticatedVector v, int i, long delta) {
    long[] values = v.values();
    values[i] = PrimeField.add(values[i], delta);
    return AuthenticatedVector.of(values, v.tags());
  }

  static List<long[]> runLocal(MacCheckProver p, MacCheckVerifier v) {
    v.verify(p.respond(v.challenge(p.claimMessage())));
    return v.openedValues();
  }

  @Test
  void soundnessBoundIsAsDocumented() {
    // 2 / (p - 1) < 2^-44: one repetition reaches the 40 bits the issue asks for
    BigInteger lhs = BigInteger.TWO.shiftLeft(MacCheckVerifier.STATISTICAL_BITS);
    assertTrue(lhs.compareTo(BigInteger.valueOf(PrimeField.P - 1)) < 0);
    assertTrue(MacCheckVerifier.STATISTICAL_BITS >= 40);
  }

  @Test
  void honestClaimsPassOverAChannelAndOpenTheRightValues() throws Exception {
    Pair a = deal(rand(50));
    Pair b = deal(rand(7));
    Pair z = deal(new long[5]);
    long[] known = rand(3);
    Pair c = deal(known);
    MacCheckVerifier v = new MacCheckVerifier(alpha, RNG).expectOpen(a.k()).expectZero(z.k())
        .expectKnown(c.k(), known).expectOpen(b.k());
    MacCheckProver p = new MacCheckProver().open(a.u()).zero(z.u()).known(c.u()).open(b.u());
    InMemoryChannel.Pair ch = InMemoryChannel.pair();
    CompletableFuture<List<long[]>> owner = CompletableFuture.supplyAsync(() -> v.run(ch.first()));
    p.run(ch.second());
    List<long[]> opened = owner.get(10, TimeUnit.SECONDS);
    assertArrayEquals(a.u().values(), opened.get(0));
    assertArrayEquals(b.u().values(), opened.get(1));
  }

  @Test
  void aCheckThatOpensNothingChallengesWithoutClaimsAndStillCatchesAnOffset() {
    long[] known = rand(6);
    Pair c = deal(known);
    Pair z = deal(new long[4]);
    // honest: no claim message, the challenge drawn at once, accepted
    MacCheckVerifier v = new MacCheckVerifier(alpha, RNG).expectKnown(c.k(), known)
        .expectZero(z.k());
    MacCheckProver p = new MacCheckProver().known(c.u()).zero(z.u());
    p.claimNothing();
    v.verify(p.respond(v.challengeWithoutClaims()));
    assertTrue(v.accepted());
    // a zero claim on a difference that is 1000 in one entry (a circuit input off by an
    // offset): accepted with the comparison off, caught with it on
    long[] off = new long[4];
    off[2] = 1000;
    Pair nz = deal(off);
    for (boolean on : new boolean[] {false, true}) {
      MacCheckVerifier w = new MacCheckVerifier(alpha, RNG).expectKnown(c.k(), known)
          .expectZero(nz.k());
      w.checkEnabled = on;
      MacCheckProver q = new MacCheckProver().known(c.u()).zero(nz.u());
      q.claimNothing();
      byte[] response = q.respond(w.challengeWithoutClaims());
      if (on) {
        assertThrows(MacCheckFailedException.class, () -> w.verify(response));
        assertFalse(w.accepted());
      } else {
        w.verify(response);
        assertTrue(w.accepted());
      }
    }
    // a check with an opened value needs its claim message, on both sides
    Pair a = deal(rand(3));
    assertThrows(IllegalStateException.class,
        () -> new MacCheckVerifier(alpha, RNG).expectOpen(a.k()).challengeWithoutClaims());
    assertThrows(IllegalStateException.class,
        () -> new MacCheckProver().open(a.u()).claimNothing());
  }

  @Test
  void linearCombinationsOfAuthenticatedValuesOpenCorrectly() {
    // the licensee opens d = h - r with h, r authenticated, plus a public constant: the kind of
    // opening the online phase makes
    Pair h = deal(rand(10));
    Pair r = deal(rand(10));
    long[] pub = rand(10);
    AuthenticatedVector d = h.u().sub(r.u()).addConstant(pub);
    MacKeyVector dk = h.k().sub(r.k()).addConstant(alpha, pub);
    List<long[]> opened = runLocal(new MacCheckProver().open(d),
        new MacCheckVerifier(alpha, RNG).expectOpen(dk));
    assertArrayEquals(PrimeField.add(PrimeField.sub(h.u().values(), r.u().values(), null), pub,
        null), opened.get(0));
  }

  @Test
  void attackShiftedOpenedValueIsCaughtAndWouldShiftTheLayerOutput() {
    int rows = 4;
    int cols = 6;
    long[] wOwner = rand(rows * cols);
    long[] wUser = rand(rows * cols);
    Pair d = deal(rand(cols));
    long[] truth = PrimeField.matVec(PrimeField.add(wOwner, wUser, null), rows, d.u().values(),
        null);
    AuthenticatedVector forged = shift(d.u(), 2, 1000);

    // check off: the owner accepts d + 1000 e_2 and the layer output z_U + z_O moves
    MacCheckVerifier off = new MacCheckVerifier(alpha, RNG).expectOpen(d.k());
    off.checkEnabled = false;
    long[] dOwner = runLocal(new MacCheckProver().open(forged), off).get(0);
    long[] z = PrimeField.add(PrimeField.matVec(wUser, rows, d.u().values(), null),
        PrimeField.matVec(wOwner, rows, dOwner, null), null);
    assertFalse(java.util.Arrays.equals(truth, z), "the forgery shifts the result");
    assertArrayEquals(PrimeField.add(truth, PrimeField.scale(1000,
        column(wOwner, rows, cols, 2), null), null), z);

    // check on: caught, and nothing is released
    MacCheckVerifier on = new MacCheckVerifier(alpha, RNG).expectOpen(d.k());
    MacCheckProver p = new MacCheckProver().open(forged);
    byte[] challenge = on.challenge(p.claimMessage());
    assertThrows(MacCheckFailedException.class, () -> on.verify(p.respond(challenge)));
    assertThrows(IllegalStateException.class, on::openedValues);
  }

  static long[] column(long[] a, int rows, int cols, int c) {
    long[] out = new long[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = a[r * cols + c];
    }
    return out;
  }

  @Test
  void attackShiftedWeightOfTheLicenseeShareIsCaught() {
    // the licensee's local product W_U d with one weight changed, then opened
    int rows = 3;
    int cols = 5;
    Pair w = deal(rand(rows * cols));
    long[] d = rand(cols);
    AuthenticatedVector forgedW = shift(w.u(), 7, PrimeField.P - 1); // weight (1, 2) minus 1
    long[] truth = PrimeField.matVec(w.u().values(), rows, d, null);

    MacCheckVerifier off = new MacCheckVerifier(alpha, RNG).expectOpen(w.k().timesPublic(rows, d));
    off.checkEnabled = false;
    long[] y = runLocal(new MacCheckProver().open(forgedW.timesPublic(rows, d)), off).get(0);
    assertEquals(PrimeField.sub(truth[1], d[2]), y[1], "the forged weight moves output 1");
    assertEquals(truth[0], y[0]);

    MacCheckVerifier on = new MacCheckVerifier(alpha, RNG).expectOpen(w.k().timesPublic(rows, d));
    assertThrows(MacCheckFailedException.class,
        () -> runLocal(new MacCheckProver().open(forgedW.timesPublic(rows, d)), on));
    // the honest product passes
    runLocal(new MacCheckProver().open(w.u().timesPublic(rows, d)),
        new MacCheckVerifier(alpha, RNG).expectOpen(w.k().timesPublic(rows, d)));
  }

  @Test
  void attackClaimingZeroForANonzeroDifferenceIsCaught() {
    Pair x = deal(rand(8));
    Pair x2 = deal(x.u().values()); // the same values, authenticated a second time
    Pair bad = deal(shift(x.u(), 5, 3).values()); // a circuit input differing in one entry
    // honest: the difference is zero and passes
    runLocal(new MacCheckProver().zero(x.u().sub(x2.u())),
        new MacCheckVerifier(alpha, RNG).expectZero(x.k().sub(x2.k())));
    // check off: the nonzero difference is accepted as zero
    MacCheckVerifier off = new MacCheckVerifier(alpha, RNG).expectZero(x.k().sub(bad.k()));
    off.checkEnabled = false;
    runLocal(new MacCheckProver().zero(x.u().sub(bad.u())), off);
    // check on: caught
    MacCheckVerifier on = new MacCheckVerifier(alpha, RNG).expectZero(x.k().sub(bad.k()));
    assertThrows(MacCheckFailedException.class,
        () -> runLocal(new MacCheckProver().zero(x.u().sub(bad.u())), on));
  }

  @Test
  void attackShiftWithGuessedTagCorrectionIsCaughtEveryTime() {
    // A forger shifts a value by delta and adds g to the combined tag; it needs g = alpha *
    // chi_i * delta. Random guesses (and the naive ones 0 and delta) all fail.
    Pair v = deal(rand(4));
    for (int trial = 0; trial < 200; trial++) {
      long guess = trial == 0 ? 0 : trial == 1 ? 17 : rand(1)[0];
      AuthenticatedVector forged = shift(v.u(), 1, 17);
      MacCheckVerifier on = new MacCheckVerifier(alpha, RNG).expectOpen(v.k());
      MacCheckProver p = new MacCheckProver().open(forged);
      byte[] resp = p.respond(on.challenge(p.claimMessage()));
      long m = PrimeField.add(dev.oml.mpc.internal.Blocks.getLong(resp, 1), guess);
      dev.oml.mpc.internal.Blocks.putLong(resp, 1, m);
      assertThrows(MacCheckFailedException.class, () -> on.verify(resp));
    }
  }

  @Test
  void malformedMessagesAbortAndStepsCannotBeReordered() {
    Pair a = deal(rand(3));
    MacCheckVerifier v = new MacCheckVerifier(alpha, RNG).expectOpen(a.k());
    MacCheckProver p = new MacCheckProver().open(a.u());
    byte[] claims = p.claimMessage();
    assertThrows(ProtocolAbortException.class,
        () -> new MacCheckVerifier(alpha, RNG).expectOpen(a.k())
            .challenge(java.util.Arrays.copyOf(claims, claims.length + 8)));
    byte[] bad = claims.clone();
    java.util.Arrays.fill(bad, 1, 9, (byte) 0xff);
    assertThrows(ProtocolAbortException.class,
        () -> new MacCheckVerifier(alpha, RNG).expectOpen(a.k()).challenge(bad));
    // a rejected claim message changes nothing: the same verifier accepts the good one after it
    Pair b = deal(rand(2));
    MacCheckVerifier retry = new MacCheckVerifier(alpha, RNG).expectOpen(b.k()).expectOpen(a.k());
    MacCheckProver pb = new MacCheckProver().open(b.u()).open(a.u());
    byte[] good = pb.claimMessage();
    byte[] badSecond = good.clone();
    java.util.Arrays.fill(badSecond, 1 + 16, 1 + 24, (byte) 0xff);
    assertThrows(ProtocolAbortException.class, () -> retry.challenge(badSecond));
    retry.verify(pb.respond(retry.challenge(good)));
    assertArrayEquals(a.u().values(), retry.openedValues().get(1));
    assertThrows(IllegalStateException.class, () -> p.open(a.u()));
    byte[] ch = v.challenge(claims);
    assertThrows(IllegalStateException.class, () -> v.expectOpen(a.k()));
    assertThrows(ProtocolAbortException.class, () -> v.verify(new byte[] {0x43}));
  }
}
