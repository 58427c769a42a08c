package dev.oml.bench.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where and when a profile was measured, so that its figures can be compared with another run's
 * or reproduced: the date (UTC), the source commit, the machine (OS, architecture, CPU model,
 * processors, memory, load average at the start) and the JVM. On a shared machine the load
 * average says more about a figure than anything else here.
 *
 * @param date start of the run, ISO-8601 UTC, to the second
 * @param commit {@code git rev-parse HEAD} of the installation, with {@code -dirty} if tracked
 *     files differ from it, or {@code "unknown"} outside a git checkout or without git
 * @param os operating system name and version
 * @param arch CPU architecture
 * @param cpuModel the CPU model from {@code /proc/cpuinfo}, or {@code "unknown"}
 * @param processors processors available to the JVM
 * @param memoryBytes the JVM's maximum heap
 * @param loadAverage the one-minute system load average at the start, or -1 where the OS has none
 * @param jvm the JVM's name, vendor and runtime version
 */
public record RunInfo(String date, String commit, String os, String arch, String cpuModel,
    int processors, long memoryBytes, double loadAverage, String jvm) {

  /** This process and machine now, and the commit of the installation at {@code home}. */
  public static RunInfo capture(Path home) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return new RunInfo(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), commit(home),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("os.arch"), readCpuModel(), Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory(), os.getSystemLoadAverage(),
        System.getProperty("java.vm.name") + ", " + System.getProperty("java.vm.vendor") + ", "
            + System.getProperty("java.runtime.version"));
  }

  /** One line, for the text outputs. */
  public String machine() {
    return String.format(java.util.Locale.ROOT, "%s, %d processors, %s %s", cpuModel, processors, os,
        arch);
  }

  private static String readCpuModel() {
    Path info = Path.of("/proc/cpuinfo");
    try {
      if (Files.isReadable(info)) {
        for (String line : Files.readAllLines(info, StandardCharsets.UTF_8)) {
          if (line.startsWith("model name")) {
            return line.substring(line.indexOf(':') + 1).trim();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: the field says so
    }
    return "unknown";
  }

  private static String commit(Path home) {
    List<String> head = git(home, "rev-parse", "HEAD");
    if (head.size() != 1 || !head.get(0).matches("[0-9a-f]{40}")) {
      return "unknown";
    }
    return head.get(0) + (git(home, "status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : "-dirty");
  }

  /** The output lines of a git command in {@code dir}, or an empty list if it fails. */
  private static List<String> git(Path dir, String... args) {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    Path out = null;
    try {
      // output to a file, so a git that hangs is bounded by the wait below, not by a blocking read
      out = Files.createTempFile("oml-git", ".txt");
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
          .redirectOutput(out.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return List.of();
      }
      return p.exitValue() == 0
          ? Files.readAllLines(out, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList()
          : List.of();
    } catch (IOException e) {
      return List.of(); // no git on this machine
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // a temporary file of a few bytes left behind; nothing secret in it
        }
      }
    }
  }
}
