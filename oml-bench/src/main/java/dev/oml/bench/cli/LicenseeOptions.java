package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.OmlArtifact;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every licensee-side command needs to reach its owner (a picocli mixin). */
final class LicenseeOptions {
  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  @Option(names = "--owner", required = true, description = "the owner server, HOST:PORT")
  String owner;

  @Option(names = "--cert", required = true, description = "the owner's certificate (tls-cert.pem), pinned")
  Path cert;

  @Option(names = "--key", required = true, description = "the licensee's private key (.key)")
  Path key;

  @Option(names = "--artifact", required = true, description = "the licensee's artifact (.omla)")
  Path artifact;

  /** {@code --owner} as a resolved address: a usage error (exit 2) if it is not HOST:PORT. */
  InetSocketAddress address() {
    int colon = owner.lastIndexOf(':');
    int port;
    try {
      if (colon <= 0) {
        throw new NumberFormatException();
      }
      port = Integer.parseInt(owner.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw Check.usage(spec, "--owner must be HOST:PORT, got '" + owner + "'");
    }
    if (port < 1 || port > 65535) {
      throw Check.usage(spec, "--owner: port must be between 1 and 65535, got " + port);
    }
    String host = owner.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    InetSocketAddress a = new InetSocketAddress(host, port);
    if (a.isUnresolved()) {
      throw Check.usage(spec, "--owner: unknown host '" + host + "'");
    }
    return a;
  }

  /**
   * Refuses a key that is not the licensee the artifact was made for, before any connection: the
   * owner would refuse every permit request signed with it.
   */
  static void requireLicensee(SigningKeyPair me, OmlArtifact art, Path key, Path artifact) {
    if (!art.description().licenseeKey().equals(me.publicKey())) {
      throw new OmlException("the key " + key + " (id " + me.keyId().hex() + ") is not the licensee "
          + artifact + " was made for (id " + art.description().licenseeKey().keyId().hex() + ")");
    }
  }
}
