package dev.oml.mpc.inference;

import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.omlize.OwnerKeyShare;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.internal.OwnerProtocol;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The owner's side of two-party inference for one licensee's OMLized model. It holds only the
 * owner key share ({@code W_O = PRG(k_O, ...)}) and the permission gate, never the model. Each
 * {@link Session} serves one bundle: its first message passes {@link PermissionGate#admit}
 * (verify, then spend {@code n}) before anything else is parsed or computed; then the offline
 * cross products, garbled circuits and OTs; then up to {@code n} online queries, each checked to
 * be signed by the licensee, in order, each stage once. All material is erased as it is used and
 * when the session ends or fails.
 *
 * <p>Security (tier 1): semi-honest. The owner sees only values masked by the user's fresh
 * randomness, so its view is independent of the user's input; see {@code docs/SECURITY.md} (section "Two-party inference").
 * Sessions are independent; one owner may serve many at once from different threads.
 */
public final class TwoPartyOwner {
  private final OwnerProtocol protocol;

  /**
   * @param policy what the user learns; a model ending with argmax is always served as a label
   * @throws UnsupportedLayerException if the model has a layer this mode cannot run
   * @throws IllegalArgumentException if the parameters do not carry the model's ring
   */
  public TwoPartyOwner(OwnerKeyShare keyShare, PermissionGate gate, TwoPartyParameters params,
      OutputPolicy policy, SecureRandom random) {
    this.protocol = new OwnerProtocol(Objects.requireNonNull(keyShare, "keyShare"),
        Objects.requireNonNull(gate, "gate"), Objects.requireNonNull(params, "params"),
        Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(random, "random"));
  }

  /** The effective output policy. */
  public OutputPolicy policy() {
    return protocol.policy();
  }

  /** The model id of the key share this owner serves. */
  public ModelId modelId() {
    return protocol.modelId();
  }

  /** A fresh session for one bundle. */
  public Session newSession() {
    return new Session(protocol.newSession());
  }

  /** One bundle on the owner's side, as local steps or over a channel with {@link #serve}. */
  public static final class Session {
    private final OwnerProtocol.Session s;

    Session(OwnerProtocol.Session s) {
      this.s = s;
    }

    /** Flight 1 in (gate first), flight 2 out. */
    public byte[] onFirstMessage(byte[] first) {
      return s.onFirstMessage(first);
    }

    /** Flight 3 in, flight 4 out. */
    public byte[] onOfflineFinish(byte[] third) {
      return s.onOfflineFinish(third);
    }

    /** One online stage in, its answer out. */
    public byte[] onStep(byte[] step) {
      return s.onStep(step);
    }

    /** The spend receipt of the bundle, or null before admission. */
    public SpendReceipt receipt() {
      return s.receipt();
    }

    /** True once every prepared query was served. */
    public boolean exhausted() {
      return s.exhausted();
    }

    /**
     * Records this bundle's abort (once; only after admission and before the last answer), for
     * a caller that drives the session by local steps and sees the peer go away.
     */
    public void recordAbort(AbortReason reason) {
      s.recordAbort(reason);
    }

    /** Erases everything. */
    public void erase() {
      s.erase();
    }

    /**
     * Serves the bundle over {@code channel}: the offline flights, then online stages until
     * every query was served or the user closes the channel between queries (a normal end).
     * Unused material is erased at the end; the charge stays (it was for preparation).
     *
     * @throws dev.oml.core.OmlException if the permission is refused (typed), a message is
     *     malformed or out of order, or the user hangs up mid-query; the channel is then closed.
     *     Every such failure after admission is first recorded as one abort of the licensee in
     *     the ledger (see {@link dev.oml.core.ledger.AbortRecorder}); a refused permission and a
     *     hang-up between queries are not aborts.
     */
    public void serve(Channel channel) {
      serve(channel, true);
    }

    /**
     * As {@link #serve(Channel)}; with {@code closeOnFailure} false the channel is left to the
     * caller (the owner server closes it after sending the client the reason).
     */
    void serve(Channel channel, boolean closeOnFailure) {
      serve(channel, null, closeOnFailure);
    }

    /**
     * As {@link #serve(Channel)}, with the first message already read (or null, to read it from
     * the channel); with {@code closeOnFailure} false a failure leaves the channel open to the
     * caller (an owner server sends the client the reason, then closes it).
     */
    public void serve(Channel channel, byte[] first, boolean closeOnFailure) {
      try {
        byte[] reply = s.onFirstMessage(first != null ? first : channel.receive());
        send(channel, reply);
        send(channel, s.onOfflineFinish(receive(channel)));
        while (!s.exhausted()) {
          byte[] m;
          try {
            m = channel.receive();
          } catch (ProtocolAbortException e) {
            if (s.betweenQueries()) {
              return; // the user is done with this bundle
            }
            s.recordAbort(AbortReason.PEER_HUNG_UP);
            throw e;
          }
          send(channel, s.onStep(m));
        }
      } catch (RuntimeException e) {
        if (closeOnFailure) {
          channel.close();
        }
        throw e;
      } finally {
        s.erase();
      }
    }

    // A channel failure after admission is the peer hanging up (or going silent) mid-bundle:
    // an abort of the licensee's, recorded before the failure propagates.
    private byte[] receive(Channel channel) {
      try {
        return channel.receive();
      } catch (ProtocolAbortException e) {
        s.recordAbort(AbortReason.PEER_HUNG_UP);
        throw e;
      }
    }

    private void send(Channel channel, byte[] message) {
      try {
        channel.send(message);
      } catch (ProtocolAbortException e) {
        s.recordAbort(AbortReason.PEER_HUNG_UP);
        throw e;
      }
    }
  }
}
