package dev.oml.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.FileLedger;
import dev.oml.core.model.InputBox;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.FieldArtifact;
import dev.oml.core.omlize.FieldKeyShare;
import dev.oml.core.omlize.FieldOmlizer;
import dev.oml.core.omlize.LicenseeArtifact;
import dev.oml.core.omlize.Omlization;
import dev.oml.core.omlize.Omlizer;
import dev.oml.core.omlize.OwnerKeyShare;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionClaims;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.testkit.PermissionFixture;
import dev.oml.testkit.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden files pin every binary format: models (each version), artifacts and key shares (tier 1
 * and tier 2, and a manifest that carries preprocessing), permission token, permit request,
 * permitted query and a ledger file with a spend and an abort record. Each is made from seeded
 * models, fixed keys and a counter-based "random" stream, so writing it again gives the same
 * bytes; reading it gives the expected object, and writing what was read gives the golden bytes
 * exactly.
 *
 * <p>A failure here means a format changed. If that was deliberate, bump the format's version
 * (older versions must still read), then rewrite the files with {@link #main} (or
 * {@code -Doml.regenerateGolden=true}) and say so in the commit.
 */
class GoldenFilesTest {
  @TempDir Path dir;

  static Path goldenDir() {
    return TestPaths.root().resolve("oml-core/src/test/resources/golden");
  }

  /** Rewrites every golden file from its fixed inputs. */
  public static void main(String[] args) throws IOException {
    Path tmp = Files.createTempDirectory("golden");
    for (Map.Entry<String, Supplier<byte[]>> e : formats(tmp).entrySet()) {
      Files.write(goldenDir().resolve(e.getKey()), e.getValue().get());
      System.out.println("wrote " + e.getKey());
    }
  }

  /** Each golden file's name and how its bytes are made. */
  static Map<String, Supplier<byte[]>> formats(Path tmp) {
    Map<String, Supplier<byte[]>> m = new LinkedHashMap<>();
    m.put("model-v1.omlm", () -> ModelFiles.toBytes(modelV1()));
    m.put("model-v2.omlm", () -> ModelFiles.toBytes(modelV2()));
    m.put("model-v3.omlm", () -> ModelFiles.toBytes(modelV3()));
    m.put("artifact-v1.omla", () -> tierOne().artifact().encode());
    m.put("owner-keyshare-v3.omlk", () -> tierOne().keyShare().encode(SecretAccess.get()));
    m.put("field-artifact-v2.omla", () -> tierTwo().artifact().encode());
    m.put("field-keyshare-v4.omlk", () -> tierTwo().keyShare().encode(SecretAccess.get()));
    m.put("field-artifact-v2-preprocessed.omla", () -> tierTwoPreprocessed().artifact().encode());
    m.put("permit-request.bin", () -> request(new PermissionFixture(counter(), 100, 0)).encode());
    m.put("permission-token.bin", () -> token(new PermissionFixture(counter(), 100, 0)).encode());
    m.put("permitted-query.bin", () -> query(new PermissionFixture(counter(), 100, 0)).encode());
    m.put("ledger.bin", () -> ledger(tmp.resolve("ledger-" + System.nanoTime())));
    return m;
  }

  @Test
  void everyGoldenFileIsWrittenAgainByteForByte() throws IOException {
    if (Boolean.getBoolean("oml.regenerateGolden")) {
      main(new String[0]);
    }
    for (Map.Entry<String, Supplier<byte[]>> e : formats(dir).entrySet()) {
      assertArrayEquals(golden(e.getKey()), e.getValue().get(),
          e.getKey() + " changed: a format change needs a version bump (see docs/model-format.md)");
    }
  }

  @Test
  void modelFilesReadAsTheirModelsAndWriteBackExactly() {
    byte[] v1 = golden("model-v1.omlm");
    assertEquals(modelV1(), ModelFiles.fromBytes(v1));
    assertArrayEquals(v1, ModelFiles.toBytes(ModelFiles.fromBytes(v1)));
    assertEquals(1, version(v1, ByteBuffer.wrap(v1).order(java.nio.ByteOrder.LITTLE_ENDIAN)));
    byte[] v2 = golden("model-v2.omlm");
    assertEquals(modelV2(), ModelFiles.fromBytes(v2));
    assertArrayEquals(v2, ModelFiles.toBytes(ModelFiles.fromBytes(v2)));
    assertEquals(2, version(v2, ByteBuffer.wrap(v2).order(java.nio.ByteOrder.LITTLE_ENDIAN)));
    byte[] v3 = golden("model-v3.omlm");
    assertEquals(modelV3(), ModelFiles.fromBytes(v3));
    assertEquals(modelV3().preprocessing(), ModelFiles.fromBytes(v3).preprocessing());
    assertArrayEquals(v3, ModelFiles.toBytes(ModelFiles.fromBytes(v3)));
    assertEquals(3, version(v3, ByteBuffer.wrap(v3).order(java.nio.ByteOrder.LITTLE_ENDIAN)));
  }

