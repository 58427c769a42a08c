package dev.oml.bench.cli;

import dev.oml.core.OmlException;
import dev.oml.core.io.AtomicFiles;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionException;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.service.server.PermitRefusedException;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml permit}: asks the owner's permit desk for one permission, for tools that build a
 * mode's first message themselves (the library's clients ask for theirs on their own). The
 * permission is bound to the exact bytes of that first message, given as a file, and is written
 * to a file for the tool to send.
 */
@Command(name = "permit", mixinStandardHelpOptions = true,
    description = "Request a permission bound to a first message (a file) from the owner's permit desk.")
final class PermitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin LicenseeOptions licensee;

  @Option(names = "--mode", required = true, description = "2pc | he")
  String mode;

  @Option(names = "-n", defaultValue = "1", description = "inferences, at least 1 (default ${DEFAULT-VALUE})")
  int n;

  @Option(names = "--first-message", required = true, description = "the exact bytes the owner will parse first")
  Path firstMessage;

  @Option(names = "--out", required = true, description = "where to write the permission (binary)")
  Path out;

  @Override
  public Integer call() throws IOException {
    InferenceMode m = Check.oneOf(spec, "--mode", mode, "2pc", "he").equals("2pc")
        ? InferenceMode.TWO_PARTY : InferenceMode.HOMOMORPHIC;
    Check.range(spec, "-n", n, 1, Integer.MAX_VALUE);
    InetSocketAddress address = licensee.address();
    if (!Files.isRegularFile(firstMessage)) {
      throw new OmlException(firstMessage + ": no such file");
    }
    SigningKeyPair me = KeyFiles.readPrivate(licensee.key, SecretAccess.get());
    OmlArtifact art = OmlArtifact.read(licensee.artifact);
    LicenseeOptions.requireLicensee(me, art, licensee.key, licensee.artifact);
    PermissionToken token;
    try (FramedChannel desk = ServiceClient.open(address, TlsCredentials.readPem(licensee.cert), PermitService.NAME,
        TransportConfig.DEFAULT)) {
      token = PermitService.request(desk, PermitRequest.create(me, art.modelId(), m, n,
          Binding.ofFirstMessage(Files.readAllBytes(firstMessage)), Instant.now()));
    } catch (PermissionException e) {
      // one line naming the owner's refusal, as before the refusals were typed on the wire
      throw new PermitRefusedException(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    AtomicFiles.write(out, token.encode(), false);
    System.out.println("permission " + out + ": " + token.unverifiedClaims());
    return 0;
  }
}
