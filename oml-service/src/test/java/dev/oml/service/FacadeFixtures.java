package dev.oml.service;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.QuantizedModel;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;

/** Owner directories with a tiny model, and the fixed-point oracle, for the facades' tests. */
public final class FacadeFixtures {
  /** The tiny model's ring: wide enough for the standard two-party parameters. */
  public static final FixedPointFormat FORMAT = FixedPointFormat.of(32, 10);
  private static final SecureRandom RNG = new SecureRandom();

  private FacadeFixtures() {}

  /** An owner directory with one tiny model OMLized for {@code licensee}, and that model. */
  public static Model ownerDirectory(Path ownerDir, SigningKeyPair licensee, long quota, Path artifactOut) {
    OwnerHome home = OwnerHome.init(ownerDir, RNG);
    try {
      Files.writeString(ownerDir.resolve("policy.properties"),
          "quota=" + quota + "\nmax-inferences=100\nvalidity=PT10M\nmodes=TWO_PARTY,HOMOMORPHIC\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Model model = TinyModels.mlp(FORMAT, 7, false);
    Omlization o = Omlizer.omlize(model, home.ownerPublicKey(), licensee.publicKey(), RNG);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    if (artifactOut != null) {
      o.artifact().write(artifactOut);
    }
    return model;
  }

  /** The fixed-point reference logits of {@code model} on {@code x}, decoded: the oracle of the two-party mode. */
  public static double[] reference(Model model, double[] x) {
    FixedPointInference ref = new FixedPointInference(QuantizedModel.of(model));
    long[] e = new long[x.length];
    for (int i = 0; i < x.length; i++) {
      e[i] = FORMAT.encode(x[i]);
    }
    long[] y = ref.logits(e);
    double[] out = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = FORMAT.decode(y[i]);
    }
    return out;
  }
}
