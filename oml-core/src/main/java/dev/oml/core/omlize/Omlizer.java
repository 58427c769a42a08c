package dev.oml.core.omlize;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.reference.QuantizedModel;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * OMLize, run by the owner offline: splits a model for one licensee into a {@link
 * LicenseeArtifact} and an {@link OwnerKeyShare}. It draws a fresh 256-bit seed {@code k_O} and a
 * fresh 128-bit salt from a {@link SecureRandom}, quantizes the model ({@link QuantizedModel}),
 * and for every matrix and bias tensor computes {@code W_U = W - PRG(k_O, salt, name) mod 2^l}.
 * Each call draws new randomness, so two OMLizations (another licensee, or a new version for the
 * same one) never share a stream. The model id is computed last, over manifest and shares; the
 * key share also records the {@link ModelContentHash} of the model given here (before any
 * change of format), which the HE service checks against the network it serves.
 */
public final class Omlizer {
  private Omlizer() {}

  /**
   * OMLizes {@code model} in its own fixed-point format.
   *
   * @throws FormatTooNarrowException if the model's format cannot hold its values
   */
  public static Omlization omlize(Model model, SigningPublicKey ownerKey,
      SigningPublicKey licenseeKey, SecureRandom random) {
    return omlize(model, model.format(), ownerKey, licenseeKey, random);
  }

  /**
   * OMLizes {@code model} in the fixed-point format {@code format} (for example a wider ring
   * for one mode).
   *
   * @throws FormatTooNarrowException if {@code format}'s ring width {@code l} is smaller than
   *     {@link Model#requiredRingBits(int)} for its {@code f}
   */
  public static Omlization omlize(Model model, FixedPointFormat format, SigningPublicKey ownerKey,
      SigningPublicKey licenseeKey, SecureRandom random) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(ownerKey, "ownerKey");
    Objects.requireNonNull(licenseeKey, "licenseeKey");
    Objects.requireNonNull(random, "random");
    int needed = model.requiredRingBits(format.fractionalBits());
    if (needed > format.ringBits()) {
      throw new FormatTooNarrowException("model '" + model.name() + "' needs a ring of at least "
          + needed + " bits at f=" + format.fractionalBits() + "; " + format
          + " is too narrow. Choose a larger l (at most " + FixedPointFormat.MAX_RING_BITS
          + ") or a smaller f");
    }
    Model m = format.equals(model.format()) ? model : model.withFormat(format);
    QuantizedModel q = QuantizedModel.of(m);
    byte[] seed = new byte[OwnerKeyShare.SEED_BYTES];
    byte[] salt = new byte[ArtifactManifest.SALT_BYTES];
    random.nextBytes(seed);
    random.nextBytes(salt);
    ArtifactManifest manifest = ArtifactManifest.of(m, salt, ownerKey, licenseeKey);
    int n = m.layers().size();
    long[][] matrices = new long[n][];
    long[][] biases = new long[n][];
    for (ArtifactManifest.TensorInfo t : manifest.tensors()) {
      long[] w = t.bias() ? q.bias(t.layer()) : q.matrix(t.layer());
      long[] mask = Prg.stream(seed, salt, t.name(), format, t.length());
      long[] u = new long[w.length];
      for (int j = 0; j < w.length; j++) {
        u[j] = format.reduce(w[j] - mask[j]);
      }
      (t.bias() ? biases : matrices)[t.layer()] = u;
    }
    LicenseeArtifact artifact = new LicenseeArtifact(manifest, matrices, biases);
    return new Omlization(artifact, new OwnerKeyShare(manifest, artifact.modelId(), seed,
        ModelContentHash.of(model)));
  }
}
