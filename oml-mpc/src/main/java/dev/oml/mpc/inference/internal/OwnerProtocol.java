package dev.oml.mpc.inference.internal;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.RingOps;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.AbortRecorder;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.omlize.OwnerKeyShare;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PublicKey;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.gc.GcGarblerSession;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.ot.KosSender;
import dev.oml.mpc.ot.RandomOtSenderOutput;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The owner's side of two-party inference as local steps over messages. It holds the key share
 * ({@code W_O}, regenerated from {@code k_O}), never the model. A {@link Session} serves one
 * bundle: the first message goes through the {@link PermissionGate} (verify, then spend) before
 * anything else is parsed or computed; then the offline reply, the offline finish, and one
 * answer per online stage. Material is erased as it is consumed, and all of it when the session
 * ends or fails.
 */
public final class OwnerProtocol {
  private final OwnerKeyShare keyShare;
  private final PermissionGate gate;
  private final TwoPartyParameters params;
  private final OutputPolicy policy;
  private final SecureRandom rng;
  private final Plan plan;
  private final FixedPointFormat fmt;
  private final int l;
  private final MatVecLayout[] layouts;
  private final Circuit[] circuits;
  private final SigningPublicKey licenseeKey;
  // W_O by stage, regenerated from k_O once per owner rather than per bundle (20-30 ms each
  // time for Network A): the service holds k_O anyway, so holding its stream adds no secret.
  private final PartyModel share;

  /**
   * @param policy the owner's output policy; a model ending with argmax is served as
   *     {@link OutputPolicy#LABEL} whatever this says
   */
  public OwnerProtocol(OwnerKeyShare keyShare, PermissionGate gate, TwoPartyParameters params,
      OutputPolicy policy, SecureRandom rng) {
    this.keyShare = keyShare;
    this.gate = gate;
    this.params = params;
    this.rng = rng;
    this.plan = Plan.of(keyShare.manifest().architecture());
    this.fmt = plan.format();
    params.requireRing(fmt);
    this.policy = plan.endsWithArgmax() ? OutputPolicy.LABEL : policy;
    this.l = fmt.ringBits();
    this.licenseeKey = keyShare.manifest().licenseeKey();
    this.share = new PartyModel(plan, keyShare.asQuantizedModel(SecretAccess.get()));
    int k = plan.stageCount();
    layouts = new MatVecLayout[k];
    circuits = new Circuit[k];
    for (int i = 0; i < k; i++) {
      Plan.Stage s = plan.stage(i);
      layouts[i] = HeSide.checkedLayout(params, s);
      circuits[i] = UserProtocol.circuitOf(plan, i, this.policy);
    }
  }

  public OutputPolicy policy() {
    return policy;
  }

  /** The model id of the key share this side serves. */
  public dev.oml.core.omlize.ModelId modelId() {
    return keyShare.modelId();
  }

  public Plan plan() {
    return plan;
  }

  public Session newSession() {
    return new Session();
  }

  private enum State { NEW, OFFLINE, ONLINE, DONE }

  /** One bundle, from the permitted first message to the last online answer. */
  public final class Session {
    private State state = State.NEW;
    private SpendReceipt receipt;
    private PartyModel model;
    private HeSide he;
    private int n;
    private byte[] binding;
    private long[][][] s;
    private long[][][] q;
    private long[][][] hMinusQ;
    private long[][][] cO;
    private GcGarblerSession[][] gc;
    private KosSender kos;
    private int[] otCounts;
    private long[][][] masks;
    private int nextQuery;
    private int nextStage;
    private AbortRecorder aborts;
    private boolean ended;

    /** The spend receipt, once the first message was admitted. */
    public SpendReceipt receipt() {
      return receipt;
    }

    /** True between queries (nothing half-done), or when every query was served. */
    public boolean betweenQueries() {
      return state == State.ONLINE && nextStage == 0 || state == State.DONE;
    }

    /** True once every prepared query was served. */
    public boolean exhausted() {
      return state == State.DONE;
    }

