package dev.oml.mpc.tier2;

import dev.oml.core.field.PrimeField;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.omlize.FieldKeyShare;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.FreivaldsCheck;
import dev.oml.mpc.auth.MacCheckFailedException;
import dev.oml.mpc.auth.MacCheckVerifier;
import dev.oml.mpc.auth.MacKey;
import dev.oml.mpc.auth.MacKeyVector;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.auth.VoleSender;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.gc.FieldLayerGarbler;
import dev.oml.mpc.gc.FieldLayerMessages.LabelRequest;
import dev.oml.mpc.gc.FieldLayerMessages.OtStart;
import dev.oml.mpc.gc.FieldLayerSpec;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.ot.KosDomain;
import dev.oml.mpc.ot.KosExtensionSender;
import dev.oml.mpc.tier2.internal.LayerPlan;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The owner's side of the tier-2 query (docs/2pc-tier2.md section 3), built from a version-2
 * {@link FieldKeyShare}: it re-derives its weight shares {@code W_O}, {@code b_O}, the MAC key
 * {@code alpha} and the keys of the licensee's weight tags from its seed. The owner is
 * semi-honest; everything it receives from the licensee is either checked for form at once or
 * registered with the query's single batched MAC check, which runs before the owner releases
 * the last layer's output. A failed check (or any malformed message) ends the bundle: no later
 * query of it is served, so the abort bit is one bit per bundle (section 4 item 2).
 */
public final class Tier2Owner {
  /** The {@link KosDomain} purposes of a bundle's OT extensions, shared with the licensee. */
  static final String VOLE = "tier2/vole";
  static final String GARBLING = "tier2/garbling";
  private final OfflineHe he;
  private final SecureRandom rng;
  private final LayerPlan plan;
  private final int f;
  private final MacKey alpha;
  private final FieldQuantizedModel shares;
  private final MacKeyVector[] weightKeys;
  private final MacKeyVector[] biasKeys;
  // Test hook for attack tests: wraps each query's verifier (CheckSwitch.off shows what an
  // attack achieves without the check). Never set in production.
  UnaryOperator<MacCheckVerifier> verifierHook = UnaryOperator.identity();

  /**
   * The owner for {@code key}.
   *
   * @throws dev.oml.mpc.inference.UnsupportedLayerException if the model has a layer without a
   *     tier-2 circuit (Square, Polynomial) or a ReLU or Argmax where the query cannot run it
   */
  public Tier2Owner(FieldKeyShare key, SecretAccess access, OfflineHe he, SecureRandom rng) {
    Objects.requireNonNull(key, "key");
    SecretAccess.require(access);
    this.he = Objects.requireNonNull(he, "he");
    this.rng = Objects.requireNonNull(rng, "rng");
    this.shares = key.asFieldModel(access);
    this.plan = LayerPlan.of(shares, key.manifest().description().tensors());
    this.f = shares.fractionalBits();
    this.alpha = new MacKey(key.alpha(access));
    weightKeys = new MacKeyVector[plan.size()];
    biasKeys = new MacKeyVector[plan.size()];
    for (int i = 0; i < plan.size(); i++) {
      LayerPlan.Linear l = plan.get(i);
      weightKeys[i] = MacKeyVector.of(key.macKeys(l.matrixTensor(), access));
      biasKeys[i] = MacKeyVector.of(key.macKeys(l.biasTensor(), access));
    }
  }

  /** O's offline material of one layer of one query. */
  private static final class LayerSlot {
    MacKeyVector r;
    MacKeyVector c;
    OfflineHe.OwnerShare t;
    OfflineHe.OwnerShare t2;
    long[] q;
    long[] masks;
    FieldLayerGarbler.Offline garbled;
  }

