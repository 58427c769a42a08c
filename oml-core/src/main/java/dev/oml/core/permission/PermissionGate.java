package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortRecorder;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionUse;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.VerifiedPermission;

/**
 * Where every owner-side query enters: verifies the permission of a {@link PermittedQuery}
 * against what the owner is about to do, then spends it in the ledger, atomically and before any
 * work that depends on the query. Only the returned {@link SpendReceipt} (which holds the
 * {@link VerifiedPermission}) lets a mode service go on; the number of inferences it may serve is
 * the permission's, which the service must enforce (HE: zero every slot beyond {@code n} images;
 * 2PC: prepare at most {@code n} queries). A licensee that the policy suspends for its aborted
 * queries ({@link PermissionPolicy#maxAborts()}) is refused here, after verification (so the
 * refusal goes to the authenticated licensee only) and before the spend (so nothing is charged).
 * A session that aborts after admission reports it through {@link #abortRecorder}.
 *
 * <p>The suspension check reads the ledger's abort count before the spend, not atomically with
 * it: a licensee that runs several bundles at once can go over the limit by the number of
 * bundles it has in flight when the limit is reached, never further.
 */
public final class PermissionGate {
  private final PermissionVerifier verifier;
  private final PermissionLedger ledger;
  // Test-only: the attack tests switch the suspension off to show a licensee going on past the
  // limit. Package-private and never set by production code.
  boolean suspensionEnforced = true;

  public PermissionGate(PermissionVerifier verifier, PermissionLedger ledger) {
    this.verifier = verifier;
    this.ledger = ledger;
  }

  /**
   * Verifies and spends.
   *
   * @param model the model whose key share (or weights) the owner will compute with
   * @param mode the mode of this service
   * @throws dev.oml.core.permission.PermissionException if the permission is forged, altered,
   *     for another model, mode, licensee or message, expired, or without the licensee's proof
   * @throws dev.oml.core.ledger.PermissionReplayedException if it was spent before
   * @throws dev.oml.core.ledger.QuotaExceededException if the licensee's quota does not cover it
   * @throws LicenseeSuspendedException if the licensee has as many aborts as the policy allows
   *     (nothing is charged)
   */
  public SpendReceipt admit(PermittedQuery query, ModelId model, InferenceMode mode) {
    // a view, not a copy: an HE batch query's payload is hundreds of MB
    java.nio.ByteBuffer payload = query.payloadView();
    // n is read from the (still unverified) claims: verification then checks every field of the
    // claims, n included, against this use, so a changed n breaks the owner's signature.
    int n = query.token().unverifiedClaims().inferences();
    PermissionUse use = new PermissionUse(model, mode, n, Binding.ofFirstMessage(payload),
        PermittedQuery.transcriptHash(payload));
    VerifiedPermission v = verifier.verify(query.token(), query.proof(), use);
    PermissionPolicy policy = verifier.policy();
    if (suspensionEnforced) {
      long aborts = ledger.aborts(v.licensee()).count();
      if (policy.suspends(aborts)) {
        throw new LicenseeSuspendedException(v.licensee(), aborts, policy.maxAborts());
      }
    }
    return ledger.spend(v);
  }

  /**
   * Checks that {@code licensee} may open a session on {@code model} in {@code mode} and that {@code signature}
   * is its signature over {@code signed} (a server's fresh challenge): what a mode service asks
   * before it does any costly work for a connection, as {@link
   * PermissionVerifier#authenticateLicensee}. Spends nothing.
   */
  public void authenticateLicensee(KeyId licensee, ModelId model, InferenceMode mode,
      byte[] signed, byte[] signature) {
    verifier.authenticateLicensee(licensee, model, mode, signed, signature);
  }

  /**
   * The recorder a session calls when the bundle that {@code receipt} admitted aborts; see
   * {@link AbortRecorder}.
   */
  public AbortRecorder abortRecorder(SpendReceipt receipt) {
    return AbortRecorder.of(ledger, receipt);
  }

  public PermissionLedger ledger() {
    return ledger;
  }
}
