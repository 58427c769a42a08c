package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every licensee-side command needs to reach its owner (a picocli mixin). */
final class LicenseeOptions {
  @Option(names = "--owner", required = true, description = "the owner server, HOST:PORT")
  String owner;

  @Option(names = "--cert", required = true, description = "the owner's certificate (tls-cert.pem), pinned")
  Path cert;

  @Option(names = "--key", required = true, description = "the licensee's private key (.key)")
  Path key;

  @Option(names = "--artifact", required = true, description = "the licensee's artifact (.omla)")
  Path artifact;

  /** {@code --owner} as an address. */
  InetSocketAddress address() {
    int colon = owner.lastIndexOf(':');
    try {
      if (colon <= 0) {
        throw new IllegalArgumentException();
      }
      return new InetSocketAddress(owner.substring(0, colon), Integer.parseInt(owner.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new OmlException("--owner must be HOST:PORT, got '" + owner + "'");
    }
  }
}
