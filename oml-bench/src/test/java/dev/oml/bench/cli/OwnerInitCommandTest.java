package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code owner-init --ledger-url}: writes {@code ledger.properties} naming where the password is,
 * never the password; a wrong setting is refused with its name and writes nothing.
 */
class OwnerInitCommandTest {
  @TempDir Path dir;

  @Test
  void ledgerOptionsWriteLedgerPropertiesWithoutThePassword() throws Exception {
    Path owner = dir.resolve("owner");
    CliRun r = CliRun.of("owner-init", "--dir", owner.toString(), "--ledger-url",
        "jdbc:postgresql://10.0.0.5:5432/oml", "--ledger-user", "oml_ledger",
        "--ledger-password-env", "OML_LEDGER_PASSWORD");
    assertEquals(0, r.code(), r.err());
    String props = Files.readString(owner.resolve("ledger.properties"));
    assertTrue(props.contains("url=jdbc:postgresql://10.0.0.5:5432/oml"), props);
    assertTrue(props.contains("user=oml_ledger"), props);
    assertTrue(props.contains("password-env=OML_LEDGER_PASSWORD"), props);
    assertTrue(r.out().contains("ledger.properties"), r.out());
  }

  @Test
  void aWrongLedgerSettingIsNamedAndWritesNothing() {
    Path owner = dir.resolve("owner");
    CliRun r = CliRun.of("owner-init", "--dir", owner.toString(), "--ledger-url",
        "jdbc:mysql://db/oml", "--ledger-user", "oml", "--ledger-password-env", "P");
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("url"), r.err());
    assertFalse(Files.exists(owner.resolve("ledger.properties")));
    CliRun noUser = CliRun.of("owner-init", "--dir", owner.toString(), "--ledger-url",
        "jdbc:postgresql://db/oml", "--ledger-password-env", "P");
    assertNotEquals(0, noUser.code());
    assertTrue(noUser.err().contains("--ledger-user"), noUser.err());
  }
}
