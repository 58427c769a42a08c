package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
import dev.oml.core.fingerprint.FingerprintCheck;
import dev.oml.core.fingerprint.FingerprintKeys;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.ArtifactManifest;
import dev.oml.core.omlize.FieldArtifact;
import dev.oml.core.omlize.FieldKeyShare;
import dev.oml.core.reference.FieldFixedPointInference;
import dev.oml.core.reference.FieldQuantizedModel;
import dev.oml.service.server.OwnerHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code omlize --fingerprints} and {@code fingerprint check} end to end on a small model trained
 * here, with the shipped 1,000-image subset standing in for the training split: the artifact and key share
 * of a fingerprinted OMLize add up to a model that answers the licensee's keys (what the 2PC
 * mode serves), the check names that licensee for the copy and no licensee for the base, and
 * every bad input is a one-line error with the usual exit code.
 */
class FingerprintCommandTest {
  @TempDir static Path dir;
  static Path owner;
  static Path data;
  static final int K = 64;

  @BeforeAll
  static void ownerAndTwoLicensees() throws Exception {
    owner = dir.resolve("owner");
    assertEquals(0, CliRun.of("owner-init", "--dir", owner.toString()).code());
    for (String n : new String[] {"alice", "bob"}) {
      assertEquals(0, CliRun.of("keygen", "--out", dir.resolve("lic").toString(), "--name", n).code());
    }
    // The subset has only the test split's files; as a training split they do as well here.
    data = dir.resolve("train");
    Files.createDirectories(data);
    Path subset = CliRun.root().resolve("data/fashion-mnist-subset");
    Files.copy(subset.resolve("t10k-images-idx3-ubyte.gz"), data.resolve("train-images-idx3-ubyte.gz"));
    Files.copy(subset.resolve("t10k-labels-idx1-ubyte.gz"), data.resolve("train-labels-idx1-ubyte.gz"));
    // A narrower model than Network A keeps the fine-tuning inside the default suite's budget.
    small = dir.resolve("small.omlm");
    ModelFiles.save(new dev.oml.core.train.MlpTrainer(new dev.oml.core.train.MlpTrainer.Config("small",
        new int[] {784, 64, 10}, dev.oml.core.train.MlpTrainer.Activation.RELU, 3, 50, 2e-3, 0, 3, 12))
        .train(dev.oml.core.data.FashionMnist.train(data), e -> { }), small);
  }

  static Path small;

  static Path networkA() {
    return CliRun.root().resolve("models/network-a.omlm");
  }

  static SigningPublicKey licensee(String n) {
    return KeyFiles.readPublic(dir.resolve("lic").resolve(n + ".pub"));
  }

  static FingerprintKeys keys(String n) {
    Model base = ModelFiles.load(small);
    return FingerprintKeys.derive(OwnerHome.open(owner).ownerKey(SecretAccess.get()), SecretAccess.get(),
        licensee(n), base.name(), base.inputShape(), 10, K);
  }

  @Test
  void fingerprintedOmlizeSplitsACopyThatAnswersTheLicenseesKeysAndTheCheckNamesThem() throws Exception {
    Path out = dir.resolve("out-alice");
    CliRun o = CliRun.of("omlize", "--model", small.toString(), "--licensee",
        dir.resolve("lic/alice.pub").toString(), "--owner-dir", owner.toString(), "--out", out.toString(),
        "--fingerprints", "" + K, "--fingerprint-data", data.toString());
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("fingerprints    " + K), o.out());
    // Bob is a licensee of the plain model.
    assertEquals(0, CliRun.of("omlize", "--model", small.toString(), "--licensee",
        dir.resolve("lic/bob.pub").toString(), "--owner-dir", owner.toString(), "--out",
        dir.resolve("out-bob").toString()).code());

    // What the two online parties hold adds up to the fingerprinted copy: rebuild it from the
    // artifact and the key share, and query it as a black box in fixed point, as 2PC computes.
    FieldArtifact a = FieldArtifact.read(out.resolve("artifact.omla"));
    FieldKeyShare s = FieldKeyShare.read(out.resolve("owner-key-share.omlk"), SecretAccess.get());
    Model arch = a.manifest().architecture();
    int f = a.manifest().fractionalBits();
    int n = arch.layers().size();
    long[][] w = new long[n][];
    long[][] b = new long[n][];
    for (int t = 0; t < a.tensors().size(); t++) {
      ArtifactManifest.TensorInfo info = a.tensors().get(t);
      long[] sum = PrimeField.add(a.share(t), s.ownerShare(t, SecretAccess.get()), null);
      if (info.bias()) {
        b[info.layer()] = sum;
      } else {
        w[info.layer()] = sum;
      }
    }
    FieldQuantizedModel served = FieldQuantizedModel.fromShares(arch, f, w, b);
    FieldFixedPointInference fx = new FieldFixedPointInference(served);
    FingerprintCheck.Report r = FingerprintCheck.check(fx::label, List.of(keys("alice"), keys("bob")), -40);
    assertEquals(K, r.rows().get(0).matches());
    assertEquals(licensee("alice").keyId().hex(), r.identified().licenseeHex());

