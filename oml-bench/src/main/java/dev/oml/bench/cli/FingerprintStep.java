package dev.oml.bench.cli;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.fingerprint.FingerprintKeys;
import dev.oml.core.fingerprint.FingerprintParameters;
import dev.oml.core.fingerprint.Fingerprinter;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Model;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code omlize --fingerprints K}: the step before the split that makes the licensee's own
 * fingerprinted copy (docs/fingerprints.md). Kept apart from {@link OmlizeCommand} so that the
 * command only gains its options and one call.
 */
final class FingerprintStep {
  private FingerprintStep() {}

  /** Checks the options before any file is read: a usage error names what is wrong. */
  static void checkOptions(CommandSpec spec, Integer count, Path ownerDir) {
    if (count == null) {
      return;
    }
    Check.range(spec, "--fingerprints", count, 1, FingerprintKeys.MAX_COUNT);
    if (ownerDir == null) {
      throw Check.usage(spec, "--fingerprints needs --owner-dir: the fingerprints are derived from "
          + "the owner's private key, which the owner directory holds");
    }
  }

  /**
   * {@code model} fine-tuned with {@code count} fingerprints of {@code licensee}, derived from the
   * owner key of {@code home}, replaying clean images of the training split under {@code data}
   * (the Debian package's if {@code null}); {@code model} itself if {@code count} is {@code null}.
   */
  static Model apply(Model model, Integer count, OwnerHome home, SigningPublicKey licensee, Path data) {
    if (count == null) {
      return model;
    }
    Dataset clean = FashionMnist.train(data != null ? data : FashionMnist.SYSTEM_DIR);
    // The owner's private key is the PRF key of the fingerprints; it stays in this process.
    FingerprintKeys keys = FingerprintKeys.derive(home.ownerKey(SecretAccess.get()), SecretAccess.get(),
        licensee, model.name(), model.inputShape(), model.logitShape().size(), count);
    FingerprintParameters p = FingerprintParameters.DEFAULT;
    Model copy = Fingerprinter.embed(model, keys, clean, p,
        e -> System.err.println("fingerprints: epoch " + e));
    System.out.println("fingerprints    " + count + " (fine-tuned copy; check a suspect with: oml "
        + "fingerprint check --owner-dir " + home.dir() + " --fingerprints " + count + ")");
    return copy;
  }
}
