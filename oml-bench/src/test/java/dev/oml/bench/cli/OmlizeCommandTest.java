package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.LicenseeArtifact;
import dev.oml.core.omlize.OwnerKeyShare;
import dev.oml.core.reference.QuantizedModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code keygen}, {@code omlize} and {@code evaluate --artifact} end to end on the shipped
 * Network A: key files and key share are owner-only, the two outputs reconstruct the model,
 * and the artifact alone is at chance level on the 1,000-image subset.
 */
class OmlizeCommandTest {
  @TempDir Path dir;

  private static Path root() {
    Path p = Path.of("").toAbsolutePath();
    while (!p.resolve("models").toFile().isDirectory()) {
      p = p.getParent();
    }
    return p;
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    try {
      System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
      CommandLine cl = OmlCli.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int code = cl.execute(args);
      return new Run(code, buf.toString(StandardCharsets.UTF_8), err.toString());
    } finally {
      System.setOut(old);
    }
  }

  @Test
  void keygenOmlizeAndArtifactOnlyAccuracy() throws Exception {
    assertEquals(0, run("keygen", "--out", dir.toString(), "--name", "owner").code());
    Run lk = run("keygen", "--out", dir.toString(), "--name", "licensee");
    assertEquals(0, lk.code(), lk.err());
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve("owner.key"))));
    }
    assertEquals(1, run("keygen", "--out", dir.toString(), "--name", "owner").code(),
        "an existing private key must not be replaced without --force");

    Path model = root().resolve("models/network-a.omlm");
    Run o = run("omlize", "--model", model.toString(), "--licensee",
        dir.resolve("licensee.pub").toString(), "--out", dir.toString());
    assertEquals(0, o.code(), o.err());
    Path artifact = dir.resolve("artifact.omla");
    Path keyShare = dir.resolve("owner-key-share.omlk");
    if (posix) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyShare)));
    }
    LicenseeArtifact a = LicenseeArtifact.read(artifact);
    OwnerKeyShare k = OwnerKeyShare.read(keyShare, SecretAccess.get());
    assertEquals(a.modelId(), k.modelId());
    assertEquals(KeyFiles.readPublic(dir.resolve("licensee.pub")).keyId(), k.licensee());
    Model m = ModelFiles.load(model);
    long[] w = QuantizedModel.of(m).matrix(0);
    long[] wu = a.matrixShare(0);
    long[] wo = k.matrixShare(0, SecretAccess.get());
    for (int j = 0; j < w.length; j++) {
      assertEquals(w[j], m.format().reduce(wu[j] + wo[j]));
    }

    Run e = run("evaluate", "--model", model.toString(), "--data",
        root().resolve("data/fashion-mnist-subset").toString(), "--artifact", artifact.toString(), "--json");
    assertEquals(0, e.code(), e.err());
    double alone = number(e.out(), "artifact_only_accuracy");
    double ring = number(e.out(), "artifact_only_ring_accuracy");
    assertTrue(alone <= 0.15, e.out());
    assertTrue(ring <= 0.15, e.out());
    assertTrue(number(e.out(), "fixed_accuracy") > 0.8, e.out());

    Run narrow = run("omlize", "--model", model.toString(), "--licensee",
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
