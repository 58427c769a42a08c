package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.model.Model;
import dev.oml.he.HeBackends;

/**
 * One compiled HE network at an INSECURE N = 4096 ring (2 images per ciphertext), one user
 * session and one owner fixture, shared by the fast tests so that keys are generated once.
 */
final class Shared {
  static final HeFixture FX = new HeFixture(1_000_000);
  static final Model MODEL = HeFixture.model("he-network.omlm");
  static final Dataset DATA = HeFixture.subset();
  static final HeCompiledModel COMPILED = HeCompiledModel.compile(MODEL, FX.modelId,
      HeBackends.pureJava(), HePlanOptions.builder().kappa(6).answerPrecisionBits(4)
          .insecureRingForTesting(4096).calibration(HeFixture.images(DATA, 0, 200)).build());
  static final HeUserSession USER = HeUserSession.openInsecureForTesting(HeBackends.pureJava(),
      COMPILED.plan().encode());

  private Shared() {}

  /** A fresh owner session that has accepted the shared user's keys. */
  static HeOwnerSession owner() {
    HeOwnerSession o = new HeOwnerSession(COMPILED, FX.gate);
    o.acceptKeys(USER.sessionKeys());
    return o;
  }
}
