package dev.oml.core.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash: a child JVM spends permissions as fast as it can and reports each one after the
 * ledger acknowledged it; the test kills it with SIGKILL mid-stream, reopens the ledger, and
 * checks that every acknowledged spend is there and the file lock died with the process. (The
 * kernel keeps written pages across a process kill, so torn records are covered by
 * {@link FileLedgerTest}'s byte-level truncation instead.)
 */
class FileLedgerKillTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void everyAcknowledgedSpendSurvivesSigkill() throws Exception {
    Path file = dir.resolve("ledger");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        LedgerCrashChild.class.getName(), file.toString()).redirectErrorStream(true).start();
    List<String> acked = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String first = in.readLine();
      assertEquals("open", first, "child did not start");
      String line;
      while (acked.size() < 150 && (line = in.readLine()) != null) {
        acked.add(line);
      }
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    } finally {
      child.destroyForcibly();
    }
    assertEquals(150, acked.size());
    try (FileLedger l = FileLedger.open(file, k -> 0)) {
      for (String nonce : acked) {
        assertTrue(l.isSpent(HexFormat.of().parseHex(nonce)), "acknowledged spend lost: " + nonce);
      }
      assertTrue(l.recoveredRecords() >= acked.size());
    }
  }
}
