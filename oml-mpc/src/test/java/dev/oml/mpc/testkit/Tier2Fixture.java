package dev.oml.mpc.testkit;

import dev.oml.core.field.PrimeField;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.he.BfvEncoding;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2Owner;
import dev.oml.mpc.tier2.Tier2User;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/**
 * One model OMLized into the field for one licensee, with its owner key, policy, issuer,
 * in-memory ledger and gate, the served owner ({@link PermittedTier2Owner}) and the licensee
 * ({@link Tier2User}), both on INSECURE small HE parameters so service tests stay fast; the
 * oracle is the field reference of the unshared model.
 */
public final class Tier2Fixture {
  /** INSECURE: N = 512 keeps tests fast; same plain modulus and chain shape as the standard. */
  public static final HeParameters INSECURE_HE = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();
  /** The offline HE step on {@link #INSECURE_HE}. */
  public static final OfflineHe INSECURE_OFFLINE = new OfflineHe(INSECURE_HE, 40);

  public final SecureRandom rng = new SecureRandom();
  public final Clock clock;
  public final Model model;
  public final int f;
  public final SigningKeyPair ownerKey = SigningKeyPair.generate(rng);
  public final SigningKeyPair licensee = SigningKeyPair.generate(rng);
  public final SigningKeyPair stranger = SigningKeyPair.generate(rng);
  public final FieldOmlizer.Result oml;
  public final PermissionPolicy policy;
  public final PermissionIssuer issuer;
  public final InMemoryLedger ledger;
  public final PermissionGate gate;
  public final Tier2Owner protocolOwner;
  public final PermittedTier2Owner owner;
  public final Tier2User user;
  public final FieldFixedPointInference reference;

  /** {@code model} at {@code f} fractional bits, a quota, the owner serving {@code output}. */
  public Tier2Fixture(Model model, int f, OutputPolicy output, long quota) {
    this(model, f, output, quota, PermissionPolicy.DEFAULT_MAX_ABORTS, Clock.systemUTC());
  }

  /** As above, with the policy's abort limit and the clock of the permissions. */
  public Tier2Fixture(Model model, int f, OutputPolicy output, long quota, int maxAborts,
      Clock clock) {
    this.model = model;
    this.f = f;
    this.clock = clock;
    oml = FieldOmlizer.omlize(model, f, ownerKey.publicKey(), licensee.publicKey(), rng);
    policy = PermissionPolicy.builder().licensee(licensee.publicKey(), quota)
        .model(oml.keyShare()).validity(Duration.ofMinutes(10)).maxAborts(maxAborts).build();
    ledger = new InMemoryLedger(policy::quotaOf);
    issuer = new PermissionIssuer(ownerKey, policy, clock, rng, ledger::charged,
        who -> ledger.aborts(who).count());
    gate = new PermissionGate(new PermissionVerifier(ownerKey.publicKey(), policy, clock), ledger);
    protocolOwner = new Tier2Owner(oml.keyShare(), SecretAccess.get(), INSECURE_OFFLINE, rng);
    owner = new PermittedTier2Owner(protocolOwner, oml.keyShare().modelId(), gate, output);
    user = new Tier2User(oml.artifact(), INSECURE_OFFLINE, rng);
    reference = new FieldFixedPointInference(FieldQuantizedModel.of(model, f));
  }

  /** Fractional bits of {@link #tiny}. */
  public static final int TINY_F = 12;

  /** The small tier-2 test model: Dense 8-6-4-3 with two hidden ReLU layers. */
  public static Tier2Fixture tiny(OutputPolicy output, long quota) {
    return new Tier2Fixture(TinyModels.mlp(
        dev.oml.core.fixedpoint.FixedPointFormat.of(40, TINY_F), 7, output == OutputPolicy.LABEL),
        TINY_F, output, quota);
  }

  /** A permission from the issuer for {@code n} two-party inferences bound to {@code b}. */
  public PermissionToken permit(int n, Binding b) {
    return issuer.issue(PermitRequest.create(licensee, oml.artifact().modelId(),
        InferenceMode.TWO_PARTY, n, b, clock.instant()));
  }

  /** Inferences charged to the licensee so far. */
  public long charged() {
    return ledger.charged(licensee.keyId());
  }

  /** The reference logits (field elements) of {@code x}. */
  public long[] referenceLogits(double[] x) {
    return reference.logits(reference.encodeInput(x));
  }
}
