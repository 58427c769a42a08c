package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.model.Model;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FloatInference;
import dev.oml.he.HeBackends;

/** Scratch figures while tuning (run as a main). */
public final class HeExplore {
  public static void main(String[] args) {
    int n = Integer.parseInt(args[0]);
    int kappa = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    HeFixture fx = new HeFixture(1_000_000);
    Model m = HeFixture.model("he-network.omlm");
    Dataset d = HeFixture.subset();
    HePlanOptions.Builder ob = HePlanOptions.builder().kappa(kappa).answerPrecisionBits(Integer.parseInt(args[3]))
        .calibration(HeFixture.images(d, 0, 200));
    if (n != 16384) {
      ob.insecureRingForTesting(n);
    }
    if (kappa == 0) {
      ob.withoutFloodingForMeasurement();
    }
    long t0 = System.nanoTime();
    HeCompiledModel cm = HeCompiledModel.compile(m, fx.modelId, HeBackends.pureJava(), ob.build());
    System.out.println(cm.plan() + " compile ms " + (System.nanoTime() - t0) / 1e6 + " rotations " + cm.rotationsPerCiphertext());
    t0 = System.nanoTime();
    HeUserSession u = HeUserSession.openInsecureForTesting(HeBackends.pureJava(), cm.plan().encode());
    System.out.println("keys ms " + (System.nanoTime() - t0) / 1e6 + " bytes " + u.sessionKeys().length);
    HeOwnerSession o = new HeOwnerSession(cm, fx.gate);
    o.acceptKeys(u.sessionKeys());
    FloatInference fi = new FloatInference(m);
    double[][] imgs = HeFixture.images(d, 0, count);
    for (int rep = 0; rep < 2; rep++) {
      HeQuery q = u.encrypt(imgs);
      byte[] first = PermittedQuery.create(fx.licensee, fx.permit(q), q.payload()).encode();
      t0 = System.nanoTime();
      byte[] ans = o.answer(first);
      double ms = (System.nanoTime() - t0) / 1e6;
      HeResult r = u.decrypt(q, ans);
      double maxErr = 0;
      int agree = 0;
      for (int i = 0; i < count; i++) {
        double[] want = fi.logits(imgs[i]);
        for (int j = 0; j < want.length; j++) {
          maxErr = Math.max(maxErr, Math.abs(want[j] - r.logits(i)[j]));
        }
        agree += r.label(i) == FloatInference.argmax(want) ? 1 : 0;
      }
      System.out.printf("answer ms %.0f query bytes %d answer bytes %d maxErr %.3g agree %d/%d%n", ms, first.length, ans.length, maxErr, agree, count);
    }
  }
}
