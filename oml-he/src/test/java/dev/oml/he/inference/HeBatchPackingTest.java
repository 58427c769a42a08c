package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.inference.internal.Msg;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The batch packing (two images per slot, in its real and imaginary parts) on the shipped HE
 * network at an INSECURE N = 1024 ring (1,024 images per query, 784 input ciphertexts): labels
 * equal the float model's and logits are within the plan's error bound in both parts of the
 * slots, for a partial and a full query and on both backends where SEAL loads; the product by
 * {@code i} is exact and has the encoder's sign; real and imaginary parts beyond the permitted
 * images (holding images the user did not pay for) are zero within the bound while those
 * images' true logits are not; the ledger is charged every image; an image in an imaginary
 * part never changes the real part's answer (and does without the separation before the
 * activations, switched off for the test); a session over a channel sends the query in parts;
 * malformed queries and Galois keys the plan does not name are refused before anything is
 * spent.
 */
class HeBatchPackingTest {
  static final HeFixture FX = Shared.FX;
  static final HeCompiledModel BATCH = HeCompiledModel.compile(Shared.MODEL, FX.modelId,
      HeBackends.pureJava(), HePlanOptions.builder().kappa(6).answerPrecisionBits(4)
          .insecureRingForTesting(1024).packing(HePacking.BATCH)
          .calibration(HeFixture.images(Shared.DATA, 0, 100)).build());
  static final HeUserSession USER = HeUserSession.openInsecureForTesting(HeBackends.pureJava(),
      BATCH.plan().encode());

  private static HeOwnerSession owner(ExecutorService pool) {
    HeOwnerSession o = new HeOwnerSession(BATCH, FX.gate, pool);
    o.acceptKeys(USER.sessionKeys());
    return o;
  }

  private static long charged() {
    return FX.ledger.charged(FX.licensee.keyId());
  }

