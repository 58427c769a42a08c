package dev.oml.service.quickstart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.permission.InferenceMode;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.FacadeFixtures;
import dev.oml.service.OmlLicensee;
import dev.oml.service.OwnerNode;
import dev.oml.service.OwnerNodeConfig;
import dev.oml.service.Prediction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's two quickstarts, verbatim, run against each other on loopback with a tiny model:
 * the owner's (a running owner in two statements) and the licensee's (a query in three). A second
 * test reads README.md and checks that its snippets are exactly the code below, so the README
 * cannot drift from what is tested.
 */
class QuickstartTest {
  @TempDir Path dir;

  // ---- quickstart:owner (README.md, verbatim) ----
  private static OwnerNode ownerQuickstart(Path ownerDir, int port) {
    OwnerNode owner = OwnerNode.start(OwnerNodeConfig.builder(ownerDir).port(port).build());
    System.out.println("serving " + owner.services() + " on " + owner.address());
    return owner;
  }

  // ---- quickstart:licensee (README.md, verbatim) ----
  private static void licenseeQuickstart(InetSocketAddress ownerAddress, Path licenseeDir, double[] image) {
    try (OmlLicensee licensee = OmlLicensee.builder()
        .owner(ownerAddress)
        .ownerCertificate(licenseeDir.resolve("tls-cert.pem"))
        .artifact(licenseeDir.resolve("artifact.omla"))
        .licenseeKey(licenseeDir.resolve("alice.key"))
        .build()) {
      Prediction p = licensee.infer(InferenceMode.TWO_PARTY, image);
      System.out.println("label " + p.label() + ", logits " + Arrays.toString(p.logits()));
    }
  }

  @Test
  void theQuickstartsRunAgainstEachOther() throws IOException {
    SigningKeyPair alice = SigningKeyPair.generate(new SecureRandom());
    Path ownerDir = dir.resolve("owner");
    Path licenseeDir = Files.createDirectories(dir.resolve("alice"));
    Model model = FacadeFixtures.ownerDirectory(ownerDir, alice, 100, licenseeDir.resolve("artifact.omla"));
    KeyFiles.writePrivate(alice, licenseeDir.resolve("alice.key"), SecretAccess.get());
    Files.copy(ownerDir.resolve("tls-cert.pem"), licenseeDir.resolve("tls-cert.pem"));
    double[] image = TinyModels.input(new Random(11), 8);

    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try (OwnerNode owner = ownerQuickstart(ownerDir, 0)) {
      licenseeQuickstart(owner.address(), licenseeDir, image);
    } finally {
      System.setOut(stdout);
    }
    String out = printed.toString(StandardCharsets.UTF_8);
    stdout.print(out);
    assertTrue(out.contains("serving [permit, 2pc-inference] on "), out);
    Matcher m = Pattern.compile("label (\\d+), logits \\[([^\\]]*)\\]").matcher(out);
    assertTrue(m.find(), out);
    double[] logits = Arrays.stream(m.group(2).split(", ")).mapToDouble(Double::parseDouble).toArray();
    double[] want = FacadeFixtures.reference(model, image);
    assertArrayEquals(want, logits, 0.0);
    int argmax = 0;
    for (int k = 1; k < want.length; k++) {
      argmax = want[k] > want[argmax] ? k : argmax;
    }
    assertEquals(argmax, Integer.parseInt(m.group(1)));
  }

  @Test
  void theReadmeShowsExactlyTheseQuickstartsWithTheirImports() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    List<String> source = Files.readAllLines(
        Path.of("src", "test", "java", "dev", "oml", "service", "quickstart", "QuickstartTest.java"));
    List<String> trimmed = source.stream().map(String::trim).toList();
    int statements = 0;
    for (String name : List.of("owner", "licensee")) {
      Matcher m = Pattern.compile("<!-- quickstart:" + name + " -->\\s*```java\\n(.*?)```", Pattern.DOTALL)
          .matcher(readme);
      assertTrue(m.find(), "README.md has no quickstart:" + name);
      List<String> code = new ArrayList<>();
      for (String line : m.group(1).split("\n")) {
        String t = line.trim();
        if (t.startsWith("import ")) {
          assertTrue(trimmed.contains(t), "the README imports what this test does not: " + t);
        } else if (!t.isEmpty()) {
          code.add(t);
        }
      }
      assertTrue(java.util.Collections.indexOfSubList(trimmed, code) >= 0,
          "README quickstart:" + name + " differs from this test's code:\n" + String.join("\n", code));
      statements = (int) code.stream().filter(l -> l.endsWith(";") || l.startsWith("try (")).count();
      assertTrue(statements <= (name.equals("owner") ? 3 : 5), name + ": " + statements + " statements");
    }
  }
}
