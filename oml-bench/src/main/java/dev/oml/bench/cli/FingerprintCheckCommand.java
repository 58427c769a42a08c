package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import dev.oml.core.fingerprint.FingerprintCheck;
import dev.oml.core.fingerprint.FingerprintKeys;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.NpzImporter;
import dev.oml.core.omlize.ArtifactManifest;
import dev.oml.core.omlize.OmlKeyShare;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml fingerprint check}: queries a suspect model with every licensee's fingerprints
 * (re-derived from the owner's key and the licensees and models of the key shares in the owner
 * directory) and prints, per licensee, the matches out of {@code K} and the p-value against
 * chance; it names a licensee only below the threshold ({@code 2^-40} by default) and says
 * "no licensee" otherwise. Both verdicts exit with 0.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Check a suspect model against every licensee's fingerprints.")
final class FingerprintCheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--suspect", required = true, description = "the suspect model: .omlm or .npz")
  Path suspect;

  @Option(names = "--owner-dir", required = true, description = "the owner directory (see owner-init)")
  Path ownerDir;

  @Option(names = "--fingerprints", defaultValue = "" + FingerprintKeys.DEFAULT_COUNT,
      description = "fingerprints per licensee, as given to omlize (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--threshold-log2", defaultValue = "-40",
      description = "name a licensee only if p < 2^T (default T = ${DEFAULT-VALUE}), -1000 to -1")
  int thresholdLog2;

  @Override
  public Integer call() {
    Check.range(spec, "--fingerprints", count, 1, FingerprintKeys.MAX_COUNT);
    Check.range(spec, "--threshold-log2", thresholdLog2, -1000, -1);
    OwnerHome home = OwnerHome.open(ownerDir);
    Model m = load(suspect);
    // The owner's private key is the PRF key of every licensee's fingerprints: read here to
    // re-derive them, and never printed.
    SigningKeyPair owner = home.ownerKey(SecretAccess.get());
    List<FingerprintKeys> keys = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int shares = 0;
    for (OmlKeyShare s : home.keyShares(SecretAccess.get())) {
      shares++;
      ArtifactManifest man = s.description();
      Model arch = man.architecture();
      if (arch.inputShape().size() != m.inputShape().size()
          || arch.logitShape().size() != m.logitShape().size()) {
        continue;
      }
      if (seen.add(man.licenseeKey().keyId().hex() + "/" + man.modelName())) {
        keys.add(FingerprintKeys.derive(owner, SecretAccess.get(), man.licenseeKey(), man.modelName(),
            arch.inputShape(), arch.logitShape().size(), count));
      }
    }
    if (keys.isEmpty()) {
      throw new OmlException("none of the " + shares + " key shares in " + ownerDir.resolve("shares")
          + " is for a model of " + m.inputShape().size() + " inputs and " + m.logitShape().size()
          + " classes, as the suspect is: nothing to check it against");
    }
    FingerprintCheck.Report r = FingerprintCheck.check(FingerprintCheck.of(m), keys, thresholdLog2);
    System.out.println("suspect   " + suspect + " (" + m.inputShape().size() + " inputs, "
        + m.logitShape().size() + " classes)");
    System.out.printf(Locale.ROOT, "%-16s  %-20s  %9s  %s%n", "licensee", "model", "matches", "p-value");
    for (FingerprintCheck.Row row : r.rows()) {
      System.out.printf(Locale.ROOT, "%-16s  %-20s  %4d/%-4d  %s%n", row.licenseeHex().substring(0, 16),
          row.modelName(), row.matches(), row.count(), p(row.log2PValue()));
    }
    if (r.named()) {
      System.out.println("verdict   licensee " + r.identified().licenseeHex() + " (p = "
          + p(r.identified().log2PValue()) + " < 2^" + thresholdLog2 + ")");
    } else {
      double min = r.rows().stream().mapToDouble(FingerprintCheck.Row::log2PValue).min().orElse(0);
      System.out.println("verdict   no licensee (smallest p = " + p(min) + ", not below 2^" + thresholdLog2 + ")");
    }
    return 0;
  }

  private static String p(double log2) {
    return String.format(Locale.ROOT, "2^%.1f", log2);
  }

  private static Model load(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".npz")) {
      return NpzImporter.load(p, "suspect");
    }
    if (n.endsWith(ModelFiles.EXTENSION)) {
      return ModelFiles.load(p);
    }
    throw new OmlException("--suspect " + p + ": unknown model format; give an .omlm model or an .npz "
        + "export (see docs/model-format.md)");
  }
}
