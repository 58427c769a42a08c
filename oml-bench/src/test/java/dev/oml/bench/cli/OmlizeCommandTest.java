package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.FieldArtifact;
import dev.oml.core.omlize.FieldKeyShare;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.core.reference.FieldQuantizedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keygen}, {@code omlize} and {@code evaluate --artifact} end to end on the shipped
 * Network A: key files and key share are owner-only, the two outputs reconstruct the model,
 * and the artifact alone is at chance level on the 1,000-image subset.
 */
class OmlizeCommandTest {
  @TempDir Path dir;



  @Test
  void keygenOmlizeAndArtifactOnlyAccuracy() throws Exception {
    assertEquals(0, CliRun.of("keygen", "--out", dir.toString(), "--name", "owner").code());
    CliRun lk = CliRun.of("keygen", "--out", dir.toString(), "--name", "licensee");
    assertEquals(0, lk.code(), lk.err());
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve("owner.key"))));
    }
    assertEquals(1, CliRun.of("keygen", "--out", dir.toString(), "--name", "owner").code(),
        "an existing private key must not be replaced without --force");

    Path model = CliRun.root().resolve("models/network-a.omlm");
    CliRun o = CliRun.of("omlize", "--model", model.toString(), "--licensee",
        dir.resolve("licensee.pub").toString(), "--out", dir.toString());
    assertEquals(0, o.code(), o.err());
    Path artifact = dir.resolve("artifact.omla");
    Path keyShare = dir.resolve("owner-key-share.omlk");
    if (posix) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyShare)));
    }
    // Network A has a two-party rule: version 2, shares over F_p that add up to the model
    FieldArtifact a = FieldArtifact.read(artifact);
    FieldKeyShare k = FieldKeyShare.read(keyShare, SecretAccess.get());
    assertEquals(a.modelId(), k.modelId());
    assertEquals(KeyFiles.readPublic(dir.resolve("licensee.pub")).keyId(), k.licensee());
    Model m = ModelFiles.load(model);
    long[] w = FieldQuantizedModel.of(m, m.format().fractionalBits()).matrix(0);
    long[] wu = a.share(0);
    long[] wo = k.ownerShare(0, SecretAccess.get());
    for (int j = 0; j < w.length; j++) {
      assertEquals(w[j], PrimeField.add(wu[j], wo[j]));
    }

    CliRun e = CliRun.of("evaluate", "--model", model.toString(), "--data",
        CliRun.root().resolve("data/fashion-mnist-subset").toString(), "--artifact", artifact.toString(), "--json");
    assertEquals(0, e.code(), e.err());
    double alone = number(e.out(), "artifact_only_accuracy");
    double ring = number(e.out(), "artifact_only_ring_accuracy");
    assertTrue(alone <= 0.15, e.out());
    assertTrue(ring <= 0.15, e.out());
    assertTrue(number(e.out(), "fixed_accuracy") > 0.8, e.out());

    // a ring width is a version-1 (HE-only) setting: refused for a two-party model, and for an
    // HE-only model a ring too narrow is refused naming the problem
    CliRun ring2 = CliRun.of("omlize", "--model", model.toString(), "--licensee",
        dir.resolve("licensee.pub").toString(), "--out", dir.resolve("n").toString(),
        "--owner", dir.resolve("owner.pub").toString(), "--ring-bits", "50");
    assertEquals(1, ring2.code());
    assertTrue(ring2.err().contains("HE-only"), ring2.err());
    Path heModel = CliRun.root().resolve("models/he-network.omlm");
    CliRun he = CliRun.of("omlize", "--model", heModel.toString(), "--licensee",
        dir.resolve("licensee.pub").toString(), "--out", dir.resolve("h").toString(),
        "--owner", dir.resolve("owner.pub").toString());
    assertEquals(0, he.code(), he.err());
    assertEquals(1, OmlArtifact.read(dir.resolve("h/artifact.omla")).formatVersion());
    CliRun narrow = CliRun.of("omlize", "--model", heModel.toString(), "--licensee",
        dir.resolve("licensee.pub").toString(), "--out", dir.resolve("n").toString(),
        "--owner", dir.resolve("owner.pub").toString(), "--ring-bits", "30");
    assertEquals(1, narrow.code());
    assertTrue(narrow.err().contains("too narrow"), narrow.err());
  }

  private static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": ([0-9.]+)").matcher(json);
    assertTrue(m.find(), key + " missing in " + json);
    return Double.parseDouble(m.group(1));
  }
}
