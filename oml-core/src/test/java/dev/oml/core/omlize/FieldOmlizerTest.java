package dev.oml.core.omlize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.core.reference.FieldRangeException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tier-2 OMLize: file round trip, {@code W_U + W_O = W mod p}, the MAC relation of every tag with
 * the keys the owner derives from its key share (oracle: {@code BigInteger}), the artifact alone
 * at chance on the shipped subset, the tier mismatch errors both ways, damaged files, and a
 * golden pair pinning the version-2 layout and its version 4 (the same with the model content
 * hash), and the version-2 key share written before the hash existed, still read.
 */
class FieldOmlizerTest {
  static final int F = 12;
  /** The model id of the golden pair, written down when the files were made. */
  static final String GOLDEN_ID =
      "94d0f94dbebeff3db5e97b69922681ce102599d2f84c15834598382f2454c0e0";
  /** The content hash of the golden model, written down when the version-4 file was made. */
  static final String GOLDEN_CONTENT_HASH =
      "cc2f9134fabf82cd4a6e881213d541f0d3a46b7018acfe819b8f71d663807819";
  static final BigInteger P = BigInteger.valueOf(PrimeField.P);
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final Model model = dev.oml.testkit.TestModels.mlp(21, 6, 5, 3);
  private final FieldOmlizer.Result o = FieldOmlizer.omlize(model, F,
      SigningKeyPair.generate(random).publicKey(), SigningKeyPair.generate(random).publicKey(),
      random);

