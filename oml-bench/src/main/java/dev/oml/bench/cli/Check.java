package dev.oml.bench.cli;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Validation of option values, run by each command before it reads a file or opens a
 * connection: a value out of range is a usage error (exit code 2) with one line that names the
 * option, the allowed range and the value given.
 */
final class Check {
  private Check() {}

  /** {@code value} must lie in {@code [min, max]}. */
  static int range(CommandSpec spec, String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw usage(spec, option + (max == Integer.MAX_VALUE ? " must be at least " + min
          : " must be between " + min + " and " + max) + ", got " + value);
    }
    return (int) value;
  }

  /** An optional value: when given, it must lie in {@code [min, max]}. */
  static void rangeIfSet(CommandSpec spec, String option, Integer value, long min, long max) {
    if (value != null) {
      range(spec, option, value, min, max);
    }
  }

  /** {@code value} must be one of {@code choices}. */
  static String oneOf(CommandSpec spec, String option, String value, String... choices) {
    for (String c : choices) {
      if (c.equals(value)) {
        return value;
      }
    }
    throw usage(spec, option + " must be one of " + String.join(", ", choices) + ", got '" + value + "'");
  }

  /** {@code regex} must be a valid regular expression. */
  static Pattern regex(CommandSpec spec, String what, String regex) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw usage(spec, what + " '" + regex + "' is not a valid regular expression: " + e.getDescription()
          + " near index " + e.getIndex());
    }
  }

  static ParameterException usage(CommandSpec spec, String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
