package dev.oml.mpc.inference.internal;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.RingOps;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.LicenseeArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionClaims;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PublicKey;
import dev.oml.mpc.circuit.Circuit;
import dev.oml.mpc.circuit.Circuits;
import dev.oml.mpc.gc.GcEvaluatorSession;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.ot.KosReceiver;
import dev.oml.mpc.ot.RandomOtReceiverOutput;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The user's side of two-party inference as local steps over messages: {@link #begin(int)}
 * starts the offline phase of a bundle of {@code n} queries; {@link Preparation} consumes the
 * owner's offline reply and finishes; {@link Bundle#start(long[])} runs one query stage by stage.
 * Holds the artifact's share {@code W_U}, never {@code W_O}.
 */
public final class UserProtocol {
  private final Plan plan;
  private final PartyModel model;
  private final TwoPartyParameters params;
  private final SigningKeyPair licensee;
  private final byte[] modelId;
  private final OutputPolicy policy;
  private final SecureRandom rng;
  private final FixedPointFormat fmt;
  private final int l;
  private final MatVecLayout[] layouts;
  private final Circuit[] circuits;
  private ViewRecorder recorder = (what, query, stage, values) -> { };
  private ShareTamperer tamperer;

  /**
   * Sees every value the user decodes, as it is decoded: {@code "cross"} ({@code W_O r - s} of
   * stage {@code i}), {@code "share"} (the user's share after stage {@code i}'s circuit) and
   * {@code "owner-logits"} (the owner's share of the logits, part of the output). For tests of
   * the user's view; these are the user's own values, nothing it could not log itself.
   */
  @FunctionalInterface
  public interface ViewRecorder {
    void decoded(String what, int query, int stage, long[] values);
  }

  /** Installs a {@link ViewRecorder}. */
  public void recordViewTo(ViewRecorder r) {
    this.recorder = r;
  }

  /**
   * Test seam, never installed by production code: sees, and may overwrite in place, the user's
   * share {@code z_U} of stage {@code i} after its local product and before it enters the
   * circuit request (or, for logits, the local sum). It plays a licensee who patched its client
   * to add chosen offsets to its shares (docs/2pc-attacks.md); values are reduced mod
   * {@code 2^l} afterwards.
   */
  @FunctionalInterface
  public interface ShareTamperer {
    void beforeCircuit(int query, int stage, long[] zU);
  }

  /** Installs a {@link ShareTamperer} (test seam; null removes it). */
  public void tamperSharesForTesting(ShareTamperer t) {
    this.tamperer = t;
  }

  public UserProtocol(LicenseeArtifact artifact, SigningKeyPair licensee, TwoPartyParameters params,
      OutputPolicy policy, SecureRandom rng) {
    this.plan = Plan.of(artifact.manifest().architecture());
    this.fmt = plan.format();
    params.requireRing(fmt);
    if (!artifact.manifest().licenseeKey().equals(licensee.publicKey())) {
      throw new IllegalArgumentException("the artifact was made for another licensee key");
    }
    if (plan.endsWithArgmax() && policy != OutputPolicy.LABEL) {
      throw new IllegalArgumentException("the model ends with argmax: its output is a label");
    }
    this.model = new PartyModel(plan, artifact.asQuantizedModel());
    this.params = params;
    this.licensee = licensee;
    this.modelId = artifact.modelId().bytes();
    this.policy = policy;
    this.rng = rng;
    this.l = fmt.ringBits();
    int k = plan.stageCount();
    layouts = new MatVecLayout[k];
    circuits = new Circuit[k];
    for (int i = 0; i < k; i++) {
      Plan.Stage s = plan.stage(i);
      layouts[i] = HeSide.checkedLayout(params, s);
      circuits[i] = circuitOf(plan, i, policy);
    }
  }

  /** The circuit closing stage {@code i}, or null for the last stage with logits output. */
  static Circuit circuitOf(Plan plan, int i, OutputPolicy policy) {
    Plan.Stage s = plan.stage(i);
    if (!plan.isLast(i)) {
      return StageCircuits.reshare(plan.format(), s.relu());
    }
    return policy == OutputPolicy.LABEL ? StageCircuits.label(plan.format(), s.rows(), s.relu())
        : null;
  }