  @Test
  void roundTripThroughFiles() throws IOException {
    Path a = dir.resolve("m.omla");
    Path k = dir.resolve("m.omlk");
    o.artifact().write(a);
    o.keyShare().write(k, SecretAccess.get());
    FieldArtifact a2 = FieldArtifact.read(a);
    FieldKeyShare k2 = FieldKeyShare.read(k, SecretAccess.get());
    assertEquals(o.artifact().modelId(), a2.modelId());
    assertEquals(a2.modelId(), k2.modelId());
    assertArrayEquals(o.artifact().encode(), a2.encode());
    assertTrue(k2.equalsKey(o.keyShare()));
    assertEquals(F, a2.manifest().fractionalBits());
    assertEquals(PrimeField.P, a2.manifest().modulus());
    for (int t = 0; t < a2.tensors().size(); t++) {
      assertArrayEquals(o.artifact().share(t), a2.share(t));
      assertArrayEquals(o.artifact().tags(t), a2.tags(t));
      assertArrayEquals(o.keyShare().ownerShare(t, SecretAccess.get()),
          k2.ownerShare(t, SecretAccess.get()));
    }
    if (k.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(k)));
    }
  }

  @Test
  void sharesAddUpToTheFieldModel() {
    FieldQuantizedModel q = FieldQuantizedModel.of(model, F);
    FieldKeyShare ks = o.keyShare();
    int checked = 0;
    for (int t = 0; t < o.artifact().tensors().size(); t++) {
      ArtifactManifest.TensorInfo info = o.artifact().tensors().get(t);
      long[] w = info.bias() ? q.bias(info.layer()) : q.matrix(info.layer());
      long[] u = o.artifact().share(t);
      long[] own = ks.ownerShare(t, SecretAccess.get());
      for (int j = 0; j < w.length; j++) {
        assertEquals(BigInteger.valueOf(w[j]),
            BigInteger.valueOf(u[j]).add(BigInteger.valueOf(own[j])).mod(P), info.name() + "[" + j + "]");
        checked++;
      }
    }
    assertEquals(model.parameterCount(), checked);
  }

  @Test
  void everyTagSatisfiesTheMacRelationWithKeysTheOwnerDerives() {
    FieldKeyShare ks = FieldKeyShare.decode(o.keyShare().encode(SecretAccess.get()), "ks",
        SecretAccess.get());
    BigInteger alpha = BigInteger.valueOf(ks.alpha(SecretAccess.get()));
    assertTrue(alpha.signum() > 0);
    for (int t = 0; t < o.artifact().tensors().size(); t++) {
      long[] u = o.artifact().share(t);
      long[] m = o.artifact().tags(t);
      long[] keys = ks.macKeys(t, SecretAccess.get());
      for (int j = 0; j < u.length; j++) {
        assertEquals(BigInteger.valueOf(keys[j]).add(alpha.multiply(BigInteger.valueOf(u[j])))
            .mod(P), BigInteger.valueOf(m[j]), "tensor " + t + " element " + j);
      }
    }
    // a tag checked against the wrong key fails: the relation is not trivially true
    long[] u0 = o.artifact().share(0);
    long[] m0 = o.artifact().tags(0);
    long[] k1 = ks.macKeys(1, SecretAccess.get());
    assertTrue(!BigInteger.valueOf(k1[0]).add(alpha.multiply(BigInteger.valueOf(u0[0]))).mod(P)
        .equals(BigInteger.valueOf(m0[0])));
  }

  @Test
  void networkAArtifactAloneIsAtChanceAndWithTheKeyShareIsTheModel() {
    Model a = ModelFiles.load(TestPaths.model("network-a"));
    FieldOmlizer.Result r = FieldOmlizer.omlize(a, F, SigningKeyPair.generate(random).publicKey(),
        SigningKeyPair.generate(random).publicKey(), random);
    Dataset d = FashionMnist.test(TestPaths.subset());
    FieldFixedPointInference alone = new FieldFixedPointInference(r.artifact().asFieldModel());
    FieldFixedPointInference real = new FieldFixedPointInference(FieldQuantizedModel.of(a, F));
    FieldQuantizedModel u = r.artifact().asFieldModel();
    FieldQuantizedModel own = r.keyShare().asFieldModel(SecretAccess.get());
    long[][] mats = new long[a.layers().size()][];
    long[][] biases = new long[a.layers().size()][];
    for (int i = 0; i < a.layers().size(); i++) {
      if (u.isLinear(i)) {
        mats[i] = PrimeField.add(u.matrix(i), own.matrix(i), null);
        biases[i] = PrimeField.add(u.bias(i), own.bias(i), null);
      }
    }
    FieldFixedPointInference joined = new FieldFixedPointInference(
        FieldQuantizedModel.fromShares(a, F, mats, biases));
    int aloneCorrect = 0;
    for (int i = 0; i < d.size(); i++) {
      long[] x = real.encodeInput(d.image(i));
      if (FieldFixedPointInference.argmax(alone.logits(x)) == d.label(i)) {
        aloneCorrect++;
      }
      if (i < 100) {
        assertArrayEquals(real.logits(x), joined.logits(x), "image " + i);
      }
    }
    // chance is 100/1000; 160 is about six standard deviations above it
    assertTrue(aloneCorrect < 160, "artifact alone classifies " + aloneCorrect + "/1000");
  }

  @Test
  void aModelThatDoesNotFitTheFieldIsRefusedNamingTheLayer() {
    Model a = ModelFiles.load(TestPaths.model("network-a"));
    FieldRangeException e = assertThrows(FieldRangeException.class, () -> FieldOmlizer.omlize(a,
        16, SigningKeyPair.generate(random).publicKey(),
        SigningKeyPair.generate(random).publicKey(), random));
    assertTrue(e.getMessage().startsWith("layer 0 (dense)"), e.getMessage());
  }

  @Test
  void aVersionOneFileHandedToTheTierTwoReaderSaysToReOmlizeAndViceVersa() {
    Omlization v1 = Omlizer.omlize(model, o.artifact().manifest().description().ownerKey(),
        o.artifact().manifest().description().licenseeKey(), random);
    ArtifactFormatException e1 = assertThrows(ArtifactFormatException.class,
        () -> FieldArtifact.decode(v1.artifact().encode(), "a1"));
    assertEquals(Reason.UNSUPPORTED_VERSION, e1.reason());
    assertTrue(e1.getMessage().contains("re-OMLize"), e1.getMessage());
    ArtifactFormatException e2 = assertThrows(ArtifactFormatException.class,
        () -> LicenseeArtifact.decode(o.artifact().encode(), "a2"));
    assertEquals(Reason.UNSUPPORTED_VERSION, e2.reason());
    assertTrue(e2.getMessage().contains("version-2"), e2.getMessage());
    ArtifactFormatException e3 = assertThrows(ArtifactFormatException.class,
        () -> FieldKeyShare.decode(v1.keyShare().encode(SecretAccess.get()), "k1",
            SecretAccess.get()));
    assertEquals(Reason.UNSUPPORTED_VERSION, e3.reason());
    assertTrue(e3.getMessage().contains("re-OMLize"), e3.getMessage());
    ArtifactFormatException e4 = assertThrows(ArtifactFormatException.class,
        () -> OwnerKeyShare.decode(o.keyShare().encode(SecretAccess.get()), "k2",
            SecretAccess.get()));
    assertEquals(Reason.UNSUPPORTED_VERSION, e4.reason());
    // an artifact passed as a key share: wrong magic
    ArtifactFormatException e5 = assertThrows(ArtifactFormatException.class,
        () -> FieldKeyShare.decode(o.artifact().encode(), "k3", SecretAccess.get()));
    assertEquals(Reason.WRONG_MAGIC, e5.reason());
  }

  @Property(tries = 200)
  void anyByteChangedIsATypedError(@ForAll @IntRange(min = 0, max = 1_000_000) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor, @ForAll boolean keyShare) {
    byte[] file = keyShare ? o.keyShare().encode(SecretAccess.get()) : o.artifact().encode();
    file[where % file.length] ^= (byte) xor;
    assertThrows(ArtifactFormatException.class, () -> decode(file, keyShare));
  }

  @Property(tries = 200)
  void anyTruncationIsATypedError(@ForAll @IntRange(min = 0, max = 1_000_000) int cut,
      @ForAll boolean keyShare) {
    byte[] file = keyShare ? o.keyShare().encode(SecretAccess.get()) : o.artifact().encode();
    byte[] shorter = Arrays.copyOf(file, cut % file.length);
    ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
        () -> decode(shorter, keyShare));
    assertTrue(e.reason() == Reason.TRUNCATED || e.reason() == Reason.WRONG_MAGIC, e.reason() + "");
  }

  @Test
  void aShareChangedUnderAFreshChecksumIsCaughtByTheModelId() {
    byte[] body = Envelope.open(o.artifact().encode(), LicenseeArtifact.MAGIC, 2, "a",
        ArtifactFormatException::new);
    body[body.length - 1] ^= 1; // lowest bits of the top byte of the last tag: stays below p
    byte[] resealed = Envelope.seal(LicenseeArtifact.MAGIC, 2, body);
    ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
        () -> FieldArtifact.decode(resealed, "a"));
    assertEquals(Reason.CHECKSUM_MISMATCH, e.reason());
  }

  @Test
  void anArtifactWhoseArchitectureHasNoTierTwoRuleIsRefused() {
    Model every = dev.oml.testkit.TestModels.everyLayer(2)
        .withFormat(dev.oml.core.fixedpoint.FixedPointFormat.of(PrimeField.BITS, 8));
    FieldManifest m = FieldManifest.of(ArtifactManifest.of(every, new byte[16],
        o.artifact().manifest().description().ownerKey(),
        o.artifact().manifest().description().licenseeKey()), 8);
    int n = m.description().tensors().size();
    long[][] zeros = new long[n][];
    for (int t = 0; t < n; t++) {
      zeros[t] = new long[m.description().tensors().get(t).length()];
    }
    byte[] file = new FieldArtifact(m, zeros, zeros).encode();
    ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
        () -> FieldArtifact.decode(file, "a"));
    assertEquals(Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("layer 1 (square) has no tier-2 rule"), e.getMessage());
  }

  @Test
  void anElementOutsideTheFieldIsRefused() {
    byte[] body = Envelope.open(o.artifact().encode(), LicenseeArtifact.MAGIC, 2, "a",
        ArtifactFormatException::new);
    // the last element's 6 bytes set to 2^48 - 1 > p
    Arrays.fill(body, body.length - 6, body.length, (byte) 0xFF);
    ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
        () -> FieldArtifact.decode(Envelope.seal(LicenseeArtifact.MAGIC, 2, body), "a"));
    assertEquals(Reason.MALFORMED, e.reason());
  }

  /**
   * The golden pair: a fixed model, fixed keys and a fixed "random" stream give byte-identical
   * files; run with {@code -Doml.regenerateGolden=true} to rewrite them after a deliberate format
   * change (and say so in the commit).
   */
  @Test
  void goldenFilesPinTheVersionTwoLayout() throws IOException {
    FieldOmlizer.Result g = golden();
    Path res = TestPaths.root().resolve("oml-core/src/test/resources/golden");
    Path a = res.resolve("field-artifact-v2.omla");
    Path k = res.resolve("field-keyshare-v2.omlk");
    Path k4 = res.resolve("field-keyshare-v4.omlk");
    if (Boolean.getBoolean("oml.regenerateGolden")) {
      Files.write(a, g.artifact().encode());
      Files.write(k4, g.keyShare().encode(SecretAccess.get()));
    }
    assertArrayEquals(Files.readAllBytes(a), g.artifact().encode(), "artifact bytes changed");
    assertArrayEquals(Files.readAllBytes(k4), g.keyShare().encode(SecretAccess.get()),
        "key share bytes changed");
    FieldArtifact ga = FieldArtifact.read(a);
    FieldKeyShare gk = FieldKeyShare.read(k4, SecretAccess.get());
    assertEquals(GOLDEN_ID, ga.modelId().hex());
    assertEquals(GOLDEN_ID, gk.modelId().hex());
    // version 4 carries the content hash of the model given to OMLize, pinned here in hex
    assertEquals(GOLDEN_CONTENT_HASH, gk.modelContentHash().orElseThrow().hex());
    assertEquals(dev.oml.core.model.ModelContentHash.of(goldenModel()),
        gk.modelContentHash().orElseThrow());
    // the version-2 file written before shares carried the hash is still read, without one
    FieldKeyShare old = FieldKeyShare.read(k, SecretAccess.get());
    assertTrue(old.modelContentHash().isEmpty());
    assertEquals(GOLDEN_ID, old.modelId().hex());
    assertTrue(old.equalsKey(gk));
    byte[] v2 = Files.readAllBytes(k);
    byte[] v4 = Files.readAllBytes(k4);
    assertEquals(2, v2[9]);
    assertEquals(4, v4[9]);
    assertEquals(v2.length + 32, v4.length, "version 4 is version 2's body and the 32-byte hash");
    // the decoded golden files still reconstruct the golden model
    FieldQuantizedModel q = FieldQuantizedModel.of(goldenModel(), 8);
    long[] w = PrimeField.add(ga.share(0), gk.ownerShare(0, SecretAccess.get()), null);
    assertArrayEquals(q.matrix(0), w);
    assertEquals(FieldFixedPoint.embed(Math.round(Math.scalb(
        ((dev.oml.core.model.Dense) goldenModel().layers().get(0)).weight(0, 0), 8))), w[0]);
  }

  static Model goldenModel() {
    return dev.oml.testkit.TestModels.mlp(7, 3, 2, 2);
  }

  static FieldOmlizer.Result golden() {
    byte[] ownerPriv = new byte[32];
    byte[] licPriv = new byte[32];
    Arrays.fill(ownerPriv, (byte) 1);
    Arrays.fill(licPriv, (byte) 2);
    SecureRandom counter = new SecureRandom() {
      private static final long serialVersionUID = 1L;
      private long n;

      @Override
      public void nextBytes(byte[] out) {
        // SHA-256 of a counter: fixed across runs, unlike any real SecureRandom
        try {
          MessageDigest md = MessageDigest.getInstance("SHA-256");
          for (int i = 0; i < out.length; i += 32) {
            byte[] h = md.digest(ByteBuffer.allocate(8).putLong(n++).array());
            System.arraycopy(h, 0, out, i, Math.min(32, out.length - i));
          }
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      }
    };
    return FieldOmlizer.omlize(goldenModel(), 8,
        SigningKeyPair.fromPrivateKey(ownerPriv, SecretAccess.get()).publicKey(),
        SigningKeyPair.fromPrivateKey(licPriv, SecretAccess.get()).publicKey(), counter);
  }

  private static void decode(byte[] file, boolean keyShare) {
    if (keyShare) {
      FieldKeyShare.decode(file, "k", SecretAccess.get());
    } else {
      FieldArtifact.decode(file, "a");
    }
  }
}
