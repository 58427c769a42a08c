package dev.oml.service.modes;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.OwnerKeyShare;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.he.HeBackend;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.UnsupportedLayerException;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerService;
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
public final class ModeServices {
  /** The HE mode's flooding parameter at 128-bit parameters (see docs/SECURITY.md). */
  public static final int HE_KAPPA = 6;
  /** Absolute precision 2^-bits of the HE answer's logits. */
  public static final int HE_PRECISION_BITS = 4;

  private ModeServices() {}

  /**
   * Builds the services.
   *
   * @param heModels the models the owner serves in the HE mode, in the clear
   * @param heBackend the HE backend that evaluates them
   * @param calibration inputs that bound the HE noise estimate (typical images of the data set)
   * @throws OmlException if more than one HE model matches a key share
   */
  public static List<OwnerService> forOwner(OwnerHome home, PermissionPolicy policy,
      PermissionLedger ledger, List<Model> heModels, HeBackend heBackend, double[][] calibration) {
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
          out.add(new HeInferenceService(HeCompiledModel.compile(m, share.modelId(), heBackend,
              HePlanOptions.builder().kappa(HE_KAPPA).answerPrecisionBits(HE_PRECISION_BITS)
                  .calibration(calibration).build()), gate));
        }
      }
    }
    if (!owners.isEmpty()) {
      out.add(0, new TwoPartyInferenceService(owners));
    }
    if (out.stream().filter(s -> s.name().equals(HeInferenceService.NAME)).count() > 1) {
      throw new OmlException("one owner server hosts one HE model; pass one --he-model");
    }
    return out;
  }
}
