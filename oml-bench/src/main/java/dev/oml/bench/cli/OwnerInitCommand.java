package dev.oml.bench.cli;

import dev.oml.service.server.OwnerHome;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code oml owner-init}: creates an owner directory (keys, TLS identity, default policy). */
@Command(name = "owner-init", mixinStandardHelpOptions = true,
    description = "Create an owner directory: signing key, TLS identity, default policy, and "
        + "optionally a PostgreSQL ledger shared by several owner servers.")
final class OwnerInitCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "the owner directory")
  Path dir;

  @Option(names = "--ledger-url", description = "share a PostgreSQL ledger between several owner "
      + "servers: jdbc:postgresql://host:port/database (written to ledger.properties; without it "
      + "the embedded file ledger is used)")
  String ledgerUrl;

  @Option(names = "--ledger-user", description = "the database user of the shared ledger")
  String ledgerUser;

  @Option(names = "--ledger-password-file", description = "a file (mode 0600) holding the "
      + "database password")
  Path ledgerPasswordFile;

  @Option(names = "--ledger-password-env", description = "the name of an environment variable "
      + "holding the database password")
  String ledgerPasswordEnv;

  @Override
  public Integer call() {
    if (ledgerUrl != null && ledgerUser == null) {
      throw new dev.oml.service.ledger.LedgerConfigException("user",
          "--ledger-url needs --ledger-user");
    }
    OwnerHome home = OwnerHome.init(dir, new SecureRandom());
    System.out.println("owner directory " + home.dir());
    System.out.println("owner key id    " + home.ownerPublicKey().keyId().hex());
    System.out.println("certificate     " + home.certificatePem() + " (users pin it)");
    System.out.println("policy          " + home.dir().resolve("policy.properties"));
    if (ledgerUrl != null) {
      System.out.println("shared ledger   " + home.useSharedLedger(ledgerUrl, ledgerUser,
          ledgerPasswordFile, ledgerPasswordEnv));
    }
    return 0;
  }
}
