package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code oml} command-line application: one entry point whose subcommands cover the owner's
 * and the user's work and the measurements. Every error is one line on standard error, and the
 * exit code says whose it is: 1 for a problem with the input, the environment or the request (a
 * file, the network, a refusal: any {@link OmlException} or I/O failure), 2 for a command line
 * that is wrong (unknown or missing option, a value out of range), 3 only for a failure of this
 * program itself. {@code --verbose} adds the stack trace.
 */
@Command(
    name = "oml",
    mixinStandardHelpOptions = true,
    version = "OML for Java 0.1.0",
    description = "Permissioned private inference: OMLize a model, serve it, query it.",
    subcommands = {EvaluateCommand.class, TrainCommand.class, ImportCommand.class, BenchCommand.class, OwnerInitCommand.class, ServeCommand.class, DemoCommand.class, QueryCommand.class, PermitCommand.class, ProfileCommand.class,
        KeygenCommand.class, OmlizeCommand.class, FingerprintCommand.class, InspectCommand.class})
public final class OmlCli implements Runnable {
  /** The command ran and did what was asked. */
  public static final int OK = 0;
  /** Bad input, an unreachable or refusing owner, a file that cannot be read or written. */
  public static final int INPUT = 1;
  /** The command line itself is wrong. */
  public static final int USAGE = 2;
  /** A failure of this program: a bug to report. */
  public static final int INTERNAL = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "on an error, also print the stack trace (for bug reports)")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command; see oml --help");
  }

  /** The exit codes as {@code --help} lists them (and docs/user-guide.md). */
  static Map<String, String> exitCodes() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(" " + OK, "success");
    m.put(" " + INPUT, "bad input or refused: a file, the data, the network, the owner's answer");
    m.put(" " + USAGE, "usage: unknown or missing option, or an option value out of range");
    m.put(" " + INTERNAL, "internal error: a bug in oml (rerun with --verbose and report it)");
    return m;
  }

  /** Builds the command line with the error handling described above. */
  public static CommandLine commandLine() {
    OmlCli root = new OmlCli();
    CommandLine cl = new CommandLine(root);
    Map<String, String> codes = exitCodes();
    setExitCodes(cl, codes);
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("error: " + oneLine(ex.getMessage()) + " (see: " + cmd.getCommandSpec().qualifiedName()
          + " --help)");
      if (root.verbose) {
        ex.printStackTrace(cmd.getErr());
      }
      return USAGE;
    });
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      int code = exitCode(ex);
      if (code == INTERNAL) {
        err.println("internal error: " + oneLine(String.valueOf(ex)) + (root.verbose ? ""
            : " (a bug in oml: rerun with --verbose for the stack trace and report it)"));
      } else {
        err.println("error: " + message(ex));
      }
      if (root.verbose) {
        ex.printStackTrace(err);
      }
      err.flush();
      return code;
    });
    return cl;
  }

  private static void setExitCodes(CommandLine cl, Map<String, String> codes) {
    cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
    for (CommandLine sub : cl.getSubcommands().values()) {
      setExitCodes(sub, codes);
    }
  }

  /** The exit code for an exception a command threw. */
  static int exitCode(Throwable ex) {
    if (ex instanceof CommandLine.ParameterException) {
      return USAGE;
    }
    if (ex instanceof OmlException || ex instanceof IOException || ex instanceof UncheckedIOException) {
      return INPUT;
    }
    return INTERNAL;
  }

  /** The one line a user sees for an error of theirs or of the environment. */
  static String message(Throwable ex) {
    if (ex instanceof UncheckedIOException u) {
      return message(u.getCause());
    }
    if (ex instanceof NoSuchFileException e) {
      return e.getFile() + ": no such file or directory";
    }
    if (ex instanceof AccessDeniedException e) {
      return e.getFile() + ": permission denied";
    }
    if (ex instanceof FileAlreadyExistsException e) {
      return e.getFile() + ": already exists";
    }
    if (ex instanceof NotDirectoryException e) {
      return e.getFile() + ": not a directory";
    }
    if (ex instanceof IOException && ex.getMessage() == null) {
      return ex.getClass().getSimpleName();
    }
    return oneLine(ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage());
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