  @Test
  void shippedModelsWriteBackExactly() throws IOException {
    try (var files = Files.list(TestPaths.root().resolve("models"))) {
      for (Path p : files.filter(f -> f.toString().endsWith(ModelFiles.EXTENSION)).toList()) {
        byte[] b = Files.readAllBytes(p);
        assertArrayEquals(b, ModelFiles.toBytes(ModelFiles.load(p)), p + " no longer round-trips");
      }
    }
  }

  @Test
  void tierOneFilesReadAsTheirArtifactAndShare() {
    Omlization o = tierOne();
    LicenseeArtifact a = LicenseeArtifact.decode(golden("artifact-v1.omla"), "golden artifact");
    assertEquals(o.artifact().modelId(), a.modelId());
    assertArrayEquals(o.artifact().manifest().encoded(), a.manifest().encoded());
    for (var t : a.manifest().tensors()) {
      LicenseeArtifact want = o.artifact();
      assertArrayEquals(t.bias() ? want.biasShare(t.layer()) : want.matrixShare(t.layer()),
          t.bias() ? a.biasShare(t.layer()) : a.matrixShare(t.layer()), t.name());
    }
    assertArrayEquals(golden("artifact-v1.omla"), a.encode());
    OwnerKeyShare k = OwnerKeyShare.decode(golden("owner-keyshare-v1.omlk"), "golden share",
        SecretAccess.get());
    assertEquals(o.artifact().modelId(), k.modelId());
    assertEquals(true, k.equalsKey(o.keyShare()));
    assertArrayEquals(golden("owner-keyshare-v1.omlk"), k.encode(SecretAccess.get()));
    assertEquals(false, k.modelContentHash().isPresent());
    OwnerKeyShare k3 = OwnerKeyShare.decode(golden("owner-keyshare-v3.omlk"), "golden share",
        SecretAccess.get());
    assertEquals(true, k3.equalsKey(o.keyShare()));
    assertEquals(ModelContentHash.of(TestModels.everyLayer(13)), k3.modelContentHash().get());
    assertArrayEquals(golden("owner-keyshare-v3.omlk"), k3.encode(SecretAccess.get()));
  }

  @Test
  void tierTwoFilesReadAsTheirArtifactAndShare() {
    FieldOmlizer.Result r = tierTwo();
    FieldArtifact a = FieldArtifact.decode(golden("field-artifact-v2.omla"), "golden artifact");
    assertEquals(r.artifact().modelId(), a.modelId());
    assertArrayEquals(r.artifact().share(0), a.share(0));
    assertArrayEquals(golden("field-artifact-v2.omla"), a.encode());
    FieldKeyShare k = FieldKeyShare.decode(golden("field-keyshare-v2.omlk"), "golden share",
        SecretAccess.get());
    assertEquals(r.artifact().modelId(), k.modelId());
    assertArrayEquals(r.keyShare().ownerShare(0, SecretAccess.get()),
        k.ownerShare(0, SecretAccess.get()));
    assertArrayEquals(golden("field-keyshare-v2.omlk"), k.encode(SecretAccess.get()));
  }

  @Test
  void anArtifactCarriesItsModelsPreprocessing() {
    FieldOmlizer.Result r = tierTwoPreprocessed();
    byte[] g = golden("field-artifact-v2-preprocessed.omla");
    FieldArtifact a = FieldArtifact.decode(g, "golden artifact");
    assertEquals(r.artifact().modelId(), a.modelId());
    assertEquals(modelV3().preprocessing(), a.description().architecture().preprocessing());
    assertArrayEquals(g, a.encode());
  }

  @Test
  void permissionStructuresReadAsWhatWasIssued() {
    PermissionFixture fx = new PermissionFixture(counter(), 100, 0);
    PermitRequest expected = request(fx);
    PermitRequest r = PermitRequest.decode(golden("permit-request.bin"));
    assertEquals(expected.licensee(), r.licensee());
    assertEquals(expected.modelId(), r.modelId());
    assertEquals(InferenceMode.TWO_PARTY, r.mode());
    assertEquals(3, r.inferences());
    assertEquals(expected.binding(), r.binding());
    assertEquals(PermissionFixture.T0, r.requestedAt());
    assertArrayEquals(golden("permit-request.bin"), r.encode());

    PermissionToken t = PermissionToken.decode(golden("permission-token.bin"));
    PermissionClaims c = t.unverifiedClaims();
    assertEquals(fx.modelA, c.modelId());
    assertEquals(fx.licenseeA.keyId(), c.licensee());
    assertEquals(3, c.inferences());
    assertEquals(PermissionFixture.T0, c.issuedAt());
    assertEquals(PermissionFixture.T0.plusSeconds(600), c.expiresAt());
    assertArrayEquals(golden("permission-token.bin"), t.encode());

    PermittedQuery q = PermittedQuery.decode(golden("permitted-query.bin"));
    assertArrayEquals(golden("permission-token.bin"), q.token().encode());
    assertArrayEquals(payload(), q.payload());
    assertArrayEquals(golden("permitted-query.bin"), q.encode());
  }

