package dev.oml.mpc.tier2;

import dev.oml.core.field.PrimeField;
import dev.oml.core.omlize.FieldArtifact;
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
   * @throws dev.oml.mpc.inference.UnsupportedLayerException if the model is not a Dense+ReLU MLP
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
    for (int i = 0; i < plan.size(); i++) {
      LayerPlan.Linear l = plan.get(i);
      weights[i] = AuthenticatedVector.of(artifact.share(l.matrixTensor()),
          artifact.tags(l.matrixTensor()));
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
   * Message order (O's side is {@link Tier2Owner#offline}): the bundle key; then per query and
   * layer VOLE on {@code r || c}, Freivalds, HE direction 1 and (from the second layer on)
   * direction 2; then per query and layer the OT start and the garbling.
   *
   * @throws ProtocolAbortException if a message is malformed; the channel is closed then
   */
  public Bundle offline(Channel channel, int queries, OutputPolicy policy) {
    if (queries < 1) {
      throw new IllegalArgumentException("a bundle has at least one query");
    }
    Objects.requireNonNull(policy, "policy");
    try {
      OfflineHe.BundleKey key = OfflineHe.BundleKey.decode(channel.receive());
      OfflineHe.User heUser = he.new User(key, rng);
      LayerSlot[][] slots = new LayerSlot[queries][plan.size()];
      MacCheckProver[] provers = new MacCheckProver[queries];
      for (int k = 0; k < queries; k++) {
        provers[k] = new MacCheckProver();
        for (int i = 0; i < plan.size(); i++) {
          LayerPlan.Linear l = plan.get(i);
          LayerSlot s = new LayerSlot();
          long[] r = FieldSampler.fromRandom(rng).next(l.cols());
          long[] c = PrimeField.matVec(weights[i].values(), l.rows(), r, null);
          long[] rc = new long[l.cols() + l.rows()];
          System.arraycopy(r, 0, rc, 0, r.length);
          System.arraycopy(c, 0, rc, r.length, c.length);
          AuthenticatedVector a = VoleReceiver.run(channel, rc, rng);
          s.r = a.slice(0, l.cols());
          s.c = a.slice(l.cols(), l.rows());
          channel.send(new FreivaldsCheck.Licensee(weights[i], l.rows(), l.cols(), s.r, s.c)
              .respond(channel.receive(), provers[k]));
          OfflineHe.EncryptedMatrix m = OfflineHe.EncryptedMatrix.decode(channel.receive(),
              he.layout(l.rows(), l.cols()));
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
      for (int k = 0; k < queries; k++) {
        for (int i = 0; i < plan.size(); i++) {
          FieldLayerEvaluator e = FieldLayerEvaluator.start(spec(i, policy), rng);
          channel.send(e.message());
          slots[k][i].ready = e.receive(Garbling.decode(channel.receive()));
        }
      }
      return new Bundle(policy, slots, provers);
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private FieldLayerSpec spec(int i, OutputPolicy policy) {
    FieldLayerSpec.Kind kind = i < plan.size() - 1 ? FieldLayerSpec.Kind.HIDDEN
        : policy == OutputPolicy.LABEL ? FieldLayerSpec.Kind.LABEL : FieldLayerSpec.Kind.LOGITS;
    return new FieldLayerSpec(kind, plan.get(i).rows(), f);
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
     * Runs the next query on {@code input} (canonical field elements at {@code f} bits).
     *
     * @throws MacCheckFailedException if the owner's check refused the query (the bundle ends)
     * @throws ProtocolAbortException if a message is malformed (the bundle ends)
     * @throws BundleExhaustedException if no query is left
     */
    public Result query(Channel channel, long[] input) {
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
      try {
        return run(channel, k, input);
      } catch (RuntimeException e) {
        ended = true;
        channel.close();
        throw e;
      } finally {
        slots[k] = null;
      }
    }

    private Result run(Channel channel, int k, long[] x) {
      MacCheckProver prover = provers[k];
      AuthenticatedVector h = null;
      FieldLayerEvaluator.Evaluated last = null;
      for (int i = 0; i < plan.size(); i++) {
        LayerPlan.Linear l = plan.get(i);
        LayerSlot s = slots[k][i];
        long[] d;
        if (i == 0) {
          // the input is U's choice: d = x - r needs no tag, r is committed by VOLE
          d = PrimeField.sub(x, s.r.values(), null);
        } else {
          AuthenticatedVector dA = h.sub(s.r);
          prover.known(dA);
          d = dA.values();
        }
        d = deviation.opening(k, i, d);
        channel.send(new Tier2Messages.Opening(k, i, d).encode());
        AuthenticatedVector z = weights[i].timesPublic(l.rows(), d).add(s.c).add(s.t)
            .add(biases[i]);
        if (i > 0) {
          z = z.add(s.t2);
        }
        FieldLayerEvaluator.Requested req = s.ready.request(deviation.circuitInput(k, i,
            z.values()));
        channel.send(deviation.labelRequest(k, i, req.message()));
        FieldLayerEvaluator.Evaluated ev = req.finish(InputLabels.decode(channel.receive()));
        prover.zero(ev.circuitInput().sub(z));
        if (i < plan.size() - 1) {
          h = ev.outputShare();
        } else {
          last = ev;
        }
      }
      prover.run(channel);
      int outs = policy == OutputPolicy.LOGITS ? plan.get(plan.size() - 1).rows() : 0;
      Tier2Messages.Release rel = Tier2Messages.Release.decode(channel.receive(), k, outs);
      if (!rel.accepted()) {
        throw new MacCheckFailedException("the owner's MAC check refused tier-2 query " + k
            + "; the bundle ends");
      }
      FieldLayerEvaluator.Evaluated out = last.decode(OutputDecoding.decode(rel.decoding()));
      if (policy == OutputPolicy.LABEL) {
        return new Result(policy, null, out.label());
      }
      long[] logits = PrimeField.add(out.outputShare().values(), rel.ownerShare(), null);
      return new Result(policy, logits, FieldFixedPointInference.argmax(logits));
    }
  }
}