  public Plan plan() {
    return plan;
  }

  public OutputPolicy policy() {
    return policy;
  }

  /** Garbled instances closing stage {@code i}: one per neuron, or one label circuit. */
  int instances(int i) {
    return plan.isLast(i) ? 1 : plan.stage(i).rows();
  }

  /** Garbler inputs of stage {@code i}'s circuit fixed offline (the re-sharing masks). */
  int offlineInputs(int i) {
    return plan.isLast(i) ? 0 : l;
  }

  /**
   * The random OTs each garbled session of a bundle needs, in (query, stage) order: one KOS
   * extension per bundle is cut into these slices, so its 128 base OTs are paid once.
   */
  static int[] otCounts(Plan plan, Circuit[] circuits, int n) {
    List<Integer> c = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < plan.stageCount(); i++) {
        if (circuits[i] != null) {
          c.add(circuits[i].evaluatorInputs() * (plan.isLast(i) ? 1 : plan.stage(i).rows()));
        }
      }
    }
    return c.stream().mapToInt(Integer::intValue).toArray();
  }

  static int sum(int[] v) {
    long t = 0;
    for (int x : v) {
      t += x;
    }
    if (t > (1 << 28)) {
      throw new IllegalArgumentException("the bundle needs " + t + " OTs; prepare fewer queries");
    }
    return (int) t;
  }

  /** Starts preparing {@code n} queries: draws the masks {@code r} and encrypts them. */
  public Preparation begin(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("a bundle holds at least one query");
    }
    return new Preparation(n);
  }

  /** The offline phase of one bundle, between the first message and the owner's ack. */
  public final class Preparation {
    private final int n;
    private final HeSide he;
    private final long[][][] r;
    private final GcEvaluatorSession[][] gc;
    private KosReceiver kos;
    private final int[] otCounts;
    private final byte[] payload;
    private final Binding binding;
    private long[][][] cU;
    private long[][][] oMasked;
    private int state; // 0 begun, 1 first message made, 2 reply consumed, 3 done or dead

    Preparation(int n) {
      this.n = n;
      this.he = new HeSide(params);
      Rand rand = new Rand(rng, l);
      int k = plan.stageCount();
      r = new long[n][k][];
      gc = new GcEvaluatorSession[n][k];
      otCounts = otCounts(plan, circuits, n);
      int total = sum(otCounts);
      Codec.Writer w = new Codec.Writer(Msg.OFFLINE_REQUEST, 1 << 20).u8(Msg.VERSION)
          .bytes(modelId).bytes(plan.digest()).u8(policy.code()).u32(n).blob(he.publicKeyBytes());
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          r[j][i] = rand.uniform(plan.stage(i).cols());
          HeSide.write(w, he.encryptQuery(layouts[i], r[j][i]));
        }
      }
      if (total > 0) {
        kos = new KosReceiver(total, rng);
        w.blob(kos.firstMessage());
      }
      payload = w.toByteArray();
      binding = Binding.ofFirstMessage(payload);
    }

    public int size() {
      return n;
    }

    /** The binding to ask the permit desk for: the hash of this bundle's first message. */
    public Binding binding() {
      return binding;
    }

    /** The payload the permission is bound to (a copy). */
    public byte[] payload() {
      return payload.clone();
    }

    /**
     * Offline flight 1: {@code token || proof || payload}.
     *
     * @throws IllegalArgumentException if the permission is not for this bundle (binding, count,
     *     mode, model)
     */
    public byte[] firstMessage(PermissionToken token) {
      PermissionClaims c = token.unverifiedClaims();
      if (!c.binding().equals(binding) || c.inferences() != n || c.mode() != InferenceMode.TWO_PARTY
          || !Arrays.equals(c.modelId().bytes(), modelId)) {
        throw new IllegalArgumentException("the permission is not for this bundle: it must be a"
            + " two-party permission for " + n + " inferences on this model, bound to binding()");
      }
      if (state != 0) {
        throw new IllegalStateException("the first message was already made");
      }
      state = 1;
      return PermittedQuery.create(licensee, token, payload).encode();
    }

    /**
     * Consumes offline flight 2 and returns flight 3: decrypts {@code W_O r - s}, answers the
     * owner's {@code Enc_O(q)} with {@code Enc_O(W_U q - t)}, completes the random OTs.
     *
     * @throws ProtocolAbortException if the reply is malformed
     */
    public byte[] onReply(byte[] reply) {
      if (state != 1) {
        throw new IllegalStateException("step out of order: make the first message first");
      }
      state = 3;
      String step = "two-party offline reply";
      int k = plan.stageCount();
      Codec.Reader rd = new Codec.Reader(reply, Msg.OFFLINE_REPLY, step);
      int p = rd.u8();
      if (p != policy.code()) {
        throw new ProtocolAbortException(step + ": the owner answers with output policy " + p
            + ", this side expects " + policy);
      }
      PublicKey ownerKey = he.loadPublicKey(rd.blob(HeSide.MAX_OBJECT_BYTES), step);
      List<List<byte[]>> answers = new ArrayList<>();
      List<List<byte[]>> queries = new ArrayList<>();
      oMasked = new long[n][k][];
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          answers.add(HeSide.read(rd, layouts[i].outputCount(), step));
        }
      }
      for (int j = 0; j < n; j++) {
        oMasked[j][0] = new long[plan.stage(0).cols()];
        for (int i = 1; i < k; i++) {
          queries.add(HeSide.read(rd, layouts[i].inputCount(), step));
          oMasked[j][i] = rd.ring(plan.stage(i).cols(), l);
        }
      }
      byte[] second = kos == null ? null : rd.blob(Msg.MAX_GC_BYTES);
      rd.end();
      Rand rand = new Rand(rng, l);
      cU = new long[n][k][];
      Codec.Writer w = new Codec.Writer(Msg.OFFLINE_FINISH, 1 << 20);
      int a = 0;
      int b = 0;
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < k; i++) {
          long[] woR = he.decryptAnswer(layouts[i], answers.get(a++), step);
          recorder.decoded("cross", j, i, woR.clone());
          long[] c = model.product(i, r[j][i]);
          RingOps.add(l, c, woR, c);
          if (i > 0) {
            // t masks what the owner decrypts; it enters the user's offline share
            long[] t = rand.uniform(plan.stage(i).rows());
            HeSide.write(w, he.answer(layouts[i], queries.get(b++), model.rows(i), t, ownerKey,
                step));
            RingOps.add(l, c, t, c);
            Arrays.fill(t, 0);
          }
          Arrays.fill(woR, 0);
          cU[j][i] = c;
        }
      }
      if (kos != null) {
        w.blob(kos.thirdMessage(second));
        RandomOtReceiverOutput pads = kos.output();
        kos = null;
        // slices in (query, stage) order, as the owner takes them
        for (int j = 0; j < n; j++) {
          for (int i = 0; i < k; i++) {
            if (circuits[i] != null) {
              gc[j][i] = new GcEvaluatorSession(circuits[i], instances(i), offlineInputs(i),
                  pads.take(circuits[i].evaluatorInputs() * instances(i)));
            }
          }
        }
        pads.erase();
      }
      state = 2;
      return w.toByteArray();
    }

    /**
     * Consumes offline flight 4 (the owner's ack) and returns the prepared bundle.
     *
     * @throws ProtocolAbortException if the ack is malformed
     */
    public Bundle finish(byte[] ack) {
      if (state != 2) {
        throw new IllegalStateException("step out of order: consume the owner's reply first");
      }
      state = 3;
      Codec.Reader rd = new Codec.Reader(ack, Msg.OFFLINE_ACK, "two-party offline ack");
      rd.u32(n, "prepared query count");
      byte[][][] tables = new byte[n][plan.stageCount()][];
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < plan.stageCount(); i++) {
          if (gc[j][i] != null) {
            tables[j][i] = rd.blob(Msg.MAX_GC_BYTES);
          }
        }
      }
      rd.end();
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < plan.stageCount(); i++) {
          if (gc[j][i] != null) {
            gc[j][i].receiveTables(tables[j][i]);
          }
        }
      }
      return new Bundle(n, binding.bytes(), r, cU, oMasked, gc);
    }

    /**
     * Test seam: this bundle's own HE secret key (the user's, never the owner's), for tests
     * that play a licensee reading the full phase of what it decrypts (docs/2pc-attacks.md).
     */
    public dev.oml.he.SecretKey heSecretKeyForTesting() {
      return he.secretKey();
    }

    /** Drops this preparation's secrets (after a failure). */
    public void discard() {
      state = 3;
      erase(r);
      erase(cU);
    }
  }

  static void erase(long[][][] v) {
    if (v == null) {
      return;
    }
    for (long[][] a : v) {
      if (a == null) {
        continue;
      }
      for (long[] b : a) {
        if (b != null) {
          Arrays.fill(b, 0);
        }
      }
    }
  }

  /** Prepared, single-use material for {@code n} queries; consumed in order. */
  public final class Bundle {
    private final int n;
    private final byte[] binding;
    private final long[][][] r;
    private final long[][][] cU;
    private final long[][][] oMasked;
    private final GcEvaluatorSession[][] gc;
    private int next;
    private boolean dead;

    Bundle(int n, byte[] binding, long[][][] r, long[][][] cU, long[][][] oMasked,
        GcEvaluatorSession[][] gc) {
      this.n = n;
      this.binding = binding;
      this.r = r;
      this.cU = cU;
      this.oMasked = oMasked;
      this.gc = gc;
    }

    public int size() {
      return n;
    }

    /** Queries not yet started. */
    public int remaining() {
      return dead ? 0 : n - next;
    }

    /**
     * Starts the next unused query on the encoded input {@code x}; its material leaves the
     * bundle now, so it can never be used twice.
     *
     * @throws BundleExhaustedException if no query is left or the bundle was discarded
     */
    public Query start(long[] x) {
      if (dead || next >= n) {
        throw new BundleExhaustedException(dead
            ? "this bundle was discarded after a failed query; prepare a new one"
            : "all " + n + " prepared queries of this bundle were used; prepare a new bundle");
      }
      if (x.length != plan.inputs()) {
        throw new IllegalArgumentException("input has " + x.length + " values, the model expects "
            + plan.inputs());
      }
      int j = next++;
      Query q = new Query(this, j, x, r[j], cU[j], oMasked[j], gc[j]);
      r[j] = null;
      cU[j] = null;
      oMasked[j] = null;
      gc[j] = null;
      return q;
    }

    /** Erases everything left; the owner's half is gone too once its session ends. */
    public void discard() {
      dead = true;
      erase(r);
      erase(cU);
      for (int j = 0; j < n; j++) {
        r[j] = null;
        cU[j] = null;
        oMasked[j] = null;
        gc[j] = null;
      }
    }
  }

  /** One query, stage by stage: {@link #message()}, then {@link #onReply(byte[])}, until done. */
  public final class Query {
    private final Bundle bundle;
    private final int index;
    private final long[][] r;
    private final long[][] cU;
    private final long[][] oMasked;
    private final GcEvaluatorSession[] gc;
    private long[] h;
    private int stage;
    private boolean awaiting;
    private long[] zU;
    private long[] logits;
    private int label = -1;

    Query(Bundle bundle, int index, long[] x, long[][] r, long[][] cU, long[][] oMasked,
        GcEvaluatorSession[] gc) {
      this.bundle = bundle;
      this.index = index;
      this.h = new long[x.length];
      for (int i = 0; i < x.length; i++) {
        h[i] = fmt.reduce(x[i]);
      }
      this.r = r;
      this.cU = cU;
      this.oMasked = oMasked;
      this.gc = gc;
    }

    public boolean done() {
      return stage >= plan.stageCount();
    }

    /** The message for the current stage: {@code h_U - r}, and the OT derandomization. */
    public byte[] message() {
      if (done() || awaiting) {
        throw new IllegalStateException("no message to send in this state");
      }
      int i = stage;
      long[] masked = RingOps.subtract(l, h, r[i], null);
      long[] d = RingOps.add(l, masked, oMasked[i], null);
      zU = model.linear(i, d, cU[i]);
      if (tamperer != null) {
        tamperer.beforeCircuit(index, i, zU);
        for (int k = 0; k < zU.length; k++) {
          zU[k] = fmt.reduce(zU[k]);
        }
      }
      Arrays.fill(h, 0);
      Arrays.fill(r[i], 0);
      Arrays.fill(cU[i], 0);
      Codec.Writer w = new Codec.Writer(Msg.STEP, 8 * masked.length + 64).u32(index).u8(i)
          .ring(masked);
      if (gc[i] != null) {
        w.blob(gc[i].onlineRequest(bits(zU)));
      } else {
        w.blob(new byte[0]);
      }
      byte[] m = w.toByteArray();
      if (i == 0) {
        byte[] sig = licensee.sign(Msg.querySigningInput(bundle.binding, m, m.length));
        byte[] out = Arrays.copyOf(m, m.length + sig.length);
        System.arraycopy(sig, 0, out, m.length, sig.length);
        m = out;
      }
      awaiting = true;
      return m;
    }

    /**
     * Consumes the owner's answer for the current stage.
     *
     * @throws ProtocolAbortException if it is malformed or out of order
     */
    public void onReply(byte[] reply) {
      if (!awaiting) {
        throw new IllegalStateException("no reply expected in this state");
      }
      awaiting = false;
      int i = stage;
      Plan.Stage s = plan.stage(i);
      String step = "two-party online reply";
      Codec.Reader rd = new Codec.Reader(reply, Msg.STEP_REPLY, step);
      rd.u32(index, "query index");
      rd.u8(i, "stage");
      if (gc[i] != null) {
        byte[] resp = rd.blob(Msg.MAX_GC_BYTES);
        rd.end();
        boolean[] out = gc[i].onlineFinish(resp);
        gc[i] = null;
        if (plan.isLast(i)) {
          label = (int) Circuits.fromBits(out, 0, Circuits.indexBits(s.rows()));
          if (label >= s.rows()) {
            throw new ProtocolAbortException(step + ": the label circuit gave an index out of range");
          }
        } else {
          h = new long[s.rows()];
          for (int k = 0; k < s.rows(); k++) {
            h[k] = Circuits.fromBits(out, l * k, l);
          }
          recorder.decoded("share", index, i, h.clone());
        }
      } else {
        long[] zO = rd.ring(s.rows(), l);
        rd.end();
        recorder.decoded("owner-logits", index, i, zO.clone());
        logits = new long[s.rows()];
        for (int k = 0; k < s.rows(); k++) {
          long y = fmt.truncate(zU[k] + zO[k]);
          logits[k] = s.relu() && fmt.signed(y) < 0 ? 0 : y;
        }
      }
      Arrays.fill(zU, 0);
      stage++;
    }

    private boolean[] bits(long[] z) {
      boolean[] b = new boolean[l * z.length];
      for (int k = 0; k < z.length; k++) {
        Circuits.toBits(z[k], l, b, l * k);
      }
      return b;
    }

    /** The logits (canonical ring elements at {@code f} bits), or null under {@code LABEL}. */
    public long[] logits() {
      return logits == null ? null : logits.clone();
    }

    /** The label: computed locally from the logits, or the label circuit's output. */
    public int label() {
      if (!done()) {
        throw new IllegalStateException("the query has not finished");
      }
      if (label >= 0) {
        return label;
      }
      return dev.oml.core.reference.FixedPointInference.argmax(fmt, logits);
    }

    /** Erases what is left of this query's material after a failure. */
    public void abandon() {
      erase(new long[][][] {r, cU});
      stage = plan.stageCount();
      bundle.discard();
    }
  }
}
