package dev.oml.service.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading {@code ledger.properties}: a good file gives the settings; every bad one is a {@link
 * LedgerConfigException} naming the setting, and no message or string form shows the password.
 */
class LedgerConfigTest {
  private static final String SECRET = "s3cret-Password-91";
  @TempDir Path dir;

  private Path props(String text) throws Exception {
    Path f = dir.resolve(LedgerConfig.FILE_NAME);
    Files.writeString(f, text);
    return f;
  }

  private Path passwordFile(String perms) throws Exception {
    Path f = dir.resolve("ledger.password");
    Files.writeString(f, SECRET + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    return f;
  }

  @Test
  void aGoodFileGivesItsSettings() throws Exception {
    passwordFile("rw-------");
    LedgerConfig c = LedgerConfig.read(props("""
        url=jdbc:postgresql://127.0.0.1:5432/oml
        user=oml
        password-file=ledger.password
        pool-size=4
        connect-timeout=PT3S
        """), Map.of());
    assertEquals("jdbc:postgresql://127.0.0.1:5432/oml", c.url());
    assertEquals("oml", c.user());
    assertEquals(SECRET, new String(c.password()));
    assertEquals(4, c.poolSize());
    assertEquals(Duration.ofSeconds(3), c.connectTimeout());
    assertFalse(c.toString().contains(SECRET));
    LedgerConfig e = LedgerConfig.read(props("""
        url=jdbc:postgresql://db/oml
        user=oml
        password-env=OML_LEDGER_PASSWORD
        """), Map.of("OML_LEDGER_PASSWORD", SECRET));
    assertEquals(SECRET, new String(e.password()));
    assertEquals(8, e.poolSize());
  }

  private void refused(String setting, String text, Map<String, String> env) throws Exception {
    Path f = props(text);
    LedgerConfigException e = assertThrows(LedgerConfigException.class, () -> LedgerConfig.read(f, env));
    assertEquals(setting, e.setting(), e.getMessage());
    assertTrue(e.getMessage().startsWith(setting + ":"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), "the password leaked: " + e.getMessage());
  }

  @Test
  void everyBadSettingIsNamedAndNoMessageShowsThePassword() throws Exception {
    String ok = "user=oml\npassword-env=P\n";
    Map<String, String> env = Map.of("P", SECRET);
    refused("url", ok, env);
    refused("url", "url=jdbc:mysql://db/oml\n" + ok, env);
    refused("url", "url=jdbc:postgresql://db/oml?password=" + SECRET + "\n" + ok, env);
    refused("user", "url=jdbc:postgresql://db/oml\npassword-env=P\n", env);
    refused("password", "url=jdbc:postgresql://db/oml\n" + ok + "password=" + SECRET + "\n", env);
    refused("password-file", "url=jdbc:postgresql://db/oml\nuser=oml\n", env);
    refused("password-env", "url=jdbc:postgresql://db/oml\nuser=oml\npassword-env=NOT_SET\n", env);
    refused("pool-size", "url=jdbc:postgresql://db/oml\n" + ok + "pool-size=0\n", env);
    refused("pool-size", "url=jdbc:postgresql://db/oml\n" + ok + "pool-size=many\n", env);
    refused("connect-timeout", "url=jdbc:postgresql://db/oml\n" + ok + "connect-timeout=5\n", env);
    refused("kind", "kind=mysql\nurl=jdbc:postgresql://db/oml\n" + ok, env);
    refused("colour", "colour=blue\nurl=jdbc:postgresql://db/oml\n" + ok, env);
  }

  @Test
  void aPasswordFileOthersCanReadIsRefused() throws Exception {
    String text = "url=jdbc:postgresql://db/oml\nuser=oml\npassword-file=ledger.password\n";
    passwordFile("rw-r--r--");
    refused("password-file", text, Map.of());
    passwordFile("rw-r-----");
    refused("password-file", text, Map.of());
    passwordFile("r--------");
    assertEquals(SECRET, new String(LedgerConfig.read(props(text), Map.of()).password()));
  }
}