  @Test
  void ledgerFileReplaysItsSpendAndAbort() throws IOException {
    Path copy = dir.resolve("golden-ledger");
    Files.write(copy, golden("ledger.bin"));
    PermissionFixture fx = new PermissionFixture(counter(), 100, 0);
    try (FileLedger l = FileLedger.open(copy, fx.policy::quotaOf, fx.clock)) {
      assertEquals(2, l.recoveredRecords());
      assertEquals(3, l.charged(fx.licenseeA.keyId()));
      assertEquals(1, l.aborts(fx.licenseeA.keyId()).count());
      assertEquals(AbortReason.CHECK_FAILED.code(), l.aborts(fx.licenseeA.keyId()).lastReason());
    }
    assertArrayEquals(golden("ledger.bin"), Files.readAllBytes(copy), "opening changed the file");
  }

  // ---- fixed inputs ----

  static Model modelV1() {
    return TestModels.everyLayer(11);
  }

  static Model modelV2() {
    return TestModels.mlp(12, 3, 4, 2).withInputBox(
        InputBox.of(new double[] {0, -1, 0.5}, new double[] {1, 1, 2}));
  }

  static Model modelV3() {
    return TestModels.mlp(14, 3, 4, 2)
        .withInputBox(InputBox.uniform(3, 0, 1))
        .withPreprocessing(InputTransform.of(new double[] {1 / 255.0, 1 / 255.0, 2 / 255.0},
            new double[] {0, 0, -0.5}));
  }

  static Omlization tierOne() {
    return Omlizer.omlize(TestModels.everyLayer(13), key(1).publicKey(), key(2).publicKey(),
        counter());
  }

  /** The inputs of the version-2 golden pair (also pinned by FieldOmlizerTest). */
  static FieldOmlizer.Result tierTwo() {
    return FieldOmlizer.omlize(TestModels.mlp(7, 3, 2, 2), 8, key(1).publicKey(),
        key(2).publicKey(), counter());
  }

  /** A tier-2 artifact whose manifest carries its model's preprocessing (manifest version 2). */
  static FieldOmlizer.Result tierTwoPreprocessed() {
    return FieldOmlizer.omlize(modelV3(), 8, key(1).publicKey(), key(2).publicKey(), counter());
  }

  static PermitRequest request(PermissionFixture fx) {
    return PermitRequest.create(fx.licenseeA, fx.modelA, InferenceMode.TWO_PARTY, 3,
        Binding.ofFirstMessage(payload()), fx.clock.instant());
  }

  static PermissionToken token(PermissionFixture fx) {
    return fx.issuer.issue(request(fx));
  }

  static PermittedQuery query(PermissionFixture fx) {
    return PermittedQuery.create(fx.licenseeA, token(fx), payload());
  }

  static byte[] payload() {
    byte[] p = new byte[40];
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) i;
    }
    return p;
  }

  static byte[] ledger(Path file) {
    PermissionFixture fx = new PermissionFixture(counter(), 100, 0);
    try (FileLedger l = FileLedger.open(file, fx.policy::quotaOf, fx.clock)) {
      l.spend(fx.verifiedA(3));
      l.recordAbort(fx.licenseeA.keyId(), AbortReason.CHECK_FAILED.code());
    }
    try {
      byte[] b = Files.readAllBytes(file);
      Files.delete(file);
      return b;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static SigningKeyPair key(int fill) {
    byte[] priv = new byte[SigningKeyPair.PRIVATE_BYTES];
    Arrays.fill(priv, (byte) fill);
    return SigningKeyPair.fromPrivateKey(priv, SecretAccess.get());
  }

  /** SHA-256 of a counter: the same stream on every run, unlike any real SecureRandom. */
  static SecureRandom counter() {
    return new SecureRandom() {
      private static final long serialVersionUID = 1L;
      private long n;

      @Override
      public void nextBytes(byte[] out) {
        try {
          MessageDigest md = MessageDigest.getInstance("SHA-256");
          for (int i = 0; i < out.length; i += 32) {
            byte[] h = md.digest(ByteBuffer.allocate(8).putLong(n++).array());
            System.arraycopy(h, 0, out, i, Math.min(32, out.length - i));
          }
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  private static int version(byte[] file, ByteBuffer b) {
    return Short.toUnsignedInt(b.getShort(8));
  }

  private static byte[] golden(String name) {
    try {
      return Files.readAllBytes(goldenDir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(name + " is missing; run GoldenFilesTest.main", e);
    }
  }
}
