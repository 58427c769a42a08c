package dev.oml.service;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/** Owner directories with a tiny model, and the field oracle, for the facades' tests. */
public final class FacadeFixtures {
  /** The tiny model's fractional bits in the field of the two-party mode. */
  public static final int F = 12;
  /** The tiny model's own format (the field mode uses only its {@code f}). */
  public static final FixedPointFormat FORMAT = FixedPointFormat.of(40, F);
  private static final SecureRandom RNG = new SecureRandom();

  private FacadeFixtures() {}

  /** An owner directory with one tiny model OMLized for {@code licensee}, and that model. */
  public static Model ownerDirectory(Path ownerDir, SigningKeyPair licensee, long quota, Path artifactOut) {
    return ownerDirectory(ownerDir, licensee, quota, artifactOut, TinyModels.mlp(FORMAT, 7, false));
  }

  /** An owner directory with {@code model} OMLized for {@code licensee}. */
  public static Model ownerDirectory(Path ownerDir, SigningKeyPair licensee, long quota,
      Path artifactOut, Model model) {
    OwnerHome home = OwnerHome.init(ownerDir, RNG);
    try {
      Files.writeString(ownerDir.resolve("policy.properties"),
          "quota=" + quota + "\nmax-inferences=100\nvalidity=PT10M\nmodes=TWO_PARTY,HOMOMORPHIC\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    FieldOmlizer.Result o = FieldOmlizer.omlize(model, F, home.ownerPublicKey(),
        licensee.publicKey(), RNG);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    if (artifactOut != null) {
      o.artifact().write(artifactOut);
    }
    return model;
  }

  /**
   * The field reference logits of {@code model} on {@code x}, decoded: the oracle of the
   * two-party mode.
   */
  public static double[] reference(Model model, double[] x) {
    FieldFixedPointInference ref = new FieldFixedPointInference(FieldQuantizedModel.of(model, F));
    long[] y = ref.logits(ref.encodeInput(x));
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = FieldFixedPoint.decode(y[i], F);
    }
    return out;
  }
}
