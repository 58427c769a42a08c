package dev.oml.service.modes;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldKeyShare;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.omlize.OmlKeyShare;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.he.HeBackend;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.UnsupportedLayerException;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2Owner;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerService;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    OfflineHe offlineHe = null;
    List<PermittedTier2Owner> owners = new ArrayList<>();
    Map<ModelId, String> notServed = new HashMap<>();
    List<OwnerService> out = new ArrayList<>();
    for (OmlKeyShare share : home.keyShares(SecretAccess.get())) {
      Model arch = share.description().architecture();
      if (share instanceof FieldKeyShare v2) {
        try {
          if (offlineHe == null) {
            offlineHe = OfflineHe.standard();
          }
          owners.add(new PermittedTier2Owner(new Tier2Owner(v2, SecretAccess.get(), offlineHe, rng),
              v2.modelId(), gate, OutputPolicy.LOGITS));
        } catch (UnsupportedLayerException e) {
          notServed.put(share.modelId(), "the two-party mode cannot run model " + share.modelId()
              + ": " + e.getMessage());
        }
      } else {
        notServed.put(share.modelId(), "model " + share.modelId() + " has a version-1 key share,"
            + " which the two-party mode no longer serves (tier 1 did not hold against a licensee"
            + " who modifies its client); the owner must OMLize it again (format version 2)");
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
      out.add(0, new TwoPartyInferenceService(owners, notServed));
    }
    if (out.stream().filter(s -> s.name().equals(HeInferenceService.NAME)).count() > 1) {
      throw new OmlException("one owner server hosts one HE model; pass one --he-model");
    }
    return out;
  }
}
