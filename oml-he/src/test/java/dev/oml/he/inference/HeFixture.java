package dev.oml.he.inference;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.InMemoryLedger;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermissionVerifier;
import dev.oml.core.permission.PermitRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;

/**
 * An owner with one licensee, a model id, a policy, an issuer and a gate over an in-memory
 * ledger; plus the shipped models and the shipped Fashion-MNIST subset, found from the module
 * directory or the repository root.
 */
final class HeFixture {
  final SecureRandom random = new SecureRandom();
  final SigningKeyPair owner = SigningKeyPair.generate(random);
  final SigningKeyPair licensee = SigningKeyPair.generate(random);
  final ModelId modelId;
  final PermissionIssuer issuer;
  final InMemoryLedger ledger;
  final PermissionGate gate;

  HeFixture(long quota) {
    byte[] id = new byte[32];
    random.nextBytes(id);
    modelId = ModelId.of(id);
    PermissionPolicy policy = PermissionPolicy.builder()
        .licensee(licensee.publicKey(), quota)
        .model(modelId, licensee.keyId())
        .maxInferencesPerPermission(10_000)
        .validity(Duration.ofMinutes(30))
        .maxClockSkew(Duration.ofSeconds(30))
        .build();
    Clock clock = Clock.systemUTC();
    issuer = new PermissionIssuer(owner, policy, clock, random);
    ledger = new InMemoryLedger(policy::quotaOf);
    gate = new PermissionGate(new PermissionVerifier(owner.publicKey(), policy, clock), ledger);
  }

  /** A permission for {@code n} images bound to {@code payload}. */
  PermissionToken permit(int n, byte[] payload) {
    return issuer.issue(PermitRequest.create(licensee, modelId, InferenceMode.HOMOMORPHIC, n,
        Binding.ofFirstMessage(payload), java.time.Instant.now()));
  }

  PermissionToken permit(HeQuery q) {
    return permit(q.images(), q.payload());
  }

  static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("models"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("repository root with models/ not found");
    }
    return p;
  }

  static Model model(String name) {
    return ModelFiles.load(root().resolve("models").resolve(name));
  }

  static Dataset subset() {
    return FashionMnist.test(root().resolve("data").resolve("fashion-mnist-subset"));
  }

  static double[][] images(Dataset d, int from, int count) {
    double[][] r = new double[count][];
    for (int i = 0; i < count; i++) {
      r[i] = d.image(from + i);
    }
    return r;
  }
}
