package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.BfvEncoding;
import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.CompactAnswer;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PublicKey;
import dev.oml.mpc.auth.OfflineHe.EncryptedMask;
import dev.oml.mpc.auth.OfflineHe.EncryptedMatrix;
import dev.oml.mpc.auth.OfflineHe.OwnerShare;
import dev.oml.mpc.auth.OfflineHe.ProductAnswer;
import dev.oml.mpc.auth.OfflineHe.UserAnswer;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The offline HE step over {@code F_p} in both directions at INSECURE small parameters: the
 * shares add up to the plain products {@code W_O r} and {@code W_U q} in {@code F_p}, U's share
 * is authenticated ({@code M = K + alpha t}, recomputed from O's keys), and every deviation of a
 * modified licensee (a crafted term, a swapped {@code r}, arbitrary plaintexts, a chosen
 * {@code c_1}) is accepted and shifts the product with the batched MAC check switched off, and is
 * caught with it on. Malformed answers get a typed error and leave O's step usable.
 */
class OfflineHeTest {
  /** INSECURE: N = 512 keeps the suite fast; same plain modulus and chain shape as standard. */
  static final HeParameters INSECURE_FP = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();
  static final int ROWS = 12;
  static final int COLS = 600;

  private final SecureRandom rng = new SecureRandom();
  private final OfflineHe he = new OfflineHe(INSECURE_FP, 40);
  private final MacKey alpha = new MacKey(OfflineHe.uniform(rng));

  /** {@code n} uniform elements of {@code F_p} from {@code rng}. */
  static long[] uniform(SecureRandom rng, int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = OfflineHe.uniform(rng);
    }
    return v;
  }

  private long[] rand(int n) {
    return uniform(rng, n);
  }

  private long[][] randMatrix(int rows, int cols) {
    long[][] w = new long[rows][];
    for (int i = 0; i < rows; i++) {
      w[i] = rand(cols);
    }
    return w;
  }

  private static long[] flat(long[][] w) {
    long[] f = new long[w.length * w[0].length];
    for (int i = 0; i < w.length; i++) {
      System.arraycopy(w[i], 0, f, i * w[0].length, w[0].length);
    }
    return f;
  }

  /** Dealt MACs: O's keys uniform, U's tags from the relation. */
  private record Dealt(AuthenticatedVector u, MacKeyVector k) {}

  private Dealt deal(long[] v) {
    MacKeyVector k = MacKeyVector.of(rand(v.length));
    return new Dealt(AuthenticatedVector.deal(v, alpha, k), k);
  }

  /** The relation entry by entry, recomputed from O's keys: the oracle of authentication. */
  private void assertAuthenticated(AuthenticatedVector u, MacKeyVector k) {
    for (int i = 0; i < u.length(); i++) {
      assertEquals(PrimeField.add(k.key(i), PrimeField.mul(alpha.alpha(), u.value(i))), u.tag(i),
          "entry " + i);
    }
  }

  /** One batched check in which U opens its share; with the switch off O compares nothing. */
  private long[] openWithCheck(AuthenticatedVector u, MacKeyVector k, boolean checkOn) {
    MacCheckVerifier v = new MacCheckVerifier(alpha, rng).expectOpen(k);
    v.checkEnabled = checkOn;
    MacCheckProver p = new MacCheckProver().open(u);
    v.verify(p.respond(v.challenge(p.claimMessage())));
    return v.openedValues().get(0);
  }

  @Test
  void directionOneSharesAddUpToWoRAndUsersShareIsAuthenticated() {
    long[][] wO = randMatrix(ROWS, COLS);
    Dealt r = deal(rand(COLS));
    OfflineHe.Owner owner = he.new Owner(alpha, rng);
    OfflineHe.Owner.MatrixSent sent = owner.sendMatrix(wO, r.k());
    MatVecLayout layout = sent.layout();
    // tiles answered once per query: one output block (12 rows), several input blocks
    assertEquals(he.matrixLayout(ROWS, COLS).toString(), layout.toString());
    assertTrue(layout.inputCount() > 1 && layout.outputCount() == 1, layout.toString());
    EncryptedMatrix onWire = EncryptedMatrix.decode(sent.message().encode(), layout);
    UserAnswer a = he.new User(sent.bundleKey(), rng).answerMatrix(onWire, r.u(), ROWS);
    OwnerShare o = sent.receive(ProductAnswer.decode(a.message().encode(), layout));

    long[] plain = PrimeField.matVec(flat(wO), ROWS, r.u().values(), null);
    assertArrayEquals(plain, PrimeField.add(o.share(), a.share().values(), null));
    assertAuthenticated(a.share(), o.keys());
    assertArrayEquals(a.share().values(), openWithCheck(a.share(), o.keys(), true));
  }

  @Test
  void directionTwoSharesAddUpToWuQAndUsersShareIsAuthenticated() {
    Dealt wU = deal(rand(ROWS * COLS));
    OfflineHe.Owner owner = he.new Owner(alpha, rng);
    OfflineHe.Owner.MaskSent sent = owner.sendMask(ROWS, COLS, wU.k());
    assertTrue(sent.layout().outputCount() > 1, sent.layout().toString());
    EncryptedMask onWire = EncryptedMask.decode(sent.message().encode(), sent.layout());
    UserAnswer a = he.new User(sent.bundleKey(), rng).answerMask(onWire, wU.u(), ROWS, COLS);
    OwnerShare o = sent.receive(ProductAnswer.decode(a.message().encode(), sent.layout()));

    long[] plain = PrimeField.matVec(wU.u().values(), ROWS, sent.mask(), null);
    assertArrayEquals(plain, PrimeField.add(o.share(), a.share().values(), null));
    assertAuthenticated(a.share(), o.keys());
    assertArrayEquals(a.share().values(), openWithCheck(a.share(), o.keys(), true));
  }

  @Test
  void bothDirectionsRunOverAChannel() throws Exception {
    long[][] wO = randMatrix(ROWS, COLS);
    Dealt r = deal(rand(COLS));
    Dealt wU = deal(rand(ROWS * COLS));
    OfflineHe.Owner owner = he.new Owner(alpha, rng);
    InMemoryChannel.Pair ch = InMemoryChannel.pair();
    owner.sendKey(ch.first());
    OfflineHe.User user = he.receiveKey(ch.second(), rng);
    CompletableFuture<OwnerShare> o1 =
        CompletableFuture.supplyAsync(() -> owner.runMatrix(ch.first(), wO, r.k()));
    AuthenticatedVector t = user.runMatrix(ch.second(), r.u(), ROWS);
    OwnerShare s1 = o1.get(60, TimeUnit.SECONDS);
    CompletableFuture<OfflineHe.MaskOutcome> o2 =
        CompletableFuture.supplyAsync(() -> owner.runMask(ch.first(), ROWS, COLS, wU.k()));
    AuthenticatedVector t2 = user.runMask(ch.second(), wU.u(), ROWS, COLS);
    OfflineHe.MaskOutcome s2 = o2.get(60, TimeUnit.SECONDS);

    assertArrayEquals(PrimeField.matVec(flat(wO), ROWS, r.u().values(), null),
        PrimeField.add(s1.share(), t.values(), null));
    assertArrayEquals(PrimeField.matVec(wU.u().values(), ROWS, s2.mask(), null),
        PrimeField.add(s2.share().share(), t2.values(), null));
    assertAuthenticated(t, s1.keys());
    assertAuthenticated(t2, s2.share().keys());
  }

  // ---- a modified licensee ------------------------------------------------------------------

  /** U's tools on O's message, as a patched client has them: the library's own product. */
  private final class Deviant {
    final HeContext ctx = he.context();
    final CoefficientMatVec mv = ctx.coefficientMatVec();
    final MatVecLayout layout;
    final PublicKey pk;
    final List<Ciphertext> tiles = new ArrayList<>();

    Deviant(OfflineHe.Owner.MatrixSent sent) {
      this.layout = sent.layout();
      this.pk = ctx.serializer().loadPublicKey(sent.bundleKey().publicKey());
      for (byte[] b : sent.message().tiles()) {
        tiles.add(ctx.serializer().loadCiphertext(b));
      }
    }

    /** {@code Enc_O(W_O x - mask)} for any {@code x} U likes. */
    List<byte[]> product(long[] x, long[] mask) {
      List<byte[]> out = new ArrayList<>();
      for (CompactAnswer c : mv.answerEncryptedMatrixCompact(layout, tiles, x, mask, pk, 40)) {
        out.add(c.encode());
      }
      return out;
    }
  }

  /** The outcome of one deviating run: what O's share plus U's share reconstructs. */
  private record Outcome(long[] reconstructed, long[] honest, boolean checkPassed) {}

  private interface Deviation {
    /** U's answer and the share it will claim, given its honest inputs. */
    UserAnswer answer(Deviant d, AuthenticatedVector r, long[] t, long[] tTag);
  }

  private Outcome directionOne(Deviation dev, boolean checkOn) {
    long[][] wO = randMatrix(ROWS, COLS);
    Dealt r = deal(rand(COLS));
    OfflineHe.Owner.MatrixSent sent = he.new Owner(alpha, rng).sendMatrix(wO, r.k());
    Deviant d = new Deviant(sent);
    UserAnswer a = dev.answer(d, r.u(), rand(ROWS), rand(ROWS));
    OwnerShare o = sent.receive(a.message());
    boolean passed;
    try {
      openWithCheck(a.share(), o.keys(), checkOn);
      passed = true;
    } catch (MacCheckFailedException e) {
      passed = false;
    }
    return new Outcome(PrimeField.add(o.share(), a.share().values(), null),
        PrimeField.matVec(flat(wO), ROWS, r.u().values(), null), passed);
  }

  private static final long DELTA = 1000;

  /** (i) a crafted term: U's first answer encrypts {@code W_O r - t + delta e_3}. */
  private final Deviation craftedTerm = (d, r, t, tTag) -> {
    long[] shifted = t.clone();
    shifted[3] = PrimeField.sub(shifted[3], DELTA);
    return new UserAnswer(new ProductAnswer(d.product(r.values(), shifted),
        d.product(r.tags(), tTag)), AuthenticatedVector.of(t, tTag));
  };

  /** (i) a crafted term in the other ciphertext: {@code Enc_O(W_O M_r - t' + delta e_2)}. */
  private final Deviation craftedTagTerm = (d, r, t, tTag) -> {
    long[] shifted = tTag.clone();
    shifted[2] = PrimeField.sub(shifted[2], DELTA);
    return new UserAnswer(new ProductAnswer(d.product(r.values(), t),
        d.product(r.tags(), shifted)), AuthenticatedVector.of(t, tTag));
  };

  /** (i) a swapped r in the first product (the tier-1 chosen-query attack's move). */
  private final Deviation swappedR = (d, r, t, tTag) -> {
    long[] other = r.values();
    other[0] = PrimeField.add(other[0], 1);
    return new UserAnswer(new ProductAnswer(d.product(other, t), d.product(r.tags(), tTag)),
        AuthenticatedVector.of(t, tTag));
  };

  /** Arbitrary plaintexts {@code x, x'} in both answers, and an arbitrary claimed share. */
  private final Deviation arbitrary = (d, r, t, tTag) -> {
    long[] zero = new long[r.length()];
    long[] x = rand(t.length);
    long[] xTag = rand(t.length);
    return new UserAnswer(new ProductAnswer(d.product(zero, negate(x)),
        d.product(zero, negate(xTag))), AuthenticatedVector.of(t, tTag));
  };

  private static long[] negate(long[] x) {
    return PrimeField.sub(new long[x.length], x, null);
  }

  @Test
  void craftedTermShiftsTheProductWithTheCheckOffAndIsCaughtWithItOn() {
    Outcome off = directionOne(craftedTerm, false);
    assertTrue(off.checkPassed());
    long[] expected = off.honest().clone();
    expected[3] = PrimeField.add(expected[3], DELTA);
    assertArrayEquals(expected, off.reconstructed());
    assertFalse(directionOne(craftedTerm, true).checkPassed());
  }

  @Test
  void craftedTermInTheTagAnswerIsAcceptedWithTheCheckOffAndCaughtWithItOn() {
    // the product itself is right; what moves is O's key, so U's share would carry a tag that
    // does not match, which only the check can notice
    Outcome off = directionOne(craftedTagTerm, false);
    assertTrue(off.checkPassed());
    assertArrayEquals(off.honest(), off.reconstructed());
    assertFalse(directionOne(craftedTagTerm, true).checkPassed());
  }

  @Test
  void swappedRIsAcceptedWithTheCheckOffAndCaughtWithItOn() {
    Outcome off = directionOne(swappedR, false);
    assertTrue(off.checkPassed());
    assertFalse(java.util.Arrays.equals(off.honest(), off.reconstructed()));
    assertFalse(directionOne(swappedR, true).checkPassed());
  }

  @Test
  void arbitraryPlaintextsAreCaught() {
    assertTrue(directionOne(arbitrary, false).checkPassed());
    for (int i = 0; i < 5; i++) {
      assertFalse(directionOne(arbitrary, true).checkPassed());
    }
  }

  @Test
  void craftedTermInDirectionTwoIsCaught() {
    for (boolean checkOn : new boolean[] {false, true}) {
      Dealt wU = deal(rand(ROWS * COLS));
      OfflineHe.Owner.MaskSent sent = he.new Owner(alpha, rng).sendMask(ROWS, COLS, wU.k());
      HeContext ctx = he.context();
      CoefficientMatVec mv = ctx.coefficientMatVec();
      PublicKey pk = ctx.serializer().loadPublicKey(sent.bundleKey().publicKey());
      List<Ciphertext> q = new ArrayList<>();
      for (byte[] b : sent.message().query()) {
        q.add(ctx.serializer().loadCiphertext(b));
      }
      long[] t = rand(ROWS);
      long[] tTag = rand(ROWS);
      long[] shifted = t.clone();
      shifted[5] = PrimeField.sub(shifted[5], DELTA);
      List<byte[]> u = new ArrayList<>();
      for (CompactAnswer c : mv.answerCompact(sent.layout(), q,
          OfflineHe.rowsOf(wU.u().values(), ROWS, COLS), shifted, pk, 40)) {
        u.add(c.encode());
      }
      List<byte[]> ut = new ArrayList<>();
      for (CompactAnswer c : mv.answerCompact(sent.layout(), q,
          OfflineHe.rowsOf(wU.u().tags(), ROWS, COLS), tTag, pk, 40)) {
        ut.add(c.encode());
      }
      OwnerShare o = sent.receive(new ProductAnswer(u, ut));
      AuthenticatedVector claimed = AuthenticatedVector.of(t, tTag);
      if (checkOn) {
        assertThrows(MacCheckFailedException.class, () -> openWithCheck(claimed, o.keys(), true));
      } else {
        openWithCheck(claimed, o.keys(), false);
        long[] expected = PrimeField.matVec(wU.u().values(), ROWS, sent.mask(), null);
        expected[5] = PrimeField.add(expected[5], DELTA);
        assertArrayEquals(expected, PrimeField.add(o.share(), t, null));
      }
    }
  }

  /**
   * (ii) attack (c): U adds {@code a X^k} to {@code c_1} of an answer O decrypts, so O's
   * decryption moves by a term in O's secret key. With the check off it lands in O's share; with
   * it on the only thing that comes back is the abort.
   */
  @Test
  void chosenC1InAnAnswerIsCaughtAndOnlyTheCheckBitComesBack() {
    for (boolean checkOn : new boolean[] {false, true}) {
      // delta X^1 times s moves output coefficient j by about s_(j-1) in {-1, 0, 1}: with a
      // ternary key every moved coefficient can be 0 (about 3^-ROWS), and then the crafted answer
      // is an honest one. A bundle key is fresh per bundle, so a new bundle is tried until the
      // term lands; 16 bundles all missing is far below 2^-40.
      OwnerShare o = null;
      UserAnswer honest = null;
      boolean moved = false;
      for (int bundle = 0; bundle < 16 && !moved; bundle++) {
        long[][] wO = randMatrix(ROWS, COLS);
        Dealt r = deal(rand(COLS));
        OfflineHe.Owner.MatrixSent sent = he.new Owner(alpha, rng).sendMatrix(wO, r.k());
        honest = he.new User(sent.bundleKey(), rng).answerMatrix(sent.message(), r.u(), ROWS);
        byte[] first = honest.message().value().get(0);
        int bits = first[1];
        int kept = Math.min(sent.layout().blockRows(), ROWS);
        CompactAnswer a = CompactAnswer.decode(first, INSECURE_FP.polyModulusDegree(), kept, bits);
        // a X^1 with a = floor(2^bits / p): one unit of the plaintext times s, shifted by one
        long delta = BigInteger.ONE.shiftLeft(bits).divide(BigInteger.valueOf(PrimeField.P))
            .longValue();
        long[] c1 = a.c1();
        c1[1] = (c1[1] + delta) & ((1L << bits) - 1);
        List<byte[]> crafted = new ArrayList<>(honest.message().value());
        crafted.set(0, new CompactAnswer(bits, a.c0(), c1).encode());
        o = sent.receive(new ProductAnswer(crafted, honest.message().tag()));
        long[] plain = PrimeField.matVec(flat(wO), ROWS, r.u().values(), null);
        long[] rebuilt = PrimeField.add(o.share(), honest.share().values(), null);
        moved = !java.util.Arrays.equals(plain, rebuilt);
      }
      assertTrue(moved, "the key-dependent term moved the owner's share (check " + checkOn + ")");
      UserAnswer u = honest;
      OwnerShare owner = o;
      if (checkOn) {
        assertThrows(MacCheckFailedException.class,
            () -> openWithCheck(u.share(), owner.keys(), true));
      } else {
        openWithCheck(u.share(), owner.keys(), false);
      }
    }
  }

  // ---- malformed answers --------------------------------------------------------------------

  @Test
  void malformedAnswersGetATypedErrorAndChangeNothing() {
    long[][] wO = randMatrix(ROWS, COLS);
    Dealt r = deal(rand(COLS));
    OfflineHe.Owner.MatrixSent sent = he.new Owner(alpha, rng).sendMatrix(wO, r.k());
    MatVecLayout layout = sent.layout();
    UserAnswer honest = he.new User(sent.bundleKey(), rng).answerMatrix(sent.message(), r.u(), ROWS);
    ProductAnswer good = honest.message();
    List<byte[]> values = good.value();

    // wrong length: one ciphertext too few, on the wire and in the step
    byte[] encoded = good.encode();
    ProductAnswer shortAnswer = new ProductAnswer(values.subList(1, values.size()), good.tag());
    assertThrows(ProtocolAbortException.class,
        () -> ProductAnswer.decode(shortAnswer.encode(), layout));
    assertThrows(ProtocolAbortException.class, () -> sent.receive(shortAnswer));
    assertThrows(ProtocolAbortException.class, () -> ProductAnswer.decode(
        java.util.Arrays.copyOf(encoded, encoded.length - 3), layout));
    // garbage in place of a ciphertext
    List<byte[]> garbage = new ArrayList<>(values);
    byte[] junk = new byte[values.get(0).length];
    rng.nextBytes(junk);
    garbage.set(0, junk);
    assertThrows(ProtocolAbortException.class,
        () -> sent.receive(new ProductAnswer(garbage, good.tag())));
    // a valid ciphertext instead of a compact answer (a fresh top-level encryption)
    HeContext ctx = he.context();
    PublicKey pk = ctx.serializer().loadPublicKey(sent.bundleKey().publicKey());
    Ciphertext top = ctx.encryptor(pk).encrypt(ctx.bfvEncoder().encode(new long[] {1}));
    List<byte[]> wrongForm = new ArrayList<>(values);
    wrongForm.set(0, ctx.serializer().save(top));
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> sent.receive(new ProductAnswer(wrongForm, good.tag())));
    assertTrue(e.getMessage().contains("compact answer"), e.getMessage());
    // the right coefficients at another modulus (one bit wider)
    int bits = values.get(0)[1];
    CompactAnswer first = CompactAnswer.decode(values.get(0), INSECURE_FP.polyModulusDegree(),
        Math.min(layout.blockRows(), ROWS), bits);
    List<byte[]> wider = new ArrayList<>(values);
    wider.set(0, new CompactAnswer(bits + 1, first.c0(), first.c1()).encode());
    assertThrows(ProtocolAbortException.class,
        () -> sent.receive(new ProductAnswer(wider, good.tag())));
    // an answer over another ring (N = 1024)
    HeParameters other = HeParameters.builder(HeScheme.BFV).polyModulusDegree(1024)
        .coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
        .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();
    OfflineHe foreign = new OfflineHe(other, 40);
    OfflineHe.Owner.MatrixSent foreignSent = foreign.new Owner(alpha, rng).sendMatrix(wO, r.k());
    UserAnswer foreignAnswer =
        foreign.new User(foreignSent.bundleKey(), rng).answerMatrix(foreignSent.message(), r.u(), ROWS);
    assertThrows(ProtocolAbortException.class, () -> sent.receive(foreignAnswer.message()));

    // none of it changed the step: the honest answer still gives the right, authenticated share
    OwnerShare o = sent.receive(good);
    assertArrayEquals(PrimeField.matVec(flat(wO), ROWS, r.u().values(), null),
        PrimeField.add(o.share(), honest.share().values(), null));
    assertAuthenticated(honest.share(), o.keys());
  }

  @Test
  void ownersMalformedMessagesGetATypedErrorAtTheUser() {
    Dealt r = deal(rand(COLS));
    OfflineHe.Owner.MatrixSent sent = he.new Owner(alpha, rng).sendMatrix(
        randMatrix(ROWS, COLS), r.k());
    // a message for another shape (more tiles than this layout has)
    MatVecLayout bigger = he.matrixLayout(ROWS * 20, COLS);
    assertTrue(bigger.outputCount() * bigger.inputCount()
        != sent.layout().outputCount() * sent.layout().inputCount());
    assertThrows(ProtocolAbortException.class,
        () -> EncryptedMatrix.decode(sent.message().encode(), bigger));
    assertThrows(ProtocolAbortException.class,
        () -> he.new User(new OfflineHe.BundleKey(new byte[] {1, 2, 3}), rng));
    assertThrows(ProtocolAbortException.class,
        () -> OfflineHe.BundleKey.decode(sent.message().encode()));
  }

  @Test
  void matrixLayoutFallsBackWhereTheFewestOutputBlocksExceedTheBudget() {
    // 240 x 600 at N = 512: two columns per block would need 300 input blocks summed into each
    // output, whose noise the flood cannot cover at 160 bits; the query-minimizing layout can
    MatVecLayout fewest = MatVecLayout.ofEncryptedMatrix(240, 600, INSECURE_FP);
    assertThrows(dev.oml.he.NoiseBudgetException.class,
        () -> dev.oml.he.FloodingBudget.forMatVec(INSECURE_FP, fewest, 40));
    assertEquals(he.layout(240, 600).toString(), he.matrixLayout(240, 600).toString());
    assertEquals(MatVecLayout.ofEncryptedMatrix(ROWS, COLS, INSECURE_FP).toString(),
        he.matrixLayout(ROWS, COLS).toString());
  }

  @Test
  void refusesAPlainModulusOtherThanP() {
    HeParameters pow2 = HeParameters.builder(HeScheme.BFV).polyModulusDegree(512)
        .coeffModulusBits(60, 50, 50).plainModulusPowerOfTwo(40).insecureForTesting().build();
    assertThrows(IllegalArgumentException.class, () -> new OfflineHe(pow2, 40));
  }
}