    // The model as it leaks from the two shares (decoded back to float weights) is the suspect
    // the owner later finds: the CLI check names Alice for it.
    List<dev.oml.core.model.Layer> layers = new java.util.ArrayList<>();
    dev.oml.core.fixedpoint.FixedPointFormat fmt = arch.format();
    // F_p elements are centred and decoded at f (weights) and 2f (biases) fractional bits
    for (int i = 0; i < n; i++) {
      dev.oml.core.model.Layer l = arch.layers().get(i);
      if (l instanceof dev.oml.core.model.Dense d) {
        double[] dw = new double[w[i].length];
        double[] db = new double[b[i].length];
        for (int j = 0; j < dw.length; j++) {
          dw[j] = FieldFixedPoint.decode(w[i][j], f);
        }
        for (int j = 0; j < db.length; j++) {
          db[j] = FieldFixedPoint.decode(b[i][j], 2 * f);
        }
        layers.add(new dev.oml.core.model.Dense(d.inputs(), d.outputs(), dw, db));
      } else {
        layers.add(l);
      }
    }
    Model copy = Model.of(arch.name(), arch.inputShape(), layers, fmt, arch.activationBits());
    Path suspect = dir.resolve("leaked.omlm");
    ModelFiles.save(copy, suspect);
    CliRun c = CliRun.of("fingerprint", "check", "--suspect", suspect.toString(), "--owner-dir", owner.toString());
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().contains("verdict   licensee " + licensee("alice").keyId().hex()), c.out());
    assertTrue(c.out().contains(licensee("bob").keyId().hex().substring(0, 16)), c.out());

    CliRun base = CliRun.of("fingerprint", "check", "--suspect", small.toString(), "--owner-dir",
        owner.toString());
    assertEquals(0, base.code(), base.err());
    assertTrue(base.out().contains("verdict   no licensee"), base.out());
    assertFalse(base.out().contains("verdict   licensee"), base.out());
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of("zero fingerprints", 2, "--fingerprints must be between 1", (Function<Path, String[]>) d ->
            new String[] {"omlize", "--model", networkA().toString(), "--licensee", d.resolve("lic/alice.pub").toString(),
                "--owner-dir", owner.toString(), "--out", d.resolve("x").toString(), "--fingerprints", "0"}),
        Arguments.of("fingerprints without an owner directory", 2, "needs --owner-dir", (Function<Path, String[]>) d ->
            new String[] {"omlize", "--model", networkA().toString(), "--licensee", d.resolve("lic/alice.pub").toString(),
                "--out", d.resolve("x").toString(), "--fingerprints", "8"}),
        Arguments.of("no training split there", 1, "no train-images", (Function<Path, String[]>) d ->
            new String[] {"omlize", "--model", networkA().toString(), "--licensee", d.resolve("lic/alice.pub").toString(),
                "--owner-dir", owner.toString(), "--out", d.resolve("x").toString(), "--fingerprints", "8",
                "--fingerprint-data", d.resolve("nowhere").toString()}),
        Arguments.of("suspect of unknown format", 1, "unknown model format", (Function<Path, String[]>) d ->
            new String[] {"fingerprint", "check", "--suspect", d.resolve("lic/alice.pub").toString(),
                "--owner-dir", owner.toString()}),
        Arguments.of("suspect missing", 1, "no such file", (Function<Path, String[]>) d ->
            new String[] {"fingerprint", "check", "--suspect", d.resolve("none.omlm").toString(),
                "--owner-dir", owner.toString()}),
        Arguments.of("not an owner directory", 1, "not an owner directory", (Function<Path, String[]>) d ->
            new String[] {"fingerprint", "check", "--suspect", networkA().toString(), "--owner-dir", d.toString()}),
        Arguments.of("threshold not below 1", 2, "--threshold-log2 must be between", (Function<Path, String[]>) d ->
            new String[] {"fingerprint", "check", "--suspect", networkA().toString(), "--owner-dir", owner.toString(),
                "--threshold-log2", "0"}),
        Arguments.of("too many fingerprints", 2, "--fingerprints must be between", (Function<Path, String[]>) d ->
            new String[] {"fingerprint", "check", "--suspect", networkA().toString(), "--owner-dir", owner.toString(),
                "--fingerprints", "5000"}),
        Arguments.of("no subcommand", 2, "missing subcommand", (Function<Path, String[]>) d ->
            new String[] {"fingerprint"}),
        Arguments.of("suspect of another shape", 1, "nothing to check it against", (Function<Path, String[]>) d -> {
          Path npz = d.resolve("tiny.npz");
          try {
            if (!Files.exists(npz)) {
              TinyNpz.write(npz);
            }
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          return new String[] {"fingerprint", "check", "--suspect", npz.toString(), "--owner-dir", owner.toString()};
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputsAreOneLineErrorsWithTheirExitCode(String name, int code, String says, Function<Path, String[]> args) {
    // An owner with one key share, so that the check gets as far as the suspect.
    if (OwnerHome.open(owner).keyShares(SecretAccess.get()).isEmpty()) {
      assertEquals(0, CliRun.of("omlize", "--model", networkA().toString(), "--licensee",
          dir.resolve("lic/bob.pub").toString(), "--owner-dir", owner.toString(), "--out",
          dir.resolve("out-bob0").toString()).code());
    }
    CliRun r = CliRun.of(args.apply(dir));
    assertEquals(code, r.code(), r.err());
    assertTrue(r.err().startsWith("error: "), r.err());
    assertTrue(r.err().toLowerCase().contains(says.toLowerCase()), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(Files.exists(dir.resolve("x/artifact.omla")), "nothing written on an error");
  }
}
