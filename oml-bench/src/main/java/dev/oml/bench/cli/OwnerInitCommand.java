package dev.oml.bench.cli;

import dev.oml.service.server.OwnerHome;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code oml owner-init}: creates an owner directory (keys, TLS identity, default policy). */
@Command(name = "owner-init", mixinStandardHelpOptions = true,
    description = "Create an owner directory: signing key, TLS identity, default policy.")
final class OwnerInitCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "the owner directory")
  Path dir;

  @Override
  public Integer call() {
    OwnerHome home = OwnerHome.init(dir, new SecureRandom());
    System.out.println("owner directory " + home.dir());
    System.out.println("owner key id    " + home.ownerPublicKey().keyId().hex());
    System.out.println("certificate     " + home.certificatePem() + " (users pin it)");
    System.out.println("policy          " + home.dir().resolve("policy.properties"));
    return 0;
  }
}
