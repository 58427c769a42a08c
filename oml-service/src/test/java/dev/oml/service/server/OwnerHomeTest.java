package dev.oml.service.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnerHomeTest {
  @TempDir Path dir;

  @Test
  void initCreatesKeysTlsAndPolicyAndServesTheLicenseesOfItsShares() throws Exception {
    SecureRandom rnd = new SecureRandom();
    OwnerHome home = OwnerHome.init(dir, rnd);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("owner.key"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls.p12"))));
    // init is idempotent: a second call keeps the keys
    byte[] pub = Files.readAllBytes(dir.resolve("owner.pub"));
    OwnerHome.init(dir, rnd);
    assertTrue(java.util.Arrays.equals(pub, Files.readAllBytes(dir.resolve("owner.pub"))));

    SigningKeyPair licensee = SigningKeyPair.generate(rnd);
    Omlization o = Omlizer.omlize(TestModels.mlp(1, 6, 4, 3), home.ownerPublicKey(), licensee.publicKey(), rnd);
    home.addKeyShare(o.keyShare(), SecretAccess.get());
    assertEquals(1, home.keyShares(SecretAccess.get()).size());

    PermissionPolicy policy = home.policy(SecretAccess.get());
    assertEquals(1000, policy.quotaOf(licensee.keyId()));
    assertEquals(licensee.keyId(), policy.licenseeOf(o.artifact().modelId()).orElseThrow());
    assertEquals(EnumSet.allOf(InferenceMode.class), policy.modes());
    assertEquals(PermissionPolicy.DEFAULT_MAX_ABORTS, policy.maxAborts());
    try (PermissionLedger ledger = home.openLedger(policy)) {
      assertEquals(0, ledger.charged(licensee.keyId()));
    }
    assertEquals(home.tls().certificate(), TlsCredentials.readPem(home.certificatePem()));
  }

  @Test
  void badPoliciesAndMissingDirectoriesGiveClearErrors() throws Exception {
    OmlException e = assertThrows(OmlException.class, () -> OwnerHome.open(dir));
    assertTrue(e.getMessage().contains("not an owner directory"), e.getMessage());
    OwnerHome home = OwnerHome.init(dir, new SecureRandom());
    Files.writeString(dir.resolve("policy.properties"), "quota=-3\n");
    e = assertThrows(OmlException.class, () -> home.policy(SecretAccess.get()));
    assertTrue(e.getMessage().contains("quota"), e.getMessage());
    Files.writeString(dir.resolve("policy.properties"), "modes=TELEPATHY\n");
    e = assertThrows(OmlException.class, () -> home.policy(SecretAccess.get()));
    assertTrue(e.getMessage().contains("TELEPATHY"), e.getMessage());
    // 2^32 + 1 must not narrow to 1 and pass.
    Files.writeString(dir.resolve("policy.properties"), "max-inferences=4294967297\n");
    e = assertThrows(OmlException.class, () -> home.policy(SecretAccess.get()));
    assertTrue(e.getMessage().contains("max-inferences must be between 1 and 2147483647"), e.getMessage());
    for (String validity : new String[] {"-PT10M", "PT0S"}) {
      Files.writeString(dir.resolve("policy.properties"), "validity=" + validity + "\n");
      e = assertThrows(OmlException.class, () -> home.policy(SecretAccess.get()));
      assertTrue(e.getMessage().contains("validity must be positive"), e.getMessage());
    }
    for (String maxAborts : new String[] {"0", "17", "-1", "three"}) {
      Files.writeString(dir.resolve("policy.properties"), "max-aborts=" + maxAborts + "\n");
      e = assertThrows(OmlException.class, () -> home.policy(SecretAccess.get()));
      assertTrue(e.getMessage().contains("max-aborts"), e.getMessage());
    }
    Files.writeString(dir.resolve("policy.properties"), "max-aborts=1\n");
    assertEquals(1, home.policy(SecretAccess.get()).maxAborts());
    Files.writeString(dir.resolve("policy.properties"), "max-inferences=2147483647\nvalidity=PT1S\n");
    assertEquals(Integer.MAX_VALUE, home.policy(SecretAccess.get()).maxInferencesPerPermission());
    Files.writeString(dir.resolve("tls.p12"), "garbage");
    assertThrows(OmlException.class, home::tls);
  }

  @Test
  void theLedgerIsTheFileLedgerUnlessLedgerPropertiesSelectsPostgres() throws Exception {
    OwnerHome home = OwnerHome.init(dir, new SecureRandom());
    PermissionPolicy policy = home.policy(SecretAccess.get());
    try (PermissionLedger ledger = home.openLedger(policy)) {
      assertTrue(ledger instanceof dev.oml.core.ledger.FileLedger, ledger.toString());
    }
    // a setting that is wrong is named, and nothing is opened
    Path props = home.useSharedLedger("jdbc:postgresql://127.0.0.1:1/oml", "oml", null, "OML_PW");
    assertTrue(Files.readString(props).contains("password-env=OML_PW"));
    dev.oml.service.ledger.LedgerConfigException e = assertThrows(
        dev.oml.service.ledger.LedgerConfigException.class,
        () -> home.openLedger(policy, java.util.Map.of()));
    assertEquals("password-env", e.setting());
    // owner-init refuses what would put a password into the directory
    assertThrows(dev.oml.service.ledger.LedgerConfigException.class, () -> home.useSharedLedger(
        "jdbc:postgresql://db/oml?password=hunter2", "oml", null, "OML_PW"));
    assertThrows(dev.oml.service.ledger.LedgerConfigException.class, () -> home.useSharedLedger(
        "jdbc:postgresql://db/oml", "oml", null, "hunter2!"));
    assertThrows(dev.oml.service.ledger.LedgerConfigException.class, () -> home.useSharedLedger(
        "jdbc:mysql://db/oml", "oml", null, "OML_PW"));
    assertTrue(Files.readString(props).contains("127.0.0.1:1"), "a refused setting changed nothing");
  }
}