    /**
     * Records this bundle's abort in the ledger, once, if the bundle was admitted (charged) and
     * has not ended; nothing before admission, after the last answer or after {@link #erase}.
     * Channel failures are reported here by the code that drives the session over a channel;
     * protocol failures the session records itself before it throws.
     */
    public void recordAbort(AbortReason reason) {
      if (aborts != null && !ended) {
        aborts.record(reason);
      }
    }

    private ProtocolAbortException fail(AbortReason reason, ProtocolAbortException e) {
      recordAbort(reason);
      return e;
    }

    /**
     * Runs one step; a library failure after admission (a malformed message, out of order, a
     * failed check: each licensee-caused) is recorded as an abort before it propagates. The
     * specific reasons are recorded where they are detected; anything else counts as malformed.
     */
    private byte[] guarded(Supplier<byte[]> step) {
      try {
        return step.get();
      } catch (OmlException e) {
        recordAbort(AbortReason.MALFORMED_MESSAGE);
        throw e;
      }
    }

    /**
     * Offline flight 1 in, flight 2 out. The permission is verified and spent first; only then
     * is the payload parsed, and the cross products, garbled circuits and OT answers computed.
     *
     * @throws dev.oml.core.permission.PermissionException if the permission does not verify
     * @throws dev.oml.core.ledger.PermissionReplayedException if it was spent before
     * @throws dev.oml.core.ledger.QuotaExceededException if the quota does not cover it
     * @throws ProtocolAbortException if the message is malformed
     */
    public byte[] onFirstMessage(byte[] first) {
      return guarded(() -> firstMessage(first));
    }

    private byte[] firstMessage(byte[] first) {
      expect(State.NEW);
      state = State.DONE;
      PermittedQuery pq = PermittedQuery.decode(first);
      receipt = gate.admit(pq, keyShare.modelId(), InferenceMode.TWO_PARTY);
      aborts = gate.abortRecorder(receipt);
      n = receipt.permission().inferences();
      binding = receipt.permission().binding().bytes();
      byte[] payload = pq.payload();
      String step = "two-party offline request";
      int k = plan.stageCount();
      Codec.Reader rd = new Codec.Reader(payload, Msg.OFFLINE_REQUEST, step);
      rd.u8(Msg.VERSION, "protocol version");
      if (!MessageDigest.isEqual(rd.bytes(32), keyShare.modelId().bytes())) {
        throw new ProtocolAbortException(step + ": the bundle is for another model");
      }
      if (!MessageDigest.isEqual(rd.bytes(32), plan.digest())) {
        throw new ProtocolAbortException(step + ": the user's plan of the model differs from the"
            + " owner's (format or layers)");
      }
      int p = rd.u8();
      if (p != policy.code()) {
        throw new ProtocolAbortException(step + ": the owner serves output policy " + policy
            + " for this model; the user asked for code " + p);
      }
      rd.u32(n, "bundle size (must equal the permission's count)");
      he = new HeSide(params);
      PublicKey userKey = he.loadPublicKey(rd.blob(HeSide.MAX_OBJECT_BYTES), step);
      List<List<byte[]>> queries = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          queries.add(HeSide.read(rd, layouts[i].inputCount(), step));
        }
      }
      otCounts = UserProtocol.otCounts(plan, circuits, n);
      int totalOts;
      try {
        totalOts = UserProtocol.sum(otCounts);
      } catch (IllegalArgumentException e) {
        throw new ProtocolAbortException(step + ": " + e.getMessage(), e);
      }
      byte[] firstOt = totalOts > 0 ? rd.blob(Msg.MAX_GC_BYTES) : null;
      rd.end();

