package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.he.BfvEncoding;
import dev.oml.he.HeParameters;
import dev.oml.he.HeScheme;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.OutputPolicy;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Test harness: OMLizes a model into the field, runs the owner on a second thread and the
 * licensee on this one over an in-memory channel pair, and keeps both sides' outcomes. Also the
 * oracle with a hook: the field reference run layer by layer with an additive offset on one
 * pre-activation or one hidden input, for what an attack achieves with the check off.
 */
final class Tier2Run {
  /** INSECURE: N = 512 keeps the suite fast; same plain modulus and chain shape as standard. */
  static final HeParameters INSECURE_FP = HeParameters.builder(HeScheme.BFV)
      .polyModulusDegree(512).coeffModulusBits(60, 50, 50).plainModulus(PrimeField.P)
      .encoding(BfvEncoding.COEFFICIENT).insecureForTesting().build();
  static final SecureRandom RNG = new SecureRandom();

  final OfflineHe he = new OfflineHe(INSECURE_FP, 40);
  final FieldQuantizedModel reference;
  final Tier2Owner owner;
  final Tier2User user;
  final FieldOmlizer.Result omlized;
  InMemoryChannel.Pair channels;
  Tier2Owner.Bundle ownerBundle;
  Tier2User.Bundle userBundle;
  long offlineBytesOU;
  long offlineBytesUO;

  Tier2Run(Model model, int f) {
    reference = FieldQuantizedModel.of(model, f);
    FieldOmlizer.Result o = omlize(model, f);
    omlized = o;
    owner = new Tier2Owner(o.keyShare(), SecretAccess.get(), he, RNG);
    user = new Tier2User(o.artifact(), he, RNG);
  }

  static FieldOmlizer.Result omlize(Model model, int f) {
    return FieldOmlizer.omlize(model, f, SigningKeyPair.generate(RNG).publicKey(),
        SigningKeyPair.generate(RNG).publicKey(), RNG);
  }

  static <T> T join(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  Tier2Run offline(int queries, OutputPolicy policy) throws Exception {
    channels = InMemoryChannel.pair();
    CompletableFuture<Tier2Owner.Bundle> o = CompletableFuture.supplyAsync(
        () -> owner.offline(channels.first(), queries, policy));
    userBundle = user.offline(channels.second(), queries, policy);
    ownerBundle = join(o);
    offlineBytesOU = channels.first().bytesSent();
    offlineBytesUO = channels.second().bytesSent();
    return this;
  }

  /** Both sides' outcome of one query: U's result or exception, O's exception or null. */
  record Outcome(Tier2User.Result result, Exception userError, Exception ownerError,
      long bytesOU, long bytesUO) {}

  Outcome query(long[] x) {
    long ou = channels.first().bytesSent();
    long uo = channels.second().bytesSent();
    CompletableFuture<Void> o = CompletableFuture.runAsync(
        () -> ownerBundle.serve(channels.first()));
    Tier2User.Result r = null;
    Exception ue = null;
    try {
      r = userBundle.query(channels.second(), x);
    } catch (RuntimeException e) {
      ue = e;
    }
    Exception oe = null;
    try {
      join(o);
    } catch (Exception e) {
      oe = e;
    }
    return new Outcome(r, ue, oe, channels.first().bytesSent() - ou,
        channels.second().bytesSent() - uo);
  }

  long[] input(int seed) {
    java.util.Random r = new java.util.Random(seed);
    double[] x = new double[reference.cols(firstLinear())];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble() * 2 - 1;
    }
    return user.encodeInput(x);
  }

  int firstLinear() {
    for (int i = 0; ; i++) {
      if (reference.isLinear(i)) {
        return i;
      }
    }
  }

  long[] expectedLogits(long[] x) {
    return new FieldFixedPointInference(reference).logits(x);
  }

  /**
   * The reference with an offset: {@code preDelta} added to pre-activation {@code neuron} of
   * linear layer {@code layer} (at scale 2^(2f)), or {@code inDelta} to input element
   * {@code neuron} of that layer (at scale 2^f). ReLU and MaxPool2D apply where the model has
   * them.
   */
  long[] shiftedLogits(long[] x, int layer, int neuron, long preDelta, long inDelta) {
    int f = reference.fractionalBits();
    var layers = reference.model().layers();
    long[] h = x.clone();
    int k = -1;
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) instanceof dev.oml.core.model.ReLU) {
        for (int j = 0; j < h.length; j++) {
          h[j] = FieldFixedPoint.center(h[j]) < 0 ? 0 : h[j];
        }
      }
      if (layers.get(i) instanceof dev.oml.core.model.MaxPool2D p) {
        h = FieldFixedPointInference.maxPool(p.windows(reference.model().inputShapeOf(i)),
            p.window(), h);
      }
      if (!reference.isLinear(i)) {
        continue;
      }
      k++;
      if (k == layer && inDelta != 0) {
        h[neuron] = PrimeField.add(h[neuron], PrimeField.reduce(inDelta));
      }
      long[] z = PrimeField.matVec(reference.matrix(i), reference.rows(i), h, null);
      PrimeField.add(z, reference.bias(i), z);
      if (k == layer && preDelta != 0) {
        z[neuron] = PrimeField.add(z[neuron], PrimeField.reduce(preDelta));
      }
      for (int j = 0; j < z.length; j++) {
        z[j] = FieldFixedPointInference.activate(z[j], 0, f, false);
      }
      h = z;
    }
    return h;
  }

  static long centered(long v) {
    return FieldFixedPoint.center(v);
  }

  /**
   * Runs a LOGITS bundle of {@code n} queries of {@code m} on distinct inputs (seeds from
   * {@code firstInput}), each against the field reference bit for bit; some logit must be
   * negative (so the output is not clamped), and the spent bundle serves no more.
   */
  static Tier2Run logitsBundleEqualsReference(Model m, int f, int n, int firstInput)
      throws Exception {
    Tier2Run run = new Tier2Run(m, f).offline(n, OutputPolicy.LOGITS);
    boolean someNegative = false;
    for (int k = 0; k < n; k++) {
      long[] x = run.input(firstInput + k);
      Outcome o = run.query(x);
      assertNull(o.userError(), () -> m.name() + " query: " + o.userError());
      assertNull(o.ownerError());
      long[] expected = run.expectedLogits(x);
      assertArrayEquals(expected, o.result().logits(), m.name() + " query " + k);
      for (long v : expected) {
        someNegative |= centered(v) < 0;
      }
    }
    assertTrue(someNegative, "the logits are not all clamped at zero");
    assertEquals(n, run.ownerBundle.released());
    assertThrows(BundleExhaustedException.class, () -> run.ownerBundle.serve(run.channels.first()));
    return run;
  }
}
