package dev.oml.mpc.testkit;

import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.mpc.inference.InferenceResult;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.TwoPartyUser;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Owner and user of one OMLized model driven as local steps in one thread, recording every
 * message: what tests use to look at transcripts, tamper with messages and count charges.
 */
public final class LocalRun {
  public final SecureRandom rng = new SecureRandom();
  public final Clock clock = Clock.systemUTC();
  public final Model model;
  public final SigningKeyPair ownerKey = SigningKeyPair.generate(rng);
  public final SigningKeyPair licensee = SigningKeyPair.generate(rng);
  public final SigningKeyPair stranger = SigningKeyPair.generate(rng);
  public final Omlization oml;
  public final PermissionPolicy policy;
  public final PermissionIssuer issuer;
  public final InMemoryLedger ledger;
  public final PermissionGate gate;
  public final TwoPartyParameters params;
  public final TwoPartyOwner owner;
  public final TwoPartyUser user;
  public final FixedPointInference reference;

  /** Every message of the last bundle, in order. */
  public final List<byte[]> offline = new ArrayList<>();
  public final List<byte[]> online = new ArrayList<>();

  public LocalRun(Model model, TwoPartyParameters params, OutputPolicy outputPolicy, long quota) {
    this.model = model;
    this.params = params;
    oml = Omlizer.omlize(model, ownerKey.publicKey(), licensee.publicKey(), rng);
    policy = PermissionPolicy.builder().licensee(licensee.publicKey(), quota)
        .model(oml.keyShare()).validity(Duration.ofMinutes(10)).build();
    issuer = new PermissionIssuer(ownerKey, policy, clock, rng);
    ledger = new InMemoryLedger(policy::quotaOf);
    gate = new PermissionGate(new PermissionVerifier(ownerKey.publicKey(), policy, clock), ledger);
    owner = new TwoPartyOwner(oml.keyShare(), gate, params, outputPolicy, rng);
    user = new TwoPartyUser(oml.artifact(), licensee, params, owner.policy(), rng);
    reference = new FixedPointInference(QuantizedModel.of(model));
  }

  public PermissionToken permit(int n, Binding b) {
    return issuer.issue(PermitRequest.create(licensee, oml.artifact().modelId(),
        InferenceMode.TWO_PARTY, n, b, clock.instant()));
  }

  public long charged() {
    return ledger.charged(licensee.keyId());
  }

  /** Runs the offline phase of a bundle of {@code n}; returns the bundle. */
  public PreparedBundle prepare(TwoPartyOwner.Session session, int n) {
    offline.clear();
    TwoPartyUser.Preparation p = user.beginPrepare(n);
    byte[] f1 = p.firstMessage(permit(n, p.binding()));
    byte[] f2 = session.onFirstMessage(f1);
    byte[] f3 = p.onReply(f2);
    byte[] f4 = session.onOfflineFinish(f3);
    offline.addAll(List.of(f1, f2, f3, f4));
    return p.finish(f4);
  }

  /** Runs one query on an encoded input. */
  public InferenceResult infer(TwoPartyOwner.Session session, PreparedBundle bundle, long[] x) {
    online.clear();
    TwoPartyUser.Query q = user.start(bundle, x);
    while (!q.done()) {
      byte[] m = q.message();
      byte[] r = session.onStep(m);
      online.add(m);
      online.add(r);
      q.onReply(r);
    }
    return q.result();
  }

  public long[] encode(double[] x) {
    return reference.encodeInput(x);
  }
}
