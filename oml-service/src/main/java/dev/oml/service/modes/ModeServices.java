package dev.oml.service.modes;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.omlize.FieldKeyShare;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.omlize.OmlKeyShare;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.he.HeBackend;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HePacking;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.UnsupportedLayerException;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2Owner;
import dev.oml.service.InvalidConfigException;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerService;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The inference services of both modes, built from an owner directory: a two-party service over
 * every key share whose model the 2PC mode can run, and one HE service for every network the
 * owner serves in the clear ({@link HeServedModel}), paired with key shares by content hash: a
 * share is served in the HE mode when the {@link ModelContentHash} it records is that of a served
 * network. Each network is compiled once per packing it is served in, with the plan the owner set
 * for it, and shared by all licensees of it (the plans differ in the model id alone); the
 * permission's model id is the share's. A served network that matches no key share, differs from the network a share of its
 * name was made from, or can only be matched by name (a share written before shares recorded the
 * hash) stops the start with {@link HeModelMismatchException}.
 */
public final class ModeServices {
  /** The HE mode's default flooding parameter at 128-bit parameters (see docs/SECURITY.md). */
  public static final int HE_KAPPA = 6;
  /** Default absolute precision 2^-bits of the HE answer's logits. */
  public static final int HE_PRECISION_BITS = 4;

  private ModeServices() {}

  /**
   * Builds the services.
   *
   * @param heModels the networks the owner serves in the HE mode, in the clear, with their plans
   * @param heBackend the HE backend that evaluates them
   * @param calibration inputs that bound the HE noise estimate (typical images of the data set)
   * @throws HeModelMismatchException if an HE model cannot be paired with a key share
   * @throws dev.oml.service.InvalidConfigException if a network is given twice
   */
  public static List<OwnerService> forOwner(OwnerHome home, PermissionPolicy policy,
      PermissionLedger ledger, List<HeServedModel> heModels, HeBackend heBackend,
      double[][] calibration) {
    PermissionGate gate = new PermissionGate(
        new PermissionVerifier(home.ownerPublicKey(), policy, Clock.systemUTC()), ledger);
    SecureRandom rng = new SecureRandom();
    OfflineHe offlineHe = null;
    List<PermittedTier2Owner> owners = new ArrayList<>();
    Map<ModelId, String> notServed = new HashMap<>();
    List<OwnerService> out = new ArrayList<>();
    List<OmlKeyShare> shares = home.keyShares(SecretAccess.get());
    for (OmlKeyShare share : shares) {
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
    }
    if (!owners.isEmpty()) {
      out.add(new TwoPartyInferenceService(owners, notServed));
    }
    Map<ModelId, List<HeCompiledModel>> he = compileHe(shares, heModels, heBackend, calibration);
    if (!he.isEmpty()) {
      out.add(new HeInferenceService(he.values().stream().flatMap(List::stream).toList(), gate));
    }
    return out;
  }

  /**
   * Pairs the served networks with key shares by content hash and compiles each network once.
   *
   * @return the compiled plans of every key share served in the HE mode, by model id: one per
   *     packing the owner serves its network in (the rows plan first)
   */
  static Map<ModelId, List<HeCompiledModel>> compileHe(List<OmlKeyShare> shares,
      List<HeServedModel> served, HeBackend backend, double[][] calibration) {
    return compileHe(shares, served, backend, calibration, false);
  }

  /**
   * With {@code pairByNameForTesting}, the check off: shares are paired with served networks by
   * name alone, as before shares recorded content hashes (the attack test's switch).
   */
  static Map<ModelId, List<HeCompiledModel>> compileHe(List<OmlKeyShare> shares,
      List<HeServedModel> served, HeBackend backend, double[][] calibration,
      boolean pairByNameForTesting) {
    if (pairByNameForTesting) {
      Map<ModelId, List<HeCompiledModel>> out = new LinkedHashMap<>();
      for (HeServedModel s : served) {
        for (OmlKeyShare share : shares) {
          if (share.description().architecture().name().equals(s.model().name())) {
            List<HeCompiledModel> plans = new ArrayList<>();
            for (HePacking p : s.packing().packings()) {
              plans.add(HeCompiledModel.compile(s.model(), share.modelId(), backend,
                  s.options(calibration, p)));
            }
            out.put(share.modelId(), List.copyOf(plans));
          }
        }
      }
      return out;
    }
    Map<ModelContentHash, HeServedModel> byHash = new LinkedHashMap<>();
    for (HeServedModel s : served) {
      if (byHash.putIfAbsent(s.contentHash(), s) != null) {
        throw new InvalidConfigException("the HE model '" + s.model().name() + "' is given twice"
            + " (same content); give each network once, with its plan options");
      }
    }
    Map<ModelContentHash, List<ModelId>> ids = new LinkedHashMap<>();
    for (OmlKeyShare share : shares) {
      Optional<ModelContentHash> h = share.modelContentHash();
      if (h.isPresent()) {
        if (byHash.containsKey(h.get())) {
          ids.computeIfAbsent(h.get(), k -> new ArrayList<>()).add(share.modelId());
        }
        continue;
      }
      String name = share.description().architecture().name();
      for (HeServedModel s : served) {
        if (s.model().name().equals(name)) {
          throw new HeModelMismatchException("the key share of model " + share.modelId().hex()
              + " was written before key shares recorded the content hash of their network, so"
              + " the HE model '" + name + "' cannot be checked against it; OMLize the model"
              + " again for this licensee to serve it in the HE mode");
        }
      }
    }
    for (HeServedModel s : served) {
      ModelContentHash h = s.contentHash();
      if (ids.containsKey(h)) {
        continue;
      }
      String name = s.model().name();
      Optional<OmlKeyShare> sameName = shares.stream()
          .filter(x -> x.description().architecture().name().equals(name)).findFirst();
      if (sameName.isPresent()) {
        throw new HeModelMismatchException("the HE model '" + name + "' (content " + h
            + ") is not the network the key share of model " + sameName.get().modelId().hex()
            + " was made from (content " + sameName.get().modelContentHash().map(Object::toString)
                .orElse("unknown") + "); serve the model file that was OMLized");
      }
      throw new HeModelMismatchException("the HE model '" + name + "' (content " + h
          + ") matches no key share in the owner directory; OMLize it for a licensee first");
    }
    Map<ModelId, List<HeCompiledModel>> out = new LinkedHashMap<>();
    for (Map.Entry<ModelContentHash, List<ModelId>> e : ids.entrySet()) {
      HeServedModel s = byHash.get(e.getKey());
      for (HePacking p : s.packing().packings()) {
        HeCompiledModel base = HeCompiledModel.compile(s.model(), e.getValue().get(0), backend,
            s.options(calibration, p));
        for (ModelId id : e.getValue()) {
          out.computeIfAbsent(id, k -> new ArrayList<>()).add(base.forModel(id));
        }
      }
    }
    out.replaceAll((id, plans) -> List.copyOf(plans));
    return out;
  }
}
