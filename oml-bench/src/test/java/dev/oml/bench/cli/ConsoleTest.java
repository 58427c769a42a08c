package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Progress on standard error (silent for two seconds, then at most once a second and at the
 * end, timed by a fake clock) and the run directories of demo and profile (gone at the end
 * unless kept).
 */
class ConsoleTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void progressIsSilentForTwoSecondsThenAtMostOnceASecond() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out, true), "he", 10, now::get, false);
    p.accept(1);
    p.line("user: HE, sending keys");
    now.set(SECOND);
    p.accept(2);
    assertEquals("", out.toString(), "a command that ends within two seconds prints no progress");
    now.set(2 * SECOND);
    p.accept(3);
    now.set(2 * SECOND + SECOND / 2);
    p.accept(4); // within a second of the last: skipped
    p.line("user: HE query of 8 images");
    now.set(3 * SECOND + SECOND / 2);
    p.accept(5);
    now.set(3 * SECOND + SECOND / 2 + 1);
    p.accept(10); // the end is always shown
    assertEquals(String.join(System.lineSeparator(), "he 3/10 (2 s)", "user: HE query of 8 images",
        "he 5/10 (4 s)", "he 10/10 (4 s)", ""), out.toString());
  }

  @Test
  void onATerminalTheCountOverwritesItself() {
    AtomicLong now = new AtomicLong(0);
    StringWriter out = new StringWriter();
    Progress p = new Progress(new PrintWriter(out, true), "evaluating", 2, now::get, true);
    now.set(3 * SECOND);
    p.accept(1);
    p.line("note");
    p.accept(2);
    assertEquals("\revaluating 1/2 (3 s)" + System.lineSeparator() + "note" + System.lineSeparator()
        + "\revaluating 2/2 (3 s)" + System.lineSeparator(), out.toString());
  }

  @Test
  void aRunDirectoryIsRemovedUnlessKept() throws Exception {
    Path removed;
    try (Console.RunDirectory d = new Console.RunDirectory("oml-console-test", false)) {
      removed = d.path();
      Files.createDirectories(removed.resolve("shares"));
      Files.writeString(removed.resolve("shares/x.omlk"), "secret");
      Files.writeString(removed.resolve("owner.key"), "secret");
    }
    assertFalse(Files.exists(removed));
    Path kept;
    try (Console.RunDirectory d = new Console.RunDirectory("oml-console-test", true)) {
      kept = d.path();
      Files.writeString(kept.resolve("owner.key"), "secret");
    }
    assertTrue(Files.exists(kept.resolve("owner.key")));
    Console.deleteTree(kept);
    assertFalse(Files.exists(kept));
  }
}
