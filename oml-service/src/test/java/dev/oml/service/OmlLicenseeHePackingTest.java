package dev.oml.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.HeInferencePlan;
import dev.oml.he.inference.HeModelNotServedException;
import dev.oml.he.inference.HePacking;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.modes.HePackingPolicy;
import dev.oml.service.modes.HeServedModel;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The licensee facade's choice of HE packing against an owner node, at an INSECURE N = 1024 ring
 * with a small square network: where the owner serves both packings a call of up to {@link
 * HePacking#DEFAULT_BATCH_CROSSOVER} images uses the rows plan and a larger one the batch plan,
 * each plan's session (the batch one without rotation keys) opened when first needed and reused;
 * where the owner serves one packing every call uses it, without a second set of keys; a required
 * packing the owner does not serve is refused with the owner's typed error.
 */
class OmlLicenseeHePackingTest {
  private static final SecureRandom RNG = new SecureRandom();
  private static final int CROSSOVER = HePacking.DEFAULT_BATCH_CROSSOVER;
  @TempDir Path dir;

  private static List<double[]> images(int n) {
    Random r = new Random(11);
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(TinyModels.input(r, 4));
    }
    return out;
  }

  /** Calibration inputs; the queries are taken from them, so they lie in the plan's box. */
  private static final List<double[]> POOL = images(2 * CROSSOVER);

  private record Node(OwnerNode node, OmlArtifact artifact, SigningKeyPair key, Model model) {}

  private Node start(String name, HePackingPolicy packing) {
    SigningKeyPair key = SigningKeyPair.generate(RNG);
    Path ownerDir = dir.resolve(name);
    OwnerHome home = OwnerHome.init(ownerDir, RNG);
    try {
      Files.writeString(ownerDir.resolve("policy.properties"),
          "quota=100000\nmax-inferences=1000\nvalidity=PT10M\nmodes=HOMOMORPHIC\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Model model = TinyModels.squareNet(FacadeFixtures.FORMAT);
    Omlization o = Omlizer.omlize(model, home.ownerPublicKey(), key.publicKey(), RNG);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    OmlArtifact artifact = o.artifact();
    OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(ownerDir).port(0)
        .heModel(HeServedModel.of(model).withKappa(2).withPrecisionBits(2)
            .insecureRingForTesting(1024).withPacking(packing))
        .heBackend(HeBackends.pureJava()).calibration(POOL.toArray(new double[0][])).build());
    return new Node(node, artifact, key, model);
  }

  private static OmlLicensee.Builder licensee(Node n) {
    return OmlLicensee.builder().owner(n.node().address())
        .ownerCertificate(n.node().certificatePem()).artifact(n.artifact()).licenseeKey(n.key())
        .heBackend(HeBackends.pureJava()).insecureHeForTesting();
  }

  private static void assertMatchesFloat(Model model, List<double[]> xs, List<Prediction> ps,
      HeInferencePlan plan) {
    FloatInference reference = new FloatInference(model);
    for (int i = 0; i < xs.size(); i++) {
      double[] want = reference.logits(xs.get(i));
      for (int j = 0; j < want.length; j++) {
        assertEquals(want[j], ps.get(i).logits()[j], plan.estimatedError(), i + "/" + j);
      }
    }
  }

  @Test
  void withBothPackingsServedEachCallPicksByItsSize() {
    Node n = start("auto", HePackingPolicy.AUTO);
    try (OwnerNode node = n.node(); OmlLicensee user = licensee(n).build()) {
      List<double[]> small = POOL.subList(0, CROSSOVER);
      List<Prediction> ps = user.inferAll(InferenceMode.HOMOMORPHIC, small);
      HeInferencePlan rows = user.lastHePlan().orElseThrow();
      assertEquals(HePacking.ROWS, rows.packing(), CROSSOVER + " images: the rows packing");
      CallRecord.HeSession rowsSession = user.lastCall().orElseThrow().heSession();
      assertNotNull(rowsSession, "the rows session opened for this call");
      assertMatchesFloat(n.model(), small, ps, rows);

      List<double[]> large = POOL.subList(0, CROSSOVER + 1);
      ps = user.inferAll(InferenceMode.HOMOMORPHIC, large);
      HeInferencePlan batch = user.lastHePlan().orElseThrow();
      assertEquals(HePacking.BATCH, batch.packing(), (CROSSOVER + 1) + " images: the batch packing");
      CallRecord call = user.lastCall().orElseThrow();
      assertNotNull(call.heSession(), "the batch session opened when first needed");
      assertTrue(call.heSession().sessionKeyBytes() < rowsSession.sessionKeyBytes(),
          "the batch plan's keys have no rotation key: " + call.heSession().sessionKeyBytes()
              + " against " + rowsSession.sessionKeyBytes());
      assertEquals(1, call.heQueries().size(), "one batch query");
      assertEquals(CROSSOVER + 1, call.heQueries().get(0).images());
      assertMatchesFloat(n.model(), large, ps, batch);

      long sessionBytes = user.traffic().heSessionBytes();
      user.infer(InferenceMode.HOMOMORPHIC, POOL.get(0));
      assertEquals(HePacking.ROWS, user.lastHePlan().orElseThrow().packing());
      assertNull(user.lastCall().orElseThrow().heSession(), "the rows session is reused");
      user.inferAll(InferenceMode.HOMOMORPHIC, POOL.subList(0, 2 * CROSSOVER));
      assertEquals(HePacking.BATCH, user.lastHePlan().orElseThrow().packing());
      assertNull(user.lastCall().orElseThrow().heSession(), "the batch session is reused");
      assertEquals(sessionBytes, user.traffic().heSessionBytes(), "no session opened again");
    }
    // the caller's crossover: two images already take the batch packing
    Node m = start("auto2", HePackingPolicy.AUTO);
    try (OwnerNode node = m.node(); OmlLicensee user = licensee(m).heBatchCrossover(1).build()) {
      user.inferAll(InferenceMode.HOMOMORPHIC, POOL.subList(0, 2));
      assertEquals(HePacking.BATCH, user.lastHePlan().orElseThrow().packing());
      user.inferAll(InferenceMode.HOMOMORPHIC, POOL.subList(0, 1));
      assertEquals(HePacking.ROWS, user.lastHePlan().orElseThrow().packing());
    }
  }

  @Test
  void anOwnerServingOnePackingFixesItAndARequiredOtherIsRefused() {
    Node b = start("batch", HePackingPolicy.BATCH);
    try (OwnerNode node = b.node(); OmlLicensee user = licensee(b).build()) {
      user.infer(InferenceMode.HOMOMORPHIC, POOL.get(0));
      assertEquals(HePacking.BATCH, user.lastHePlan().orElseThrow().packing(),
          "one image, but the owner serves the batch packing only");
      user.inferAll(InferenceMode.HOMOMORPHIC, POOL.subList(0, 3));
      assertNull(user.lastCall().orElseThrow().heSession());
    }
    Node r = start("rows", HePackingPolicy.ROWS);
    try (OwnerNode node = r.node(); OmlLicensee user = licensee(r).build()) {
      user.infer(InferenceMode.HOMOMORPHIC, POOL.get(0));
      CallRecord.HeSession opened = user.heSessionRecord().orElseThrow();
      long sessionBytes = user.traffic().heSessionBytes();
      List<double[]> large = POOL.subList(0, CROSSOVER + 1);
      List<Prediction> ps = user.inferAll(InferenceMode.HOMOMORPHIC, large);
      HeInferencePlan plan = user.lastHePlan().orElseThrow();
      assertEquals(HePacking.ROWS, plan.packing(), "the owner serves the rows packing only");
      assertNull(user.lastCall().orElseThrow().heSession());
      assertEquals(opened, user.heSessionRecord().orElseThrow(), "no second set of keys");
      long handshake = user.traffic().heSessionBytes() - sessionBytes;
      assertTrue(handshake > 0 && handshake < opened.sessionKeyBytes() / 10,
          "only the challenge, request and plan of the declined offer: " + handshake);
      assertMatchesFloat(r.model(), large, ps, plan);
      try (OmlLicensee strict = licensee(r).hePacking(HePacking.BATCH).build()) {
        HeModelNotServedException e = assertThrows(HeModelNotServedException.class,
            () -> strict.infer(InferenceMode.HOMOMORPHIC, POOL.get(0)));
        assertTrue(e.getMessage().contains("not in the batch packing"), e.getMessage());
      }
    }
    assertThrows(InvalidConfigException.class, () -> licensee(r).heBatchCrossover(-1).build());
  }

  /**
   * A licensee that declines the owner's plan (it has a session of the one packing served open
   * already) is logged by the owner as a declined plan, with the model id and the reason, and
   * counted as declined, not as a failed session.
   */
  @Test
  void aDeclinedPlanIsLoggedAsDeclinedNotAsAFailure() throws Exception {
    Logger log = Logger.getLogger("dev.oml.server");
    List<String> lines = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        lines.add(new SimpleFormatter().formatMessage(r));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(capture);
    Node r = start("declined", HePackingPolicy.ROWS);
    try (OwnerNode node = r.node(); OmlLicensee user = licensee(r).build()) {
      user.infer(InferenceMode.HOMOMORPHIC, POOL.get(0));
      // asks for the batch packing, is offered the rows plan whose session is open: declines it
      user.inferAll(InferenceMode.HOMOMORPHIC, POOL.subList(0, CROSSOVER + 1));
      for (int i = 0; i < 200 && node.stats().declined() == 0; i++) {
        Thread.sleep(25);
      }
      assertEquals(1, node.stats().declined(), node.stats().toString());
      assertEquals(0, node.stats().failed(), node.stats().toString());
      String want = "he-inference declined: the licensee declined the rows plan of model "
          + r.artifact().modelId().hex() + ": it has a session of that packing open already";
      assertTrue(lines.stream().anyMatch(l -> l.endsWith(want)), want + " in " + lines);
      assertTrue(lines.stream().noneMatch(l -> l.contains("failed")), lines.toString());
    } finally {
      log.removeHandler(capture);
    }
  }
}
