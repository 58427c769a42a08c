package dev.oml.bench.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code oml fingerprint}: the owner's tools for per-licensee fingerprints (docs/fingerprints.md):
 * {@code check} names the licensee a suspect model came from, {@code study} measures what the
 * fingerprints cost and what removes them.
 */
@Command(name = "fingerprint", mixinStandardHelpOptions = true,
    description = "Per-licensee fingerprints: check a suspect model, or measure them.",
    subcommands = {FingerprintCheckCommand.class, FingerprintStudyCommand.class})
final class FingerprintCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: check or study");
  }
}