  /**
   * Runs the offline phase of a bundle of {@code queries} queries with output {@code policy}
   * (the licensee's side is {@link Tier2User#offline}). The re-share masks of a hidden layer's
   * circuit are the next layer's HE masks {@code q}, so O's share of the next layer's input is
   * {@code q} itself and {@code W_U q} comes from the offline step, not from an opening.
   *
   * @throws ProtocolAbortException if a message is malformed; the channel is closed then
   */
  public Bundle offline(Channel channel, int queries, OutputPolicy policy) {
    if (queries < 1) {
      throw new IllegalArgumentException("a bundle has at least one query");
    }
    Objects.requireNonNull(policy, "policy");
    KosExtensionSender ots = new KosExtensionSender(rng);
    try {
      OfflineHe.Owner heOwner = he.new Owner(alpha, rng);
      heOwner.sendKey(channel);
      // Enc_O(W_O) once per layer for the whole bundle; every query answers on the same tiles
      OfflineHe.Owner.EncryptedTiles[] tiles = new OfflineHe.Owner.EncryptedTiles[plan.size()];
      for (int i = 0; i < plan.size(); i++) {
        tiles[i] = heOwner.encryptMatrix(rows(shares.matrix(plan.get(i).modelLayer()),
            plan.get(i)));
        channel.send(tiles[i].message().encode());
      }
      // the bundle's base OTs, once: every VOLE and garbling below extends from them
      channel.send(ots.secondMessage(channel.receive()));
      LayerSlot[][] slots = new LayerSlot[queries][plan.size()];
      MacCheckVerifier[] verifiers = new MacCheckVerifier[queries];
      // The licensee's answers of one layer are decrypted after the next layer's VOLE answer,
      // Freivalds challenge and Enc_O(q) went out, so that the licensee computes while the owner
      // decrypts; nothing the owner sends depends on a decryption.
      Runnable decryptions = null;
      for (int k = 0; k < queries; k++) {
        verifiers[k] = verifierHook.apply(new MacCheckVerifier(alpha, rng));
        for (int i = 0; i < plan.size(); i++) {
          LayerPlan.Linear l = plan.get(i);
          LayerSlot s = new LayerSlot();
          MacKeyVector rc = VoleSender.run(channel, alpha, l.cols() + l.rows(), ots,
              new KosDomain(VOLE, k, i));
          s.r = rc.slice(0, l.cols());
          s.c = rc.slice(l.cols(), l.rows());
          FreivaldsCheck.Owner fo = new FreivaldsCheck.Owner(weightKeys[i], l.rows(), l.cols(),
              s.r, s.c, rng);
          channel.send(fo.challenge());
          // Enc_O(q) goes out before the licensee's direction-1 answer comes in: it depends on
          // nothing the licensee sends, and the licensee answers it right after direction 1
          OfflineHe.Owner.MaskSent mask = null;
          if (i > 0) {
            mask = heOwner.sendMask(l.rows(), l.cols(), weightKeys[i]);
            channel.send(mask.message().encode());
            s.q = mask.mask();
          }
          if (decryptions != null) {
            decryptions.run();
          }
          fo.receive(channel.receive(), verifiers[k]);
          OfflineHe.Owner.MatrixSent sent = tiles[i].forMask(s.r);
          OfflineHe.ProductAnswer direction1 =
              OfflineHe.ProductAnswer.decode(channel.receive(), sent.layout());
          OfflineHe.Owner.MaskSent maskSent = mask;
          OfflineHe.ProductAnswer direction2 = mask == null ? null
              : OfflineHe.ProductAnswer.decode(channel.receive(), mask.layout());
          decryptions = () -> {
            s.t = sent.receive(direction1);
            if (maskSent != null) {
              s.t2 = maskSent.receive(direction2);
            }
          };
          slots[k][i] = s;
        }
        for (int i = 0; i < plan.size(); i++) {
          slots[k][i].masks = i < plan.size() - 1 ? slots[k][i + 1].q
              : policy == OutputPolicy.LABEL ? null
              : FieldSampler.fromRandom(rng).next(plan.get(i).rows());
        }
      }
      decryptions.run();
      for (int k = 0; k < queries; k++) {
        for (int i = 0; i < plan.size(); i++) {
          FieldLayerGarbler g = FieldLayerGarbler.garble(spec(i, policy), alpha,
              slots[k][i].masks, ots, new KosDomain(GARBLING, k, i), rng);
          slots[k][i].garbled = g.answer(OtStart.decode(channel.receive()));
          channel.send(slots[k][i].garbled.message());
        }
      }
      return new Bundle(policy, slots, verifiers);
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    } finally {
      ots.erase();
    }
  }

  private static long[][] rows(long[] flat, LayerPlan.Linear l) {
    long[][] w = new long[l.rows()][l.cols()];
    for (int i = 0; i < l.rows(); i++) {
      System.arraycopy(flat, i * l.cols(), w[i], 0, l.cols());
    }
    return w;
  }

  private FieldLayerSpec spec(int i, OutputPolicy policy) {
    return plan.spec(i, policy, f);
  }

  /** A bundle after its offline phase: serves its queries in order until the first abort. */
  public final class Bundle {
    private final OutputPolicy policy;
    private final LayerSlot[][] slots;
    private final MacCheckVerifier[] verifiers;
    private int next;
    private int released;
    private boolean ended;

    private Bundle(OutputPolicy policy, LayerSlot[][] slots, MacCheckVerifier[] verifiers) {
      this.policy = policy;
      this.slots = slots;
      this.verifiers = verifiers;
    }

    /** Queries this bundle can still serve (0 after an abort). */
    public int remaining() {
      return ended ? 0 : slots.length - next;
    }

    /** Queries whose output the owner released. */
    public int released() {
      return released;
    }