  @Test
  void thePlanNamesTheBatchPackingAndNoRotation() {
    HeInferencePlan p = BATCH.plan();
    assertEquals(HePacking.BATCH, p.packing());
    assertEquals(1024, p.imagesPerCiphertext());
    assertEquals(784, p.ciphertextsFor(1));
    assertEquals(784, p.ciphertextsFor(1024));
    assertEquals(0, p.rotationSteps().length);
    assertEquals("OHP3", new String(p.encode(), 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    HeInferencePlan back = HeInferencePlan.decode(p.encode());
    assertArrayEquals(p.planId(), back.planId());
    assertEquals(HePacking.BATCH, back.packing());
    // row plans keep their encoding
    assertEquals("OHP2", new String(Shared.COMPILED.plan().encode(), 0, 4,
        java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(HePacking.ROWS, HeInferencePlan.decode(Shared.COMPILED.plan().encode())
        .packing());
    // an OHP3 plan with a packing code this library does not know is refused
    byte[] bad = p.encode();
    bad[bad.length - 4] = 9;
    assertThrows(MalformedQueryException.class, () -> HeInferencePlan.decode(bad));
    byte[] rows = p.encode();
    rows[rows.length - 4] = 1;
    assertThrows(MalformedQueryException.class, () -> HeInferencePlan.decode(rows));
  }

  /** Query ciphertexts for {@code images}: image b in the real part of slot b, or imaginary. */
  private static Ciphertext[] encryptTwoPerSlot(HeUserSession user, double[][] images) {
    Ciphertext[] cts = new Ciphertext[784];
    double[] e = user.imaginarySigns();
    for (int f = 0; f < cts.length; f++) {
      double[] re = new double[512];
      double[] im = new double[512];
      for (int b = 0; b < images.length; b++) {
        if (b < 512) {
          re[b] = images[b][f];
        } else {
          im[b - 512] = e[b - 512] * images[b][f];
        }
      }
      cts[f] = user.encryptComplex(re, im);
    }
    return cts;
  }

  @Test
  void labelsAndLogitsMatchTheFloatModelAndOtherSlotsAreZero() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      HeOwnerSession owner = owner(pool);
      // 604 images in the slots, 600 of them paid for: the imaginary parts of slots 88-91 carry
      // images the user did not pay for, as a modified client could send
      double[][] all = new double[604][];
      for (int i = 0; i < all.length; i++) {
        all[i] = Shared.DATA.image(i % Shared.DATA.size());
      }
      double[][] imgs = Arrays.copyOf(all, 600);
      HeQuery q = USER.buildQuery(600, encryptTwoPerSlot(USER, all));
      assertEquals(784, q.ciphertexts());
      long before = charged();
      byte[] first = PermittedQuery.create(FX.licensee, FX.permit(q), q.payload()).encode();
      byte[] answer = owner.answer(first);
      assertEquals(before + 600, charged(), "every image is charged");
      HeResult r = USER.decrypt(q, answer);
      double bound = BATCH.plan().estimatedError();
      FloatInference fi = new FloatInference(Shared.MODEL);
      for (int i = 0; i < imgs.length; i++) {
        double[] want = fi.logits(imgs[i]);
        assertEquals(FloatInference.argmax(want), r.label(i), "image " + i);
        for (int j = 0; j < want.length; j++) {
          assertEquals(want[j], r.logits(i)[j], bound, "image " + i + " logit " + j);
        }
      }
      double[][][] slots = USER.answerSlotsComplex(q, answer);
      assertEquals(10, slots.length);
      double unpaid = 0;
      for (int i = 600; i < 604; i++) {
        for (double l : fi.logits(all[i])) {
          unpaid = Math.max(unpaid, Math.abs(l));
        }
      }
      assertTrue(unpaid > 10 * bound, "the unpaid images' true logits are far from zero");
      for (double[][] s : slots) {
        for (int b = 600 - 512; b < 512; b++) {
          assertEquals(0.0, s[1][b], bound, "imaginary part of slot " + b + " holds no image");
        }
      }
    } finally {
      pool.shutdown();
    }
  }

  /**
   * A full query (every real and imaginary part an image, the last layer by constant sums
   * without a conjugation) on the pure-Java backend and, where it loads, on SEAL.
   */
  @Test
  void aFullQueryMatchesTheFloatModelOnBothBackends() {
    fullQuery(HeBackends.pureJava());
    if (HeBackends.isSealAvailable()) {
      fullQuery(HeBackends.seal());
    }
  }

  private static void fullQuery(dev.oml.he.HeBackend backend) {
    HeCompiledModel cm = HeCompiledModel.compile(Shared.MODEL, FX.modelId, backend,
        HePlanOptions.builder().kappa(6).answerPrecisionBits(4).insecureRingForTesting(1024)
            .packing(HePacking.BATCH).calibration(HeFixture.images(Shared.DATA, 0, 100)).build());
    HeUserSession user = HeUserSession.openInsecureForTesting(backend, cm.plan().encode());
    double[] e = user.imaginarySigns();
    for (int j = 0; j < e.length; j++) {
      // X^(N/2) at the root zeta^k is i^k: the Java engine's roots are zeta^(5^j) (k = 1 mod
      // 4), SEAL's zeta^(3^j) (k = 1, 3, 1, ... mod 4)
      double want = backend.name().equals("seal") && j % 2 == 1 ? -1.0 : 1.0;
      assertEquals(want, e[j], backend.name() + " sign of slot " + j);
    }
    HeOwnerSession owner = new HeOwnerSession(cm, FX.gate);
    owner.acceptKeys(user.sessionKeys());
    double[][] imgs = new double[1024][];
    for (int i = 0; i < imgs.length; i++) {
      imgs[i] = Shared.DATA.image((7 * i) % Shared.DATA.size());
    }
    HeQuery q = user.encrypt(imgs);
    long before = charged();
    HeResult r = user.decrypt(q, owner.answer(PermittedQuery.create(FX.licensee, FX.permit(q),
        q.payload()).encode()));
    assertEquals(before + 1024, charged(), "every image is charged");
    double bound = cm.plan().estimatedError();
    FloatInference fi = new FloatInference(Shared.MODEL);
    for (int i = 0; i < imgs.length; i++) {
      double[] want = fi.logits(imgs[i]);
      assertEquals(FloatInference.argmax(want), r.label(i), backend.name() + " image " + i);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], r.logits(i)[j], bound, backend.name() + " image " + i + " logit "
            + j);
      }
    }
  }

  @Test
  void theProductByIIsExactAndHasTheEncodersSign() {
    dev.oml.he.inference.internal.HeProgram program = dev.oml.he.inference.internal.HeProgram
        .compile(Shared.MODEL, dev.oml.he.inference.internal.HeProgram.featuresFor(Shared.MODEL),
            BATCH.context().parameters().maxLevel(), false);
    HeContext ctx = BATCH.context();
    double[] re = new double[512];
    double[] im = new double[512];
    java.util.Random rnd = new java.util.Random(18);
    for (int s = 0; s < 512; s++) {
      re[s] = rnd.nextDouble() * 2 - 1;
      im[s] = rnd.nextDouble() * 2 - 1;
    }
    Ciphertext c = USER.encryptComplex(re, im);
    Ciphertext ic = program.timesI(c, ctx.ckksEncoder(), ctx.evaluator(), 512);
    assertEquals(c.level(), ic.level(), "no level");
    assertEquals(c.scale(), ic.scale(), "the scale unchanged");
    double[][] v = USER.decryptSlotsComplex(ic);
    double[] e = USER.imaginarySigns();
    for (int s = 0; s < 512; s++) {
      // the pure-Java engine's slots are at zeta^(5^j): X^(N/2) is +i in every one of them
      assertEquals(1.0, e[s], "sign of slot " + s);
      // i (a + ib) = -b + ia
      assertEquals(-im[s], v[0][s], 1e-6, "real part of slot " + s);
      assertEquals(re[s], v[1][s], 1e-6, "imaginary part of slot " + s);
    }
    // exact: i^2 negates every coefficient and i^4 is the identity, bit for bit
    Ciphertext i2 = program.timesI(ic, ctx.ckksEncoder(), ctx.evaluator(), 512);
    Ciphertext i4 = program.timesI(program.timesI(i2, ctx.ckksEncoder(), ctx.evaluator(), 512),
        ctx.ckksEncoder(), ctx.evaluator(), 512);
    double[][] w = USER.decryptSlotsComplex(c);
    double[][] w2 = USER.decryptSlotsComplex(i2);
    double[][] w4 = USER.decryptSlotsComplex(i4);
    for (int s = 0; s < 512; s++) {
      assertEquals(-w[0][s], w2[0][s], 0.0, "i^2, slot " + s);
      assertEquals(-w[1][s], w2[1][s], 0.0, "i^2, slot " + s);
      assertEquals(w[0][s], w4[0][s], 0.0, "i^4, slot " + s);
      assertEquals(w[1][s], w4[1][s], 0.0, "i^4, slot " + s);
    }
  }

  @Test
  void aSessionSendsTheQueryInPartsOverAChannel() throws Exception {
    HeOwnerSession session = new HeOwnerSession(BATCH, FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    Channel ownerEnd = pair.first();
    Channel userEnd = pair.second();
    OwnerRun t = OwnerRun.start(session, ownerEnd);
    HeInferenceClient client = HeInferenceClient.connect(userEnd, HeBackends.pureJava(),
        FX.licensee, HeOwnerSession.ONLY_MODEL, true);
    double[][] imgs = HeFixture.images(Shared.DATA, 300, 3);
    long sent = userEnd.messagesSent();
    HeResult r = client.infer(imgs, FX::permit);
    long parts = (client.lastQueryBytes() + HeOwnerSession.KEY_PART_BYTES - 1)
        / HeOwnerSession.KEY_PART_BYTES;
    assertTrue(parts > 1, "a batch query is larger than one part");
    assertEquals(sent + 1 + parts, userEnd.messagesSent(), "the length, then the parts");
    FloatInference fi = new FloatInference(Shared.MODEL);
    for (int i = 0; i < imgs.length; i++) {
      assertEquals(fi.label(imgs[i]), r.label(i), "image " + i);
    }
    userEnd.close();
    assertEquals(null, t.join());
  }

  private static void refusedUnspent(Class<? extends Throwable> type, HeOwnerSession owner,
      PermissionToken t, byte[] payload) {
    long before = charged();
    assertThrows(type, () -> owner.answer(PermittedQuery.create(FX.licensee, t, payload)
        .encode()));
    assertEquals(before, charged(), "nothing spent");
  }

  @Test
  void malformedBatchQueriesAreRefusedBeforeSpending() {
    HeOwnerSession owner = owner(null);
    double[] zero = new double[512];
    Ciphertext c = USER.encryptSlots(zero);
    // one ciphertext short of one per feature
    Ciphertext[] short1 = new Ciphertext[783];
    Arrays.fill(short1, c);
    HeQuery q1 = USER.buildQuery(2, short1);
    refusedUnspent(MalformedQueryException.class, owner, FX.permit(q1), q1.payload());
    // one per feature, but one of them below the top level
    Ciphertext[] low = new Ciphertext[784];
    Arrays.fill(low, c);
    HeContext ctx = BATCH.plan().context(HeBackends.pureJava());
    low[5] = ctx.evaluator().modSwitchToNext(c);
    HeQuery q2 = USER.buildQuery(2, low);
    refusedUnspent(MalformedQueryException.class, owner, FX.permit(q2), q2.payload());
    // more images than the real and imaginary parts of the slots
    Ciphertext[] full = new Ciphertext[784];
    Arrays.fill(full, c);
    HeQuery q3 = USER.buildQuery(1025, full);
    refusedUnspent(ImageCountException.class, owner, FX.permit(q3), q3.payload());
  }

  @Test
  void anImaginaryImageNeverChangesTheRealAnswer() {
    // A user pays for four images and puts four more in the imaginary parts of the same slots,
    // hoping that the network computes on the complex values (at complex points: its
    // derivatives, more than an image's worth per paid image) or on the unpaid images. The owner
    // separates every slot's two images before each activation, so the real parts' answer is
    // exactly the four paid images', and the last layer's mask zeroes the imaginary parts. With
    // the separation switched off (test-only), the squares mix the imaginary parts into the
    // real ones.
    double[][] re = HeFixture.images(Shared.DATA, 400, 4);
    double[][] im = HeFixture.images(Shared.DATA, 404, 4);
    Ciphertext[] cts = new Ciphertext[784];
    for (int f = 0; f < cts.length; f++) {
      double[] r = new double[512];
      double[] i = new double[512];
      for (int b = 0; b < 4; b++) {
        r[b] = re[b][f];
        i[b] = im[b][f];
      }
      cts[f] = USER.encryptComplex(r, i);
    }
    HeQuery q = USER.buildQuery(4, cts);
    byte[] first = PermittedQuery.create(FX.licensee, FX.permit(q), q.payload()).encode();
    byte[] answer = owner(null).answer(first);
    HeResult res = USER.decrypt(q, answer);
    double bound = BATCH.plan().estimatedError();
    FloatInference fi = new FloatInference(Shared.MODEL);
    for (int b = 0; b < 4; b++) {
      double[] want = fi.logits(re[b]);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], res.logits(b)[j], bound, "image " + b + " logit " + j);
      }
    }
    for (double[][] s : USER.answerSlotsComplex(q, answer)) {
      for (int b = 0; b < 4; b++) {
        assertEquals(0.0, s[1][b], bound, "the unpaid imaginary image " + b + " is masked");
      }
    }
    Msg.In in = new Msg.In(USER.sessionKeys(), "keys");
    in.magic(HeUserSession.KEYS_MAGIC);
    in.raw(32, "plan id");
    in.block("public key", 1 << 26);
    byte[] rkb = in.block("relinearization key", 1 << 28);
    byte[] gkb = in.block("Galois keys", 1 << 30);
    HeContext ctx = BATCH.context();
    Ciphertext[] off = BATCH.evaluateBatchUnflooded(cts, 4, ctx.serializer().loadRelinKeys(rkb),
        ctx.serializer().loadGaloisKeys(gkb), null, false);
    double gap = 0;
    for (int j = 0; j < off.length; j++) {
      double[] v = USER.decryptSlots(off[j]);
      for (int b = 0; b < 4; b++) {
        gap = Math.max(gap, Math.abs(v[b] - fi.logits(re[b])[j]));
      }
    }
    assertTrue(gap > 10 * bound, "without the separation the imaginary images change the "
        + "answer (largest change " + gap + ")");
  }

  @Test
  void aBatchPlanAcceptsNoRotationKey() {
    HeContext ctx = BATCH.plan().context(HeBackends.pureJava());
    KeyGenerator kg = ctx.keyGenerator();
    byte[] keys = new Msg.Out().magic(HeUserSession.KEYS_MAGIC).raw(BATCH.plan().planId())
        .block(ctx.serializer().save(kg.createPublicKey()))
        .block(ctx.serializer().save(kg.createRelinKeys()))
        .block(ctx.serializer().save(kg.createGaloisKeysWithConjugation(1))).bytes();
    HeOwnerSession owner = new HeOwnerSession(BATCH, FX.gate);
    MalformedQueryException e = assertThrows(MalformedQueryException.class,
        () -> owner.acceptKeys(keys));
    assertTrue(e.getMessage().contains("not one the plan names"), e.getMessage());
    // the plan's own key set (public, relinearization and conjugation keys) is accepted
    byte[] good = new Msg.Out().magic(HeUserSession.KEYS_MAGIC).raw(BATCH.plan().planId())
        .block(ctx.serializer().save(kg.createPublicKey()))
        .block(ctx.serializer().save(kg.createRelinKeys()))
        .block(ctx.serializer().save(kg.createGaloisKeysWithConjugation())).bytes();
    owner.acceptKeys(good);
  }
}
