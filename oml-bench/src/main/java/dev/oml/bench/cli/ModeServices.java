package dev.oml.bench.cli;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.OwnerKeyShare;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.server.OwnerHome;
import dev.oml.core.server.OwnerService;
import dev.oml.core.server.PermissionGate;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeInferenceService;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyInferenceService;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.UnsupportedLayerException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The inference services of both modes, built from an owner directory: a two-party service over
 * every key share whose model the 2PC mode can run, and an HE service for each model file the
 * owner holds in the clear whose name matches a key share (the HE service must hold the weights;
 * the permission's model id is that share's).
 */
final class ModeServices {
  /** The HE mode's flooding parameter at 128-bit parameters (see docs/SECURITY.md). */
  static final int HE_KAPPA = 6;
  /** Absolute precision 2^-bits of the HE answer's logits. */
  static final int HE_PRECISION_BITS = 4;

  private ModeServices() {}

  static List<OwnerService> forOwner(OwnerHome home, PermissionPolicy policy, PermissionLedger ledger,
      List<Model> heModels) {
    PermissionGate gate = new PermissionGate(
        new PermissionVerifier(home.ownerPublicKey(), policy, Clock.systemUTC()), ledger);
    SecureRandom rng = new SecureRandom();
    List<TwoPartyOwner> owners = new ArrayList<>();
    List<OwnerService> out = new ArrayList<>();
    for (OwnerKeyShare share : home.keyShares(SecretAccess.get())) {
      Model arch = share.manifest().architecture();
      try {
        owners.add(new TwoPartyOwner(share, gate, TwoPartyParameters.standard(arch.format()),
            OutputPolicy.LOGITS, rng));
      } catch (UnsupportedLayerException e) {
        // a model the 2PC mode cannot run (square activations) is served by HE only
      }
      for (Model m : heModels) {
        if (m.name().equals(arch.name())) {
          out.add(new HeInferenceService(HeCompiledModel.compile(m, share.modelId(), HeModes.backend(),
              HePlanOptions.builder().kappa(HE_KAPPA).answerPrecisionBits(HE_PRECISION_BITS)
                  .calibration(calibration()).build()), gate));
        }
      }
    }
    if (!owners.isEmpty()) {
      out.add(0, new TwoPartyInferenceService(owners));
    }
    if (out.stream().filter(s -> s.name().equals(HeInferenceService.NAME)).count() > 1) {
      throw new dev.oml.core.OmlException("one owner server hosts one HE model; pass one --he-model");
    }
    return out;
  }

  /** Inputs that bound the HE noise estimate: the first 200 images of the shipped subset. */
  static double[][] calibration() {
    Dataset cal = FashionMnist.test(Console.subsetDir()).limit(200);
    double[][] c = new double[cal.size()][];
    for (int i = 0; i < c.length; i++) {
      c[i] = cal.image(i);
    }
    return c;
  }
}