      model = share;
      Rand rand = new Rand(rng, l);
      s = new long[n][k][];
      q = new long[n][k][];
      hMinusQ = new long[n][k][];
      gc = new GcGarblerSession[n][k];
      masks = new long[n][k][];
      Codec.Writer w = new Codec.Writer(Msg.OFFLINE_REPLY, 1 << 22).u8(policy.code())
          .blob(he.publicKeyBytes());
      int a = 0;
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          s[j][i] = rand.uniform(plan.stage(i).rows());
          HeSide.write(w, he.answer(layouts[i], queries.get(a++), model.rows(i), s[j][i],
              userKey, step));
        }
      }
      for (int j = 0; j < n; j++) {
        // Stage 0: h_O = 0 and q = 0, since the owner's masked input h_O - q is sent in the
        // clear anyway; stages after it draw q and send Enc_O(q) and m_(i-1) - q.
        q[j][0] = new long[plan.stage(0).cols()];
        hMinusQ[j][0] = new long[plan.stage(0).cols()];
        for (int i = 0; i < k; i++) {
          if (!plan.isLast(i)) {
            masks[j][i] = rand.uniform(plan.stage(i).rows());
          }
        }
        for (int i = 1; i < k; i++) {
          q[j][i] = rand.uniform(plan.stage(i).cols());
          HeSide.write(w, he.encryptQuery(layouts[i], q[j][i]));
          hMinusQ[j][i] = RingOps.subtract(l, masks[j][i - 1], q[j][i], null);
          w.ring(hMinusQ[j][i]);
        }
      }
      if (totalOts > 0) {
        kos = new KosSender(totalOts, rng);
        w.blob(kos.secondMessage(firstOt));
      }
      state = State.OFFLINE;
      return w.toByteArray();
    }

    /**
     * Offline flight 3 in, flight 4 (the ack) out: decrypts {@code W_U q - t}, forms the offline
     * shares {@code c_O = W_O q + (W_U q - t) + s}, checks the OT extension.
     *
     * @throws ProtocolAbortException if the message is malformed or the OT check fails
     */
    public byte[] onOfflineFinish(byte[] third) {
      return guarded(() -> offlineFinish(third));
    }

    private byte[] offlineFinish(byte[] third) {
      expect(State.OFFLINE);
      state = State.DONE;
      String step = "two-party offline finish";
      int k = plan.stageCount();
      Codec.Reader rd = new Codec.Reader(third, Msg.OFFLINE_FINISH, step);
      List<List<byte[]>> answers = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        for (int i = 1; i < k; i++) {
          answers.add(HeSide.read(rd, layouts[i].outputCount(), step));
        }
      }
      byte[] thirdOt = kos == null ? null : rd.blob(Msg.MAX_GC_BYTES);
      rd.end();
      cO = new long[n][k][];
      int a = 0;
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          long[] c = s[j][i];
          if (i > 0) {
            long[] wuQ = he.decryptAnswer(layouts[i], answers.get(a++), step);
            RingOps.add(l, c, wuQ, c);
            RingOps.add(l, c, model.product(i, q[j][i]), c);
            Arrays.fill(wuQ, 0);
          }
          cO[j][i] = c;
          s[j][i] = null;
        }
      }
      Codec.Writer ack = new Codec.Writer(Msg.OFFLINE_ACK, 1 << 22).u32(n);
      if (kos != null) {
        // KOS15's consistency check runs here: a cheating receiver is caught before any
        // garbled circuit is built
        RandomOtSenderOutput pads;
        try {
          pads = kos.finish(thirdOt);
        } catch (ProtocolAbortException e) {
          throw fail(AbortReason.CHECK_FAILED, e);
        }
        kos = null;
        for (int j = 0; j < n; j++) {
          for (int i = 0; i < k; i++) {
            if (circuits[i] == null) {
              continue;
            }
            RandomOtSenderOutput mine = pads.take(circuits[i].evaluatorInputs()
                * (plan.isLast(i) ? 1 : plan.stage(i).rows()));
            if (plan.isLast(i)) {
              gc[j][i] = new GcGarblerSession(circuits[i], 1, 0, new boolean[0], mine, rng);
            } else {
              int rows = plan.stage(i).rows();
              boolean[] mb = new boolean[l * rows];
              for (int x = 0; x < rows; x++) {
                Circuits.toBits(masks[j][i][x], l, mb, l * x);
              }
              // the masks m are the owner's next shares, fixed now: their labels go offline
              gc[j][i] = new GcGarblerSession(circuits[i], rows, l, mb, mine, rng);
              Arrays.fill(mb, false);
            }
            ack.blob(gc[j][i].garbledTables());
          }
        }
        pads.erase();
      }
      UserProtocol.erase(masks);
      masks = null;
      UserProtocol.erase(q);
      q = null;
      state = State.ONLINE;
      return ack.toByteArray();
    }

    /**
     * One online stage: {@code d = (h_U - r) + (h_O - q)}, {@code z_O = W_O d + c_O + b_O}, then
     * the garbled circuit's input labels (or, for logits, {@code z_O} itself).
     *
     * @throws ProtocolAbortException if the message is malformed, out of order, or its licensee
     *     signature does not verify
     */
    public byte[] onStep(byte[] msg) {
      return guarded(() -> step(msg));
    }

    private byte[] step(byte[] msg) {
      expect(State.ONLINE);
      State resume = State.ONLINE;
      state = State.DONE;
      String step = "two-party online step";
      int j = nextQuery;
      int i = nextStage;
      Plan.Stage st = plan.stage(i);
      Codec.Reader rd = new Codec.Reader(msg, Msg.STEP, step);
      rd.u32(j, "query index (queries run in order, each once)");
      rd.u8(i, "stage");
      long[] masked = rd.ring(st.cols(), l);
      byte[] request = rd.blob(Msg.MAX_GC_BYTES);
      if (i == 0) {
        int signed = 1 + rd.position();
        byte[] sig = rd.bytes(Msg.SIGNATURE_BYTES);
        rd.end();
        if (!licenseeKey.verify(Msg.querySigningInput(binding, msg, signed), sig)) {
          throw fail(AbortReason.BAD_QUERY_SIGNATURE,
              new ProtocolAbortException(step + ": the query is not signed by the licensee"));
        }
      } else {
        rd.end();
      }
      long[] d = RingOps.add(l, masked, hMinusQ[j][i], null);
      long[] zO = model.linear(i, d, cO[j][i]);
      Arrays.fill(cO[j][i], 0);
      Arrays.fill(hMinusQ[j][i], 0);
      cO[j][i] = null;
      hMinusQ[j][i] = null;
      Codec.Writer w = new Codec.Writer(Msg.STEP_REPLY, 1 << 16).u32(j).u8(i);
      if (gc[j][i] != null) {
        boolean[] bits = new boolean[l * zO.length];
        for (int x = 0; x < zO.length; x++) {
          Circuits.toBits(zO[x], l, bits, l * x);
        }
        GcGarblerSession g = gc[j][i];
        gc[j][i] = null;
        try {
          w.blob(g.onlineRespond(request, bits));
        } catch (IllegalStateException e) {
          throw new ProtocolAbortException(step + ": garbled material already used", e);
        }
      } else {
        if (request.length != 0) {
          throw new ProtocolAbortException(step + ": unexpected circuit request for logits");
        }
        w.ring(zO);
      }
      Arrays.fill(zO, 0);
      if (plan.isLast(i)) {
        nextQuery++;
        nextStage = 0;
        if (nextQuery == n) {
          resume = State.DONE;
          ended = true;
        }
      } else {
        nextStage++;
      }
      state = resume;
      return w.toByteArray();
    }

    private void expect(State st) {
      if (state != st) {
        throw fail(AbortReason.OUT_OF_ORDER, new ProtocolAbortException("two-party session: message out of order (session is "
            + (state == State.DONE ? "finished or failed" : "in state " + state) + ")"));
      }
    }

    /** Erases every secret of the session; idempotent. The ended session records no abort. */
    public void erase() {
      state = State.DONE;
      ended = true;
      UserProtocol.erase(s);
      UserProtocol.erase(q);
      UserProtocol.erase(cO);
      UserProtocol.erase(hMinusQ);
      UserProtocol.erase(masks);
      masks = null;
      s = null;
      q = null;
      cO = null;
      hMinusQ = null;
      gc = null;
      kos = null;
      model = null; // the owner's shared copy of W_O stays for its next sessions
      he = null;
    }
  }
}
