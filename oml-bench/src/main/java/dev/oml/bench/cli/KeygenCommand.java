package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml keygen}: makes an Ed25519 key pair for an owner (who signs permissions) or a
 * licensee (who signs permit requests and proofs of possession). Writes {@code NAME.key}
 * ({@code rw-------}) and {@code NAME.pub}; refuses to replace an existing private key.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
    description = "Make an Ed25519 key pair (NAME.key, owner-readable only, and NAME.pub).")
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--out", required = true, description = "directory for the key files")
  Path out;

  @Option(names = "--name", defaultValue = "key",
      description = "base name of the files, e.g. owner or licensee (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--force", description = "replace an existing key pair of that name")
  boolean force;

  @Override
  public Integer call() {
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw Check.usage(spec, "--name must be 1 to 64 letters, digits, '.', '_' or '-', got '" + name + "'");
    }
    Path sk = out.resolve(name + ".key");
    Path pk = out.resolve(name + ".pub");
    if (Files.exists(sk) && !force) {
      throw new OmlException(sk + " exists; a private key is never replaced silently. "
          + "Pass --force to replace it");
    }
    SigningKeyPair kp = SigningKeyPair.generate(new SecureRandom());
    // The one place the CLI writes a private key: to its owner-only file.
    KeyFiles.writePrivate(kp, sk, SecretAccess.get());
    KeyFiles.writePublic(kp.publicKey(), pk);
    System.out.println("private key  " + sk + " (rw-------)");
    System.out.println("public key   " + pk);
    System.out.println("key id       " + kp.keyId().hex());
    return 0;
  }
}
