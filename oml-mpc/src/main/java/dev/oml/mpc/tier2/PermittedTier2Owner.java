package dev.oml.mpc.tier2;

import dev.oml.core.OmlException;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.AbortRecorder;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.ot.KosCheckFailedException;
import java.util.Objects;

/**
 * The owner's served tier-2 bundle: a {@link Tier2Owner} behind the permission gate. A bundle
 * starts with a {@link PermittedQuery} whose payload is a {@link Tier2Messages.BundleRequest};
 * the gate verifies the permission (signature, model, licensee proof, binding to this payload,
 * expiry, replay) and charges its inferences before anything else is read or computed. Then the
 * offline phase and up to the permitted number of queries run over the channel.
 *
 * <p>Every failure after admission is one abort of the licensee, recorded in the ledger before
 * it propagates (the owner's policy may suspend a licensee after a number of aborts): a failed
 * MAC check or OT-extension consistency check ({@link AbortReason#CHECK_FAILED}), a malformed, replayed or out-of-order message
 * ({@link AbortReason#MALFORMED_MESSAGE}), or a hang-up in the middle of the offline phase or of
 * a query ({@link AbortReason#PEER_HUNG_UP}). A hang-up between queries is the licensee's normal
 * way to end a bundle early and is not an abort; the unused queries stay charged.
 */
public final class PermittedTier2Owner {
  private final Tier2Owner owner;
  private final ModelId model;
  private final PermissionGate gate;
  private final OutputPolicy policy;

  /**
   * Serves {@code owner}'s model ({@code model}, the id of the key share it was built from) to
   * permitted bundles, revealing at most {@code policy}: a bundle may ask for
   * {@link OutputPolicy#LABEL} where the owner serves logits, never for more than the owner
   * serves.
   */
  public PermittedTier2Owner(Tier2Owner owner, ModelId model, PermissionGate gate,
      OutputPolicy policy) {
    this.owner = Objects.requireNonNull(owner, "owner");
    this.model = Objects.requireNonNull(model, "model");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /** The model id this owner serves. */
  public ModelId modelId() {
    return model;
  }

  /** The most this owner reveals per query. */
  public OutputPolicy policy() {
    return policy;
  }

  /**
   * Serves one bundle whose first message, {@code first}, was already read from {@code
   * channel}. The channel is not closed here (an owner server sends the reason of a failure
   * first, then closes it).
   *
   * @throws dev.oml.core.permission.PermissionException if the permission is refused (typed; no
   *     abort: nothing was charged)
   * @throws dev.oml.core.ledger.PermissionReplayedException if it was spent before
   * @throws dev.oml.core.ledger.QuotaExceededException if the quota does not cover it
   * @throws MacCheckFailedException if a query's MAC check failed (the owner released nothing of
   *     that query; the bundle ends; recorded as an abort)
   * @throws ProtocolAbortException if a message is malformed, replayed or out of order, or the
   *     licensee hung up in the middle of a step (the bundle ends; recorded as an abort)
   */
  public void serve(Channel channel, byte[] first) {
    Objects.requireNonNull(channel, "channel");
    PermittedQuery pq = PermittedQuery.decode(first);
    SpendReceipt receipt = gate.admit(pq, model, InferenceMode.TWO_PARTY);
    AbortRecorder aborts = gate.abortRecorder(receipt);
    Watched ch = new Watched(channel);
    try {
      Tier2Messages.BundleRequest req = Tier2Messages.BundleRequest.decode(pq.payload());
      if (!req.model().equals(model)) {
        throw new ProtocolAbortException("tier-2 bundle request: the bundle is for another model");
      }
      if (req.queries() != receipt.permission().inferences()) {
        throw new ProtocolAbortException("tier-2 bundle request: " + req.queries()
            + " queries, but the permission is for " + receipt.permission().inferences());
      }
      if (policy == OutputPolicy.LABEL && req.policy() != OutputPolicy.LABEL) {
        throw new ProtocolAbortException("tier-2 bundle request: the owner serves output policy"
            + " LABEL for this model; the licensee asked for " + req.policy());
      }
      Tier2Owner.Bundle bundle = owner.offline(ch, req.queries(), req.policy());
      while (bundle.remaining() > 0) {
        byte[] opening;
        try {
          opening = ch.receive();
        } catch (ProtocolAbortException e) {
          if (ch.failed) {
            return; // the licensee ended the bundle between queries: not an abort
          }
          throw e;
        }
        serveQuery(bundle, ch, opening);
      }
    } catch (MacCheckFailedException | KosCheckFailedException e) {
      aborts.record(AbortReason.CHECK_FAILED);
      throw e;
    } catch (OmlException e) {
      aborts.record(ch.failed ? AbortReason.PEER_HUNG_UP : AbortReason.MALFORMED_MESSAGE);
      throw e;
    }
  }

  private static void serveQuery(Tier2Owner.Bundle bundle, Channel ch, byte[] opening) {
    Tier2Owner.Bundle.LayerStep step = bundle.start();
    byte[] o = opening;
    while (true) {
      Tier2Owner.Bundle.LayerAnswer a = step.answer(o, ch.receive());
      ch.send(a.inputLabels());
      if (a.last()) {
        Tier2Owner.Bundle.CheckStep check = a.check();
        ch.send(check.challenge());
        Tier2Owner.Verdict v = check.verify(ch.receive());
        ch.send(v.release());
        v.requireAccepted();
        return;
      }
      step = a.next();
      o = ch.receive();
    }
  }

  /**
   * The channel as the protocol sees it: a failure of the channel itself (hang-up, deadline) is
   * noted, to tell it from a malformed message, and closing is left to the caller.
   */
  private static final class Watched extends ForwardingChannel {
    boolean failed;

    Watched(Channel inner) {
      super(inner);
    }

    @Override
    public void send(byte[] message) {
      try {
        super.send(message);
      } catch (RuntimeException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public byte[] receive() {
      try {
        return super.receive();
      } catch (RuntimeException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public byte[] receive(int maxBytes) {
      try {
        return super.receive(maxBytes);
      } catch (RuntimeException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public void close() {
      // the caller closes the channel after sending the reason of a failure
    }
  }
}
