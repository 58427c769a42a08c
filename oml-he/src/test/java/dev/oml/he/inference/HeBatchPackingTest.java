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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The batch packing (one image per slot) on the shipped HE network at an INSECURE N = 1024
 * ring (512 images per query, 784 input ciphertexts): labels equal the float model's and logits
 * are within the plan's error bound, slots beyond the permitted images (holding images the user
 * did not pay for) are zero within it while those images' true logits are not, the
 * ledger is charged every image, imaginary parts never reach the weights (and do without the
 * projection, switched off for the test), a session over a channel sends the query in parts, and
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
    assertEquals(512, p.imagesPerCiphertext());
    assertEquals(784, p.ciphertextsFor(1));
    assertEquals(784, p.ciphertextsFor(512));
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

  @Test
  void labelsAndLogitsMatchTheFloatModelAndOtherSlotsAreZero() {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      HeOwnerSession owner = owner(pool);
      // 44 images in the slots, 40 of them paid for: slots 40-43 carry images the user did not
      // pay for, as a modified client could send
      double[][] all = HeFixture.images(Shared.DATA, 200, 44);
      double[][] imgs = Arrays.copyOf(all, 40);
      Ciphertext[] cts = new Ciphertext[784];
      double[] v = new double[512];
      for (int f = 0; f < cts.length; f++) {
        for (int b = 0; b < all.length; b++) {
          v[b] = all[b][f];
        }
        cts[f] = USER.encryptSlots(v);
      }
      HeQuery q = USER.buildQuery(40, cts);
      assertEquals(784, q.ciphertexts());
      long before = charged();
      byte[] first = PermittedQuery.create(FX.licensee, FX.permit(q), q.payload()).encode();
      byte[] answer = owner.answer(first);
      assertEquals(before + 40, charged(), "every image is charged");
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
      double[][] slots = USER.answerSlots(q, answer);
      assertEquals(10, slots.length);
      double unpaid = 0;
      for (int i = 40; i < 44; i++) {
        for (double l : fi.logits(all[i])) {
          unpaid = Math.max(unpaid, Math.abs(l));
        }
      }
      assertTrue(unpaid > 10 * bound, "the unpaid images' true logits are far from zero");
      for (double[] s : slots) {
        for (int b = imgs.length; b < s.length; b++) {
          assertEquals(0.0, s[b], bound, "slot " + b + " holds no image");
        }
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void aSessionSendsTheQueryInPartsOverAChannel() throws Exception {
    HeOwnerSession session = new HeOwnerSession(BATCH, FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    Channel ownerEnd = pair.first();
    Channel userEnd = pair.second();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        session.run(ownerEnd);
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    t.start();
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
    t.join(60_000);
    assertEquals(null, failure.get());
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
    // more images than slots
    Ciphertext[] full = new Ciphertext[784];
    Arrays.fill(full, c);
    HeQuery q3 = USER.buildQuery(513, full);
    refusedUnspent(ImageCountException.class, owner, FX.permit(q3), q3.payload());
  }

  @Test
  void imaginaryPartsNeverReachTheWeights() {
    // A deviating user puts four more images in the imaginary parts of its slots, hoping the
    // network computes on them too (at complex points). The owner keeps only real parts after
    // the first layer: the answer is the real images'. With the projection switched off
    // (test-only), the squares mix the imaginary parts into the real ones.
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
    HeResult res = USER.decrypt(q, owner(null).answer(first));
    double bound = BATCH.plan().estimatedError();
    FloatInference fi = new FloatInference(Shared.MODEL);
    for (int b = 0; b < 4; b++) {
      double[] want = fi.logits(re[b]);
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], res.logits(b)[j], bound, "image " + b + " logit " + j);
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
    assertTrue(gap > 10 * bound, "without the projection the imaginary images change the "
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
