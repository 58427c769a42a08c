package dev.oml.mpc.tier2;

import dev.oml.core.field.PrimeField;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.FieldArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.AuthenticatedVector;
import dev.oml.mpc.auth.FreivaldsCheck;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.auth.MacCheckProver;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.auth.VoleReceiver;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.gc.FieldLayerEvaluator;
import dev.oml.mpc.gc.FieldLayerMessages.Garbling;
import dev.oml.mpc.gc.FieldLayerMessages.InputLabels;
import dev.oml.mpc.gc.FieldLayerMessages.OutputDecoding;
import dev.oml.mpc.gc.FieldLayerSpec;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PermitSource;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionReceiver;
import dev.oml.mpc.tier2.internal.LayerPlan;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The licensee's side of the tier-2 query (docs/2pc-tier2.md section 3), built from a version-2
 * {@link FieldArtifact}: its weight shares {@code W_U}, {@code b_U} come with the owner's MAC
 * tags, so everything it computes from them stays authenticated. {@link #offline} runs a
 * bundle's input-independent phase (VOLE for the masks {@code r} and the product
 * {@code c = W_U r}, Freivalds on {@code c}, the offline HE step in both directions, the OT start
 * and garbling of every layer); {@link Bundle#query} runs one query online and returns its
 * output only after the owner's batched MAC check accepted and it released the last layer's
 * decoding. A bundle ends at its first failed check.
 */
public final class Tier2User {
  private final FieldArtifact artifact;
  private final OfflineHe he;
  private final SecureRandom rng;
  private final LayerPlan plan;
  private final int f;
  private final FieldFixedPointInference encoder;
  private final AuthenticatedVector[] weights;
  private final AuthenticatedVector[] biases;
  // W_U's values per layer, for the offline products c = W_U r (read only)
  private final long[][] weightValues;
  // Test hook: a modified licensee's deviations. Attack tests set it; never set in production.
  Deviation deviation = new Deviation() {};

  /** What a modified client changes; every default is the honest behaviour. */
  interface Deviation {
    default OfflineHe.UserAnswer matrixAnswer(int query, int layer, OfflineHe.EncryptedMatrix m,
        AuthenticatedVector r, OfflineHe.BundleKey key, OfflineHe.UserAnswer honest) {
      return honest;
    }

    default long[] opening(int query, int layer, long[] d) {
      return d;
    }

    default long[] circuitInput(int query, int layer, long[] zU) {
      return zU;
    }

    default byte[] labelRequest(int query, int layer, byte[] message) {
      return message;
    }
  }

  /**
   * The licensee for {@code artifact}.
   *
   * @throws dev.oml.mpc.inference.UnsupportedLayerException if the model has a layer without a
   *     tier-2 circuit (Square, Polynomial) or a ReLU or Argmax where the query cannot run it
   */
  public Tier2User(FieldArtifact artifact, OfflineHe he, SecureRandom rng) {
    this.artifact = Objects.requireNonNull(artifact, "artifact");
    this.he = Objects.requireNonNull(he, "he");
    this.rng = Objects.requireNonNull(rng, "rng");
    FieldQuantizedModel shape = artifact.asFieldModel();
    this.plan = LayerPlan.of(shape, artifact.tensors());
    this.f = shape.fractionalBits();
    this.encoder = new FieldFixedPointInference(shape);
    weights = new AuthenticatedVector[plan.size()];
    biases = new AuthenticatedVector[plan.size()];
    weightValues = new long[plan.size()][];
    for (int i = 0; i < plan.size(); i++) {
      LayerPlan.Linear l = plan.get(i);
      weights[i] = AuthenticatedVector.of(artifact.share(l.matrixTensor()),
          artifact.tags(l.matrixTensor()));
      weightValues[i] = weights[i].values();
      biases[i] = AuthenticatedVector.of(artifact.share(l.biasTensor()),
          artifact.tags(l.biasTensor()));
    }
  }

  /** Encodes a real input at the model's fractional bits (canonical field elements). */
  public long[] encodeInput(double[] input) {
    return encoder.encodeInput(input);
  }

  /** One query's output: the logits (field elements at {@code f} bits) or the label. */
  public record Result(OutputPolicy policy, long[] logits, int label) {}

  /** U's offline material of one layer of one query. */
  private static final class LayerSlot {
    AuthenticatedVector r;
    AuthenticatedVector c;
    AuthenticatedVector t;
    AuthenticatedVector t2;
    FieldLayerEvaluator.Ready ready;
  }

  /**
   * Runs the offline phase of a bundle of {@code queries} queries with output {@code policy}.
   * Message order (O's side is {@link Tier2Owner#offline}): the bundle key; the owner's
   * encrypted {@code W_O} of every layer (once per bundle); the base OTs of the bundle's OT
   * extension (U's points, sent as soon as the key came in, and O's answers: once per bundle);
   * then per query and layer VOLE on {@code r || c}, Freivalds, HE direction 1 (U's answer on
   * those tiles) and (from the second layer on) direction 2; then every query's and layer's OT
   * start, then the garblings in the same order. Each VOLE's message 3 is made while the owner
   * answers the previous one.
   *
   * @throws ProtocolAbortException if a message is malformed; the channel is closed then
   */
  public Bundle offline(Channel channel, int queries, OutputPolicy policy) {
    if (queries < 1) {
      throw new IllegalArgumentException("a bundle has at least one query");
    }
    Objects.requireNonNull(policy, "policy");
    KosExtensionReceiver ots = new KosExtensionReceiver(rng);
    try {
      OfflineHe.BundleKey key = OfflineHe.BundleKey.decode(channel.receive());
      // the base OTs' first message goes out at once (the owner reads it after its tiles), so
      // it is made while the owner encrypts
      channel.send(ots.firstMessage());
      OfflineHe.User heUser = he.new User(key, rng);
      // the owner's Enc_O(W_O) tiles, once per layer for the whole bundle, each loaded while
      // the owner encrypts the next
      OfflineHe.EncryptedMatrix[] tiles = new OfflineHe.EncryptedMatrix[plan.size()];
      for (int i = 0; i < plan.size(); i++) {
        LayerPlan.Linear l = plan.get(i);
        tiles[i] = OfflineHe.EncryptedMatrix.decode(channel.receive(),
            he.matrixLayout(l.rows(), l.cols()));
        heUser.loadMatrix(tiles[i], l.rows(), l.cols());
      }
      ots.setup(channel.receive());
      LayerSlot[][] slots = new LayerSlot[queries][plan.size()];
      MacCheckProver[] provers = new MacCheckProver[queries];
      // Each VOLE's message 3 is made one step ahead, while the owner answers the previous one
      // (its KOS check and corrections): r and c are U's own draws and the extension does not
      // depend on them, so only the order of extensions matters, and it is kept.
      VoleReceiver next = vole(0, 0, ots);
      for (int k = 0; k < queries; k++) {
        provers[k] = new MacCheckProver();
        for (int i = 0; i < plan.size(); i++) {
          LayerPlan.Linear l = plan.get(i);
          LayerSlot s = new LayerSlot();
          VoleReceiver v = next;
          channel.send(v.extendedMessage());
          boolean lastVole = k == queries - 1 && i == plan.size() - 1;
          next = lastVole ? null
              : i < plan.size() - 1 ? vole(k, i + 1, ots) : vole(k + 1, 0, ots);
          AuthenticatedVector a = v.finish(channel.receive());
          s.r = a.slice(0, l.cols());
          s.c = a.slice(l.cols(), l.rows());
          channel.send(new FreivaldsCheck.Licensee(weights[i], l.rows(), l.cols(), s.r, s.c)
              .respond(channel.receive(), provers[k]));
          OfflineHe.EncryptedMatrix m = tiles[i];
          OfflineHe.UserAnswer ans = deviation.matrixAnswer(k, i, m, s.r, key,
              heUser.answerMatrix(m, s.r, l.rows()));
          channel.send(ans.message().encode());
          s.t = ans.share();
          if (i > 0) {
            s.t2 = heUser.runMask(channel, weights[i], l.rows(), l.cols());
          }
          slots[k][i] = s;
        }
      }
      // Every OT start goes out first, then the garblings are read: the owner garbles one layer
      // while U draws the next layer's extension (the order of extensions and of each
      // direction's messages is unchanged).
      FieldLayerEvaluator[][] started = new FieldLayerEvaluator[queries][plan.size()];
      for (int k = 0; k < queries; k++) {
        for (int i = 0; i < plan.size(); i++) {
          started[k][i] = FieldLayerEvaluator.start(spec(i, policy), ots,
              new KosDomain(Tier2Owner.GARBLING, k, i));
          channel.send(started[k][i].message());
        }
      }
      for (int k = 0; k < queries; k++) {
        for (int i = 0; i < plan.size(); i++) {
          slots[k][i].ready = started[k][i].receive(Garbling.decode(channel.receive()));
          started[k][i] = null;
        }
      }
      return new Bundle(policy, slots, provers);
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    } finally {
      ots.erase();
    }
  }

  /**
   * The VOLE of query {@code k}, layer {@code i}: fresh masks {@code r}, U's claimed product
   * {@code c = W_U r}, and message 3 on the bundle's next extension.
   */
  private VoleReceiver vole(int k, int i, KosExtensionReceiver ots) {
    LayerPlan.Linear l = plan.get(i);
    long[] r = FieldSampler.fromRandom(rng).next(l.cols());
    long[] c = PrimeField.matVec(weightValues[i], l.rows(), r, null);
    long[] rc = new long[l.cols() + l.rows()];
    System.arraycopy(r, 0, rc, 0, r.length);
    System.arraycopy(c, 0, rc, r.length, c.length);
    return VoleReceiver.extending(rc, ots, new KosDomain(Tier2Owner.VOLE, k, i));
  }

  /**
   * Opens a permitted bundle of {@code queries} queries over {@code channel}: builds the bundle
   * request (with a fresh nonce), asks {@code permits} for a two-party permission bound to it,
   * sends the permitted first message signed by {@code licensee}, then runs {@link #offline}.
   *
   * @throws dev.oml.core.permission.PermissionException if the permit desk refuses (nothing was
   *     sent to the inference service then)
   * @throws ProtocolAbortException if the owner refuses the bundle or a message is malformed; the
   *     channel is closed then
   */
  public Bundle prepare(Channel channel, SigningKeyPair licensee, int queries,
      OutputPolicy policy, PermitSource permits) {
    Objects.requireNonNull(licensee, "licensee");
    Objects.requireNonNull(permits, "permits");
    if (queries < 1) {
      throw new IllegalArgumentException("a bundle has at least one query");
    }
    if (!artifact.description().licenseeKey().equals(licensee.publicKey())) {
      throw new IllegalArgumentException("the artifact was made for licensee "
          + artifact.description().licenseeKey().keyId() + ", not for the key "
          + licensee.keyId());
    }
    byte[] payload = Tier2Messages.BundleRequest.fresh(artifact.modelId(),
        Objects.requireNonNull(policy, "policy"), queries, rng).encode();
    PermissionToken token = permits.permit(queries, Binding.ofFirstMessage(payload));
    try {
      channel.send(PermittedQuery.create(licensee, token, payload).encode());
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
    return offline(channel, queries, policy);
  }

  private FieldLayerSpec spec(int i, OutputPolicy policy) {
    return plan.spec(i, policy, f);
  }

  /** A bundle after its offline phase: runs its queries in order. */
  public final class Bundle {
    private final OutputPolicy policy;
    private final LayerSlot[][] slots;
    private final MacCheckProver[] provers;
    private int next;
    private boolean ended;

    private Bundle(OutputPolicy policy, LayerSlot[][] slots, MacCheckProver[] provers) {
      this.policy = policy;
      this.slots = slots;
      this.provers = provers;
    }

    /** Queries this bundle can still run. */
    public int remaining() {
      return ended ? 0 : slots.length - next;
    }

    /**
     * Starts the next query on {@code input} (canonical field elements at {@code f} bits): the
     * first layer's step, whose messages go to the owner.
     *
     * @throws BundleExhaustedException if no query is left
     */
    public LayerStep start(long[] input) {
      if (remaining() == 0) {
        throw new BundleExhaustedException("this tier-2 bundle has no query left");
      }
      int n = plan.get(0).cols();
      if (input.length != n) {
        throw new IllegalArgumentException("input has " + input.length + " values, model expects "
            + n);
      }
      PrimeField.requireCanonical(input, "input");
      int k = next++;
      return guard(k, () -> new LayerStep(k, 0, null, input));
    }

    /**
     * Driver: runs the next query over {@code channel}, step by step.
     *
     * @throws MacCheckFailedException if the owner's check refused the query (the bundle ends)
     * @throws ProtocolAbortException if a message is malformed (the bundle ends)
     * @throws BundleExhaustedException if no query is left
     */
    public Result query(Channel channel, long[] input) {
      try {
        LayerStep step = start(input);
        while (true) {
          channel.send(step.opening());
          channel.send(step.labelRequest());
          LayerStep sent = step;
          guard(sent.k, () -> {
            sent.authenticate();
            return null;
          });
          if (step.last()) {
            break;
          }
          step = step.next(channel.receive());
        }
        // the owner's challenge follows the last layer's labels in the same flight
        CheckStep check = step.finish(channel.receive());
        ResponseStep resp = check.respond(channel.receive());
        channel.send(resp.response());
        return resp.finish(channel.receive());
      } catch (RuntimeException e) {
        ended = true;
        channel.close();
        throw e;
      }
    }

    private <T> T guard(int k, java.util.function.Supplier<T> step) {
      try {
        return step.get();
      } catch (RuntimeException e) {
        ended = true;
        slots[k] = null;
        throw e;
      }
    }

    /**
     * One layer of a query: U's opening of {@code d} and its label request for {@code z_U};
     * consumes the owner's input labels.
     */
    public final class LayerStep {
      private final int k;
      private final int i;
      private final byte[] opening;
      private final long[] d;
      private byte[] request;
      private AuthenticatedVector z;
      private FieldLayerEvaluator.Requested requested;
      private boolean used;

      private LayerStep(int k, int i, AuthenticatedVector h, long[] x) {
        this.k = k;
        this.i = i;
        LayerSlot s = slots[k][i];
        long[] dv;
        if (i == 0) {
          // the input is U's choice: d = x - r needs no tag, r is committed by VOLE
          dv = PrimeField.sub(x, s.r.values(), null);
        } else {
          AuthenticatedVector dA = h.sub(s.r);
          provers[k].known(dA);
          dv = dA.values();
        }
        d = deviation.opening(k, i, dv);
        opening = new Tier2Messages.Opening(k, i, d).encode();
      }

      /**
       * The values of {@code z_U} and the label request, on first use: after the opening went
       * out, so the owner computes {@code z_O} meanwhile. Their tags, which only the check
       * needs, come in {@link #authenticate()}.
       */
      private void prepare() {
        if (requested != null) {
          return;
        }
        LayerPlan.Linear l = plan.get(i);
        LayerSlot s = slots[k][i];
        long[] zv = PrimeField.matVec(weights[i].values(), l.rows(), d, null);
        PrimeField.add(zv, s.c.values(), zv);
        PrimeField.add(zv, s.t.values(), zv);
        PrimeField.add(zv, biases[i].values(), zv);
        if (i > 0) {
          PrimeField.add(zv, s.t2.values(), zv);
        }
        requested = s.ready.request(deviation.circuitInput(k, i, l.circuitInput(zv)));
        request = deviation.labelRequest(k, i, requested.message());
      }

      /**
       * {@code z_U} with its tags (after the label request, so the driver runs it while the
       * owner answers); once.
       */
      void authenticate() {
        if (z != null) {
          return;
        }
        LayerPlan.Linear l = plan.get(i);
        LayerSlot s = slots[k][i];
        AuthenticatedVector zA = weights[i].timesPublic(l.rows(), d).add(s.c).add(s.t)
            .add(biases[i]);
        if (i > 0) {
          zA = zA.add(s.t2);
        }
        z = zA;
      }

      /** The {@link Tier2Messages.Opening}, encoded; sent first. */
      public byte[] opening() {
        return opening.clone();
      }

      /**
       * The layer's label request, encoded; sent second.
       *
       * @throws ProtocolAbortException if the query's material is gone (the bundle ends)
       */
      public byte[] labelRequest() {
        return guard(k, () -> {
          prepare();
          return request.clone();
        });
      }

      /** Whether this is the last layer (then {@link #finish}, else {@link #next}). */
      public boolean last() {
        return i == plan.size() - 1;
      }

      private FieldLayerEvaluator.Evaluated evaluate(byte[] labels) {
        if (used) {
          throw new IllegalStateException("this layer step was already completed");
        }
        used = true;
        prepare();
        authenticate();
        FieldLayerEvaluator.Evaluated ev = requested.finish(InputLabels.decode(labels));
        provers[k].zero(ev.circuitInput().sub(plan.get(i).circuitInput(z)));
        return ev;
      }

      /**
       * Consumes a hidden layer's input labels and returns the next layer's step.
       *
       * @throws ProtocolAbortException if the labels are malformed or of another garbling
       */
      public LayerStep next(byte[] inputLabels) {
        if (last()) {
          throw new IllegalStateException("the last layer ends with finish");
        }
        return guard(k, () -> new LayerStep(k, i + 1, evaluate(inputLabels).outputShare(), null));
      }

      /**
       * Consumes the last layer's input labels and returns the check step.
       *
       * @throws ProtocolAbortException if the labels are malformed or of another garbling
       */
      public CheckStep finish(byte[] inputLabels) {
        if (!last()) {
          throw new IllegalStateException("a hidden layer continues with next");
        }
        return guard(k, () -> new CheckStep(k, evaluate(inputLabels)));
      }
    }

    /**
     * The query's batched MAC check, U's side: its answer to the challenge. Nothing is claimed:
     * every value the check covers was sent before (openings) or must be zero, so no claim
     * message travels and the owner's challenge comes with the last layer's labels.
     */
    public final class CheckStep {
      private final int k;
      private final FieldLayerEvaluator.Evaluated last;
      private boolean used;

      private CheckStep(int k, FieldLayerEvaluator.Evaluated last) {
        this.k = k;
        this.last = last;
        provers[k].claimNothing();
      }

      /** Answers the owner's challenge. */
      public ResponseStep respond(byte[] challenge) {
        if (used) {
          throw new IllegalStateException("the check was already answered");
        }
        used = true;
        return guard(k, () -> new ResponseStep(k, last, provers[k].respond(challenge)));
      }
    }

    /** After U's check response: waits for the owner's release or refusal. */
    public final class ResponseStep {
      private final int k;
      private final FieldLayerEvaluator.Evaluated last;
      private final byte[] response;
      private boolean used;

      private ResponseStep(int k, FieldLayerEvaluator.Evaluated last, byte[] response) {
        this.k = k;
        this.last = last;
        this.response = response;
      }

      /** The combined tag, encoded. */
      public byte[] response() {
        return response.clone();
      }

      /**
       * Reads the owner's {@link Tier2Messages.Release} and decodes the output.
       *
       * @throws MacCheckFailedException if the owner refused (the bundle ends)
       * @throws ProtocolAbortException if the release is malformed (the bundle ends)
       */
      public Result finish(byte[] release) {
        if (used) {
          throw new IllegalStateException("this query was already finished");
        }
        used = true;
        return guard(k, () -> {
          int outs = policy == OutputPolicy.LOGITS ? plan.get(plan.size() - 1).rows() : 0;
          Tier2Messages.Release rel = Tier2Messages.Release.decode(release, k, outs);
          if (!rel.accepted()) {
            throw new MacCheckFailedException("the owner's MAC check refused tier-2 query " + k
                + "; the bundle ends");
          }
          FieldLayerEvaluator.Evaluated out = last.decode(OutputDecoding.decode(rel.decoding()));
          slots[k] = null;
          if (policy == OutputPolicy.LABEL) {
            return new Result(policy, null, out.label());
          }
          long[] logits = PrimeField.add(out.outputShare().values(), rel.ownerShare(), null);
          return new Result(policy, logits, FieldFixedPointInference.argmax(logits));
        });
      }
    }
  }
}
