package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.field.PrimeField;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.omlize.OmlKeyShare;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.service.server.OwnerHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code oml omlize}: the owner splits a model for one licensee into the licensee's artifact
 * ({@code artifact.omla}, to hand out) and the owner's key share ({@code owner-key-share.omlk},
 * {@code rw-------}, to keep). Fresh seed and salt on every run. A model the two-party mode runs
 * (dense, conv, avgpool, flatten, ReLU, argmax) is split over {@code F_p} with MAC tags, format
 * version 2; a model with square or polynomial activations, which only the HE mode serves, gets
 * a version-1 pair that names it for the HE mode.
 */
@Command(name = "omlize", mixinStandardHelpOptions = true,
    description = "Split a model for one licensee into its artifact and the owner's key share.")
final class OmlizeCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, description = "model file (.omlm)")
  Path model;

  @Option(names = "--licensee", required = true, description = "the licensee's public key file (.pub)")
  Path licensee;

  @Option(names = "--owner", description = "the owner's public key file (.pub); default: owner.pub "
      + "in the --out directory")
  Path owner;

  @Option(names = "--out", required = true, description = "directory for artifact.omla and "
      + "owner-key-share.omlk")
  Path out;

  @Option(names = "--owner-dir", description = "an owner directory (see owner-init): take the "
      + "owner's public key from it and also file the key share under its shares/, where serve finds it")
  Path ownerDir;

  @Option(names = "--ring-bits", description = "HE-only models (format version 1): share in a "
      + "ring of this many bits (same f) instead of the model's own format")
  Integer ringBits;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--fingerprints", description = "first fine-tune the licensee's own copy with K "
      + "fingerprints (needs --owner-dir; see docs/fingerprints.md), 1 to 4096; 64 is the default of "
      + "fingerprint check")
  Integer fingerprints;

  @Option(names = "--fingerprint-data", description = "with --fingerprints: a directory with the "
      + "training split to replay clean images from; default: the Debian package's")
  Path fingerprintData;

  @Override
  public Integer call() {
    FingerprintStep.checkOptions(spec, fingerprints, ownerDir);
    // An owner directory is checked first: nothing is written for a folder that is not one.
    OwnerHome home = ownerDir == null ? null : OwnerHome.open(ownerDir);
    Path ownerFile = owner != null ? owner
        : ownerDir != null ? ownerDir.resolve("owner.pub") : out.resolve("owner.pub");
    if (!Files.exists(ownerFile)) {
      throw new OmlException("no owner public key at " + ownerFile
          + "; pass --owner FILE (make one with: oml keygen --out DIR --name owner)");
    }
    SigningPublicKey ownerKey = KeyFiles.readPublic(ownerFile);
    SigningPublicKey licenseeKey = KeyFiles.readPublic(licensee);
    Model m = FingerprintStep.apply(ModelFiles.load(model), fingerprints, home, licenseeKey, fingerprintData);
    FixedPointFormat fmt = m.format();
    int f = fmt.fractionalBits();
    OmlArtifact artifactOut;
    OmlKeyShare shareOut;
    String format;
    if (FieldQuantizedModel.hasTier2Rule(m)) {
      if (ringBits != null) {
        throw new OmlException("--ring-bits applies to HE-only models; " + m.name() + " is split"
            + " over F_p (format version 2) for the two-party mode");
      }
      FieldOmlizer.Result r = FieldOmlizer.omlize(m, f, ownerKey, licenseeKey, new SecureRandom());
      artifactOut = r.artifact();
      shareOut = r.keyShare();
      format = "version 2, F_p (p = " + PrimeField.P + "), f = " + f + ", with MAC tags";
    } else {
      if (ringBits != null) {
        try {
          fmt = FixedPointFormat.of(ringBits, f);
        } catch (IllegalArgumentException e) {
          throw new OmlException("--ring-bits " + ringBits + ": " + e.getMessage());
        }
      }
      Omlization o = Omlizer.omlize(m, fmt, ownerKey, licenseeKey, new SecureRandom());
      artifactOut = o.artifact();
      shareOut = o.keyShare();
      format = "version 1, " + fmt + " (HE mode only: the two-party mode has no rule for its"
          + " activations)";
    }
    Path artifact = out.resolve("artifact.omla");
    Path keyShare = out.resolve("owner-key-share.omlk");
    // Each file is written atomically (AtomicFiles), and if one of the three cannot be written
    // the others are removed: a run either leaves all its outputs or none.
    List<Path> written = new ArrayList<>();
    Path filed = null;
    try {
      if (home != null) {
        filed = home.addKeyShare(shareOut, SecretAccess.get());
        written.add(filed);
      }
      // The key share holds the seed k_O: written owner-readable only.
      shareOut.write(keyShare, SecretAccess.get());
      written.add(keyShare);
      artifactOut.write(artifact);
    } catch (RuntimeException e) {
      for (Path p : written) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // the original error is the one to report
        }
      }
      throw e;
    }
    if (filed != null) {
      System.out.println("filed share     " + filed);
    }
    System.out.println("model id        " + artifactOut.modelId().hex());
    System.out.println("licensee        " + licenseeKey.keyId().hex());
    System.out.println("format          " + format);
    System.out.println("artifact        " + artifact + " (give to the licensee)");
    System.out.println("owner key share " + keyShare + " (rw-------, keep)");
    return 0;
  }
}
