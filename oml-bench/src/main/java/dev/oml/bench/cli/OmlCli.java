package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code oml} command-line application: one entry point whose subcommands cover the owner's
 * and the user's work and the measurements. Errors print as one line on standard error with a
 * non-zero exit code: 1 for a problem with the input or the request (any {@link OmlException}),
 * 2 for a usage error, 3 for an internal failure.
 */
@Command(
    name = "oml",
    mixinStandardHelpOptions = true,
    version = "OML for Java 0.1.0",
    description = "Permissioned private inference: OMLize a model, serve it, query it.",
    subcommands = {EvaluateCommand.class, TrainCommand.class, ImportCommand.class, BenchCommand.class, OwnerInitCommand.class, ServeCommand.class, DemoCommand.class, QueryCommand.class, PermitCommand.class, ProfileCommand.class,
        KeygenCommand.class, OmlizeCommand.class})
public final class OmlCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** Builds the command line with the error handling described above. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new OmlCli());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof OmlException) {
        cmd.getErr().println("error: " + ex.getMessage());
        return 1;
      }
      cmd.getErr().println("internal error: " + ex);
      return 3;
    });
    return cl;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
