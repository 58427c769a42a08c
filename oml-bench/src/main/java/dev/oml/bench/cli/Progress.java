package dev.oml.bench.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

/**
 * Progress of a long command on standard error: silent for the first two seconds (a quick
 * command prints nothing but its result), then a count at most once a second and at the end, and
 * every free-form status line. On a terminal the count overwrites itself; elsewhere (a log, a
 * pipe) each update is its own line. Standard output keeps only the result, so {@code --json}
 * output stays one object.
 */
final class Progress implements IntConsumer {
  static final long QUIET_NANOS = 2_000_000_000L;
  static final long EVERY_NANOS = 1_000_000_000L;

  private final PrintWriter err;
  private final String what;
  private final int total;
  private final LongSupplier clock;
  private final boolean overwrite;
  private final long start;
  private long last = Long.MIN_VALUE;
  private boolean pending;

  Progress(PrintWriter err, String what, int total) {
    this(err, what, total, System::nanoTime, Console.interactive());
  }

  Progress(PrintWriter err, String what, int total, LongSupplier clock, boolean overwrite) {
    this.err = err;
    this.what = what;
    this.total = total;
    this.clock = clock;
    this.overwrite = overwrite;
    this.start = clock.getAsLong();
  }

  /** {@code done} of the total items are finished. */
  @Override
  public synchronized void accept(int done) {
    long now = clock.getAsLong();
    if (now - start < QUIET_NANOS) {
      return;
    }
    if (done < total && last != Long.MIN_VALUE && now - last < EVERY_NANOS) {
      return;
    }
    last = now;
    String text = String.format(Locale.ROOT, "%s %d/%d (%.0f s)", what, done, total, (now - start) / 1e9);
    if (overwrite) {
      err.print("\r" + text);
      pending = done < total;
      if (!pending) {
        err.println();
      }
    } else {
      err.println(text);
    }
    err.flush();
  }

  /** A status line (a phase begins, a refusal was observed), shown once the quiet time is over. */
  synchronized void line(String text) {
    if (clock.getAsLong() - start < QUIET_NANOS) {
      return;
    }
    if (pending) {
      err.println();
      pending = false;
    }
    err.println(text);
    err.flush();
  }
}