    /** Whether the bundle ended at an abort. */
    public boolean aborted() {
      return ended;
    }

    /**
     * Starts serving the next query: the step that takes the first layer's messages.
     *
     * @throws BundleExhaustedException if no query is left
     */
    public LayerStep start() {
      if (remaining() == 0) {
        throw new BundleExhaustedException("this tier-2 bundle has no query left");
      }
      int k = next++;
      return new LayerStep(k, 0, null);
    }

    /**
     * Driver: serves the next query over {@code channel}. The owner sends its release (the last
     * layer's decoding and, for LOGITS, its output share) only after the batched MAC check
     * accepted; on a failed check it sends a refusal and ends the bundle.
     *
     * @throws MacCheckFailedException if the check failed (the bundle ends)
     * @throws ProtocolAbortException if a message is malformed or replayed (the bundle ends)
     * @throws BundleExhaustedException if no query is left
     */
    public void serve(Channel channel) {
      LayerStep step = start();
      try {
        while (true) {
          // z_O is computed while the licensee computes z_U; the keys of z_U after the labels
          // went out, while the licensee evaluates the circuit
          step.open(channel.receive());
          LayerAnswer a = step.respond(channel.receive());
          channel.send(a.inputLabels());
          if (a.last()) {
            // the challenge in the same flight as the last labels: every message that binds a
            // checked value (the openings, the label requests) has arrived
            CheckStep check = a.check();
            channel.send(check.challenge());
            Verdict v = check.verify(channel.receive());
            channel.send(v.release());
            v.requireAccepted();
            return;
          }
          step = a.next();
        }
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

    /** One layer of a query, O's side: takes U's opening and label request. */
    public final class LayerStep {
      private final int k;
      private final int i;
      private final MacKeyVector h;
      private boolean opened;
      private boolean used;
      private long[] d;
      private long[] zO;

      private LayerStep(int k, int i, MacKeyVector h) {
        this.k = k;
        this.i = i;
        this.h = h;
      }

      /**
       * Registers the opening with the query's check, computes {@code z_O} and the keys of
       * {@code z_U}, and answers the label request: {@link #open} then {@link #respond}.
       *
       * @throws ProtocolAbortException if a message is malformed, out of order or replayed (the
       *     bundle ends)
       */
      public LayerAnswer answer(byte[] opening, byte[] labelRequest) {
        open(opening);
        return respond(labelRequest);
      }

      /**
       * Takes U's opening of {@code d}: registers it with the query's check and computes
       * {@code z_O}. The licensee sends its opening before its label request, so this runs
       * while it computes {@code z_U}.
       *
       * @throws ProtocolAbortException if the opening is malformed, out of order or replayed (the
       *     bundle ends)
       */
      public void open(byte[] opening) {
        if (opened) {
          throw new IllegalStateException("this layer step was already opened");
        }
        opened = true;
        guard(k, () -> {
          openNow(opening);
          return null;
        });
      }

      /**
       * Answers the label request (after {@link #open}). The keys of {@code z_U}, which only
       * the check needs, are computed when the answer moves on ({@link LayerAnswer#next},
       * {@link LayerAnswer#check}), after the labels went out.
       *
       * @throws ProtocolAbortException if the request is malformed, out of order or replayed (the
       *     bundle ends)
       */
      public LayerAnswer respond(byte[] labelRequest) {
        if (!opened || used) {
          throw new IllegalStateException("open this layer step, then respond once");
        }
        used = true;
        return guard(k, () -> respondNow(labelRequest));
      }

      private void openNow(byte[] opening) {
        if (ended) {
          throw new BundleExhaustedException("this tier-2 bundle ended at an abort");
        }
        LayerPlan.Linear l = plan.get(i);
        LayerSlot s = slots[k][i];
        d = Tier2Messages.Opening.decode(opening, k, i, l.cols()).d();
        if (i > 0) {
          verifiers[k].expectKnown(h.sub(s.r), d);
        }
        long[] w = shares.matrix(l.modelLayer());
        // z_O = W_O (d + q) + v + u2 + b_O, where O's input share is q (0 at the first layer)
        long[] in = i == 0 ? d : PrimeField.add(d, s.q, null);
        zO = PrimeField.matVec(w, l.rows(), in, null);
        PrimeField.add(zO, s.t.share(), zO);
        PrimeField.add(zO, shares.bias(l.modelLayer()), zO);
        if (i > 0) {
          PrimeField.add(zO, s.t2.share(), zO);
        }
      }

      private LayerAnswer respondNow(byte[] labelRequest) {
        if (ended) {
          throw new BundleExhaustedException("this tier-2 bundle ended at an abort");
        }
        LayerPlan.Linear l = plan.get(i);
        FieldLayerGarbler.Online on = slots[k][i].garbled.respond(
            LabelRequest.decode(labelRequest), l.circuitInput(zO));
        return new LayerAnswer(k, i, d, on);
      }
    }

    /** O's answer to one layer: the input labels, then the next layer or the check. */
    public final class LayerAnswer {
      private final int k;
      private final int i;
      private final long[] d;
      private final FieldLayerGarbler.Online on;
      private boolean registered;

      private LayerAnswer(int k, int i, long[] d, FieldLayerGarbler.Online on) {
        this.k = k;
        this.i = i;
        this.d = d;
        this.on = on;
      }

      /** The layer's input labels, encoded. */
      public byte[] inputLabels() {
        return on.message();
      }

      /** Whether this was the last layer (then {@link #check}, else {@link #next}). */
      public boolean last() {
        return i == plan.size() - 1;
      }

      /** The next layer's step. */
      public LayerStep next() {
        if (last()) {
          throw new IllegalStateException("the last layer continues with the check");
        }
        registerCircuitInput();
        return new LayerStep(k, i + 1, on.outputKeys());
      }

      /** The query's check step. */
      public CheckStep check() {
        if (!last()) {
          throw new IllegalStateException("a hidden layer continues with next");
        }
        registerCircuitInput();
        return new CheckStep(k, on);
      }

      /**
       * The keys of {@code z_U} and the zero claim on the circuit's input: in the check's order
       * (after this layer's opening, before the next layer's), once.
       */
      private void registerCircuitInput() {
        if (registered) {
          throw new IllegalStateException("this layer answer already moved on");
        }
        registered = true;
        guard(k, () -> {
          if (ended) {
            throw new BundleExhaustedException("this tier-2 bundle ended at an abort");
          }
          LayerPlan.Linear l = plan.get(i);
          LayerSlot s = slots[k][i];
          MacKeyVector zK = weightKeys[i].timesPublic(l.rows(), d).add(s.c).add(s.t.keys())
              .add(biasKeys[i]);
          if (i > 0) {
            zK = zK.add(s.t2.keys());
          }
          verifiers[k].expectZero(on.inputKeys().sub(l.circuitInput(zK)));
          return null;
        });
      }
    }

    /** The query's batched MAC check, O's side. */
    public final class CheckStep {
      private final int k;
      private final FieldLayerGarbler.Online last;
      private boolean challenged;
      private boolean verified;

      private CheckStep(int k, FieldLayerGarbler.Online last) {
        this.k = k;
        this.last = last;
      }

      /**
       * The challenge, encoded, drawn now. The licensee claims nothing (every value the check
       * covers is known to the owner or must be zero), so it goes out right after the last
       * layer's input labels, when every message that fixes a checked value has arrived.
       */
      public byte[] challenge() {
        if (challenged) {
          throw new IllegalStateException("the check was already challenged");
        }
        challenged = true;
        return guard(k, () -> verifiers[k].challengeWithoutClaims());
      }

      /**
       * Checks U's combined tag. Accepted: the release carries the last layer's decoding (and
       * for LOGITS O's output share). Failed: the release is a refusal and the bundle ends.
       *
       * @throws ProtocolAbortException if the response is malformed (the bundle ends)
       */
      public Verdict verify(byte[] response) {
        if (!challenged || verified) {
          throw new IllegalStateException("challenge once, then verify once");
        }
        verified = true;
        MacCheckVerifier verifier = verifiers[k];
        try {
          verifier.verify(response);
        } catch (MacCheckFailedException e) {
          ended = true;
          slots[k] = null;
          return new Verdict(new Tier2Messages.Release(k, false, new byte[0], new long[0])
              .encode(), e);
        } catch (RuntimeException e) {
          ended = true;
          slots[k] = null;
          throw e;
        }
        long[] ownerShare = policy == OutputPolicy.LOGITS ? slots[k][plan.size() - 1].masks
            : new long[0];
        byte[] rel = new Tier2Messages.Release(k, true, last.release(verifier).encode(),
            ownerShare).encode();
        slots[k] = null;
        released++;
        return new Verdict(rel, null);
      }
    }
  }

  /** The outcome of a query's check: the message to send, and the failure if it failed. */
  public static final class Verdict {
    private final byte[] release;
    private final MacCheckFailedException failure;

    private Verdict(byte[] release, MacCheckFailedException failure) {
      this.release = release;
      this.failure = failure;
    }

    /** The {@link Tier2Messages.Release} (or refusal), encoded. */
    public byte[] release() {
      return release.clone();
    }

    /** Whether the check accepted. */
    public boolean accepted() {
      return failure == null;
    }

    /**
     * Throws the check's failure, after the refusal went out.
     *
     * @throws MacCheckFailedException if the check failed
     */
    public void requireAccepted() {
      if (failure != null) {
        throw failure;
      }
    }
  }
}
