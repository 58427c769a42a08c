package dev.oml.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackends;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The licensee facade in the HE mode against an owner node serving an HE model, at the 128-bit
 * parameters the owner's services use (the facade offers no INSECURE plans): answers agree with
 * the float model within the plan's precision, and the HE session (plan and keys) is opened once
 * for several calls. Slow (pure-Java HE at N = 16384).
 */
@Tag("slow")
class OmlLicenseeHeTest {
  @TempDir Path dir;

  @Test
  void heQueriesThroughTheFacadeAgreeWithTheFloatModelAndReuseTheSession() {
    SecureRandom rng = new SecureRandom();
    SigningKeyPair key = SigningKeyPair.generate(rng);
    Path ownerDir = dir.resolve("owner");
    OwnerHome home = OwnerHome.init(ownerDir, rng);
    Model model = TinyModels.squareNet(FacadeFixtures.FORMAT);
    Omlization o = Omlizer.omlize(model, home.ownerPublicKey(), key.publicKey(), rng);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    Random r = new Random(5);
    List<double[]> xs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      xs.add(TinyModels.input(r, 4));
    }
    FloatInference reference = new FloatInference(model);
    try (OwnerNode node = OwnerNode.start(OwnerNodeConfig.builder(ownerDir).port(0)
            .heModel(model).heBackend(HeBackends.pureJava()).calibration(xs.toArray(new double[0][])).build());
        OmlLicensee licensee = OmlLicensee.builder().owner(node.address())
            .ownerCertificate(node.certificate()).artifact(o.artifact()).licenseeKey(key)
            .heBackend(HeBackends.pureJava()).build()) {
      assertEquals(List.of("permit", "he-inference"), node.services());
      List<Prediction> ps = licensee.inferAll(InferenceMode.HOMOMORPHIC, xs.subList(0, 2));
      long keys = licensee.traffic().heSessionBytes();
      CallRecord first = licensee.lastCall().orElseThrow();
      CallRecord.HeSession session = licensee.heSessionRecord().orElseThrow();
      assertEquals(session, first.heSession(), "the first call opened the session");
      assertEquals(keys, session.bytes());
      assertTrue(session.keygenNanos() > 0 && session.keygenNanos() < session.totalNanos(), session.toString());
      assertTrue(session.sessionKeyBytes() > 0 && session.sessionKeyBytes() < session.bytes(), session.toString());
      assertEquals(4, session.flights(), "challenge, signed request, plan, keys");
      ps = new ArrayList<>(ps);
      ps.add(licensee.infer(InferenceMode.HOMOMORPHIC, xs.get(2)));
      assertEquals(keys, licensee.traffic().heSessionBytes(), "the session was opened once");
      CallRecord second = licensee.lastCall().orElseThrow();
      assertEquals(null, second.heSession(), "the second call reused the session");
      long bytes = session.bytes();
      for (CallRecord.HeQuery q : List.of(first.heQueries().get(0), second.heQueries().get(0))) {
        assertEquals(2, q.flights(), "query out, answer back");
        long phases = q.encryptNanos() + q.permitNanos() + q.sendNanos() + q.ownerNanos() + q.decryptNanos();
        assertTrue(q.encryptNanos() > 0 && q.permitNanos() > 0 && q.ownerNanos() > 0
            && q.decryptNanos() > 0 && phases <= q.totalNanos(), q.toString());
        bytes += q.bytes();
      }
      assertEquals(List.of(2, 1), List.of(first.heQueries().get(0).images(), second.heQueries().get(0).images()));
      assertEquals(licensee.traffic().bytes(), bytes, "the records add up to the handle's traffic");
      double tolerance = Math.pow(2, -dev.oml.service.modes.ModeServices.HE_PRECISION_BITS);
      for (int i = 0; i < xs.size(); i++) {
        double[] want = reference.logits(xs.get(i));
        double[] got = ps.get(i).logits();
        for (int k = 0; k < want.length; k++) {
          assertTrue(Math.abs(want[k] - got[k]) <= tolerance, i + "/" + k + ": " + want[k] + " vs " + got[k]);
        }
      }
    }
  }
}
