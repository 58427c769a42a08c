package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.transport.TlsCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every user mistake of issue #16 (and its neighbours), run through the CLI in-process: the exit
 * code is 1 (bad input, refusal) or 2 (usage), standard error is one line that starts with
 * {@code error:} and names the problem, and no stack trace is printed. Exit code 3 is left to a
 * failure of the program itself, shown by a command that throws an unexpected exception.
 */
class CliErrorsTest {
  @TempDir static Path dir;
  static OwnerServer server;
  static PermissionLedger ledger;
  static String address;

  /** One row of the table: the arguments (built from the fixture's paths), the code, a word of the message. */
  record Case(String name, int code, Function<Path, List<String>> args, String says) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void fixture() throws Exception {
    Path owner = dir.resolve("owner");
    run(0, "owner-init", "--dir", owner.toString());
    run(0, "keygen", "--out", dir.resolve("lic").toString(), "--name", "alice");
    run(0, "keygen", "--out", dir.resolve("lic").toString(), "--name", "bob");
    run(0, "omlize", "--model", model("network-a"), "--licensee", dir.resolve("lic/alice.pub").toString(),
        "--owner-dir", owner.toString(), "--out", dir.resolve("to-alice").toString());

    // An owner server with the permit desk and 2PC only (no HE model).
    OwnerHome home = OwnerHome.open(owner);
    PermissionPolicy policy = home.policy(SecretAccess.get());
    ledger = home.openLedger(policy);
    List<OwnerService> services = new ArrayList<>();
    services.add(new PermitService(new PermissionIssuer(home.ownerKey(SecretAccess.get()), policy,
        Clock.systemUTC(), new SecureRandom(), ledger::charged)));
    services.addAll(HeModes.services(home, policy, ledger, List.of()));
    server = OwnerServer.start(ServerConfig.loopback(home.tls()), services);
    address = "127.0.0.1:" + server.address().getPort();

    // Another owner's certificate: pinning it must fail against this server.
    TlsCredentials other = TlsCredentials.selfSigned("someone-else", Duration.ofDays(1));
    Files.writeString(dir.resolve("other-cert.pem"), TlsCredentials.toPem(other.certificate()));

    // Owner directories whose policy is wrong.
    copyTree(owner, dir.resolve("owner-negative-validity"));
    Files.writeString(dir.resolve("owner-negative-validity/policy.properties"),
        "quota=10\nmax-inferences=5\nvalidity=-PT10M\nmodes=TWO_PARTY\n");
    copyTree(owner, dir.resolve("owner-wrapping-max"));
    Files.writeString(dir.resolve("owner-wrapping-max/policy.properties"),
        "quota=10\nmax-inferences=4294967297\nvalidity=PT10M\nmodes=TWO_PARTY\n");
    Files.createDirectories(dir.resolve("not-an-owner"));
    copyTree(owner, dir.resolve("owner-copy"));

    // Data: images of the wrong size, no images, a gzip whose CRC does not match.
    idx(dir.resolve("small-images"), 2, 14);
    idx(dir.resolve("no-images"), 0, 28);
    Path corrupt = dir.resolve("corrupt-gzip");
    Files.createDirectories(corrupt);
    Path subset = CliRun.root().resolve("data/fashion-mnist-subset");
    byte[] gz = Files.readAllBytes(subset.resolve("t10k-images-idx3-ubyte.gz"));
    gz[gz.length - 6] ^= 0x10; // inside the CRC-32 of the trailer
    Files.write(corrupt.resolve("t10k-images-idx3-ubyte.gz"), gz);
    Files.copy(subset.resolve("t10k-labels-idx1-ubyte.gz"), corrupt.resolve("t10k-labels-idx1-ubyte.gz"));

    // A zip bomb: 80 MiB of zeros in one .npz entry, about 80 KB on disk.
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(dir.resolve("bomb.npz")))) {
      z.putNextEntry(new ZipEntry("layer0.dense.weight.npy"));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 80; i++) {
        z.write(zeros);
      }
      z.closeEntry();
    }
    Files.write(dir.resolve("first.bin"), new byte[] {1, 2, 3});
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (ledger != null) {
      ledger.close();
    }
  }

  static Stream<Arguments> cases() {
    List<Case> c = new ArrayList<>();
    // Usage: the command line is wrong. Exit 2, before any work.
    c.add(usage("evaluate --limit -1", d -> evaluate(d, "--limit", "-1"), "--limit must be at least 1, got "));
    c.add(usage("evaluate --limit 0", d -> evaluate(d, "--limit", "0"), "--limit must be at least 1, got "));
    c.add(usage("evaluate --bundle 0", d -> evaluate(d, "--mode", "2pc", "--bundle", "0"), "--bundle must be between 1"));
    c.add(usage("evaluate --kappa -1", d -> evaluate(d, "--mode", "he", "--kappa", "-1"), "--kappa must be between 1 and 128"));
    c.add(usage("evaluate --ring 4096", d -> evaluate(d, "--mode", "he", "--ring", "4096"), "--ring must be 16384 or 32768"));
    c.add(usage("evaluate --precision-bits 200", d -> evaluate(d, "--mode", "he", "--precision-bits", "200"),
        "--precision-bits must be between 0 and 30"));
    c.add(usage("evaluate --mode fhe", d -> evaluate(d, "--mode", "fhe"), "--mode must be one of plain, 2pc, he"));
    c.add(usage("evaluate --limit abc", d -> evaluate(d, "--limit", "abc"), "--limit"));
    c.add(usage("evaluate without --model", d -> List.of("evaluate"), "Missing required option: '--model"));
    c.add(usage("evaluate --no-such-option", d -> evaluate(d, "--no-such-option"), "--no-such-option"));
    c.add(usage("no command", d -> List.of(), "missing command"));
    c.add(usage("query --images 0", d -> replace(query(d, "2pc"), "--images", "0"), "--images must be between 1"));
    c.add(usage("query --images -1", d -> replace(query(d, "2pc"), "--images", "-1"), "--images must be between 1"));
    c.add(usage("query --mode plain", d -> query(d, "plain"), "--mode must be one of 2pc, he"));
    c.add(usage("query --owner without a port", d -> withOwner(query(d, "2pc"), "localhost"), "HOST:PORT"));
    c.add(usage("query --owner port 70000", d -> withOwner(query(d, "2pc"), "127.0.0.1:70000"),
        "port must be between 1 and 65535"));
    c.add(usage("query --owner unknown host", d -> withOwner(query(d, "2pc"), "no-such-host.invalid:7443"),
        "unknown host"));
    c.add(usage("permit -n 0", d -> permit(d, "alice", "-n", "0"), "-n must be at least 1, got 0"));
    c.add(usage("serve --port 70000", d -> serve(d, "owner", "--port", "70000"), "--port must be between 0 and 65535"));
    c.add(usage("serve --workers 0", d -> serve(d, "owner", "--workers", "0"), "--workers must be between 1"));
    c.add(usage("serve --bind unknown host", d -> serve(d, "owner", "--bind", "no-such-host.invalid"),
        "--bind: unknown host"));
    c.add(usage("serve --he-model unknown setting", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":speed=3"), "unknown setting 'speed' (known: kappa, precision, ring, packing, keys)"));
    c.add(usage("serve --he-model bad keys", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":keys=fast"), "keys must be chained or hoisted, got 'fast'"));
    c.add(usage("serve --he-model bad packing", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":packing=fast"), "packing must be rows, batch or auto, got 'fast'"));
    c.add(usage("query --packing unknown", d -> query(d, "he", "--packing", "fast"),
        "--packing must be one of auto, rows, batch, got 'fast'"));
    c.add(usage("evaluate --packing unknown", d -> List.of("evaluate", "--model",
        model("he-network"), "--mode", "he", "--packing", "both"),
        "--packing must be one of rows, batch, auto, got 'both'"));
    c.add(usage("serve --he-model packing twice", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":packing=rows,packing=batch"), "packing is given twice"));
    c.add(usage("serve --he-model kappa 0", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":kappa=0"), "kappa must be between 1 and 128, got 0"));
    c.add(usage("serve --he-model ring 8192", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":ring=8192"), "ring must be 16384 or 32768, got 8192"));
    c.add(usage("serve --he-model kappa twice", d -> serve(d, "owner-copy", "--he-model",
        model("he-network") + ":kappa=3,kappa=4"), "kappa is given twice"));
    c.add(usage("bench invalid regex", d -> List.of("bench", "--list", "Plain[("), "not a valid regular expression"));
    c.add(usage("bench no match", d -> List.of("bench", "--list", "NoSuchBenchmarkAnywhere"), "no benchmark matches"));
    c.add(usage("bench --forks -1", d -> List.of("bench", "--forks", "-1"), "--forks must be between 0"));
    c.add(usage("bench --iterations 0", d -> List.of("bench", "--iterations", "0"), "--iterations must be between 1"));
    c.add(usage("bench --prof unknown", d -> List.of("bench", "--prof", "no-such-profiler"),
        "--prof no-such-profiler: JMH has no such profiler"));
    c.add(usage("bench --format xml", d -> List.of("bench", "--format", "xml"), "--format must be one of json, csv"));
    c.add(usage("demo --images 0", d -> List.of("demo", "--images", "0"), "--images must be between 1 and 1000"));
    c.add(usage("profile --limit 0", d -> List.of("profile", "--limit", "0"), "--limit must be at least 1, got "));
    c.add(usage("train --epochs 0", d -> List.of("train", "--network", "network-a", "--epochs", "0", "--out",
        d.resolve("t.omlm").toString()), "--epochs must be between 1"));
    c.add(usage("train --network unknown", d -> List.of("train", "--network", "resnet", "--out",
        d.resolve("t.omlm").toString()), "--network must be one of"));
    c.add(usage("keygen --name with a slash", d -> List.of("keygen", "--out", d.toString(), "--name", "a/b"),
        "--name must be 1 to 64"));

    // Bad input or refusal: exit 1, one line naming the file or the reason.
    c.add(input("evaluate, images of the wrong size", d -> evaluateOn(d.resolve("small-images")),
        "are [1x14x14] (196 values) but model network-a takes [1x28x28]"));
    c.add(input("evaluate, no images", d -> evaluateOn(d.resolve("no-images")), "holds no"));
    c.add(input("evaluate, corrupted gzip", d -> evaluateOn(d.resolve("corrupt-gzip")), "corrupted gzip data"));
    c.add(input("evaluate, missing model", d -> List.of("evaluate", "--model", d.resolve("nope.omlm").toString()),
        "nope.omlm"));
    c.add(input("import, zip bomb", d -> List.of("import", "--npz", d.resolve("bomb.npz").toString(), "--name", "x",
        "--out", d.resolve("x.omlm").toString()), "larger than the limit"));
    c.add(input("serve, negative validity", d -> serve(d, "owner-negative-validity", "--port", "0"),
        "validity must be positive"));
    c.add(input("serve, max-inferences beyond int", d -> serve(d, "owner-wrapping-max", "--port", "0"),
        "max-inferences must be between 1 and 2147483647, got 4294967297"));
    c.add(input("serve, an HE model that matches no key share", d -> serve(d, "owner-copy",
        "--port", "0", "--he-model", model("he-network") + ":kappa=3"),
        "the HE model 'he-network' (content "));
    c.add(input("serve, the same HE model twice", d -> serve(d, "owner-copy", "--port", "0",
        "--he-model", model("he-network"), "--he-model", model("he-network") + ":kappa=3"),
        "is given twice"));
    c.add(input("query with another licensee's key", d -> withKey(query(d, "2pc"), d, "bob"),
        "is not the licensee"));
    c.add(input("permit with another licensee's key", d -> permit(d, "bob"), "is not the licensee"));
    c.add(input("query, wrong pinned certificate", d -> withCert(query(d, "2pc"), d.resolve("other-cert.pem")),
        "did not present the trusted (pinned) certificate"));
    c.add(input("query, a service the server does not host", d -> query(d, "he"),
        "does not host the service 'he-inference'"));
    c.add(input("omlize into a folder that is not an owner directory", d -> List.of("omlize", "--model",
        model("network-a"), "--licensee", d.resolve("lic/alice.pub").toString(), "--owner-dir",
        d.resolve("not-an-owner").toString(), "--out", d.resolve("omlize-out").toString()),
        "is not an owner directory"));
    c.add(input("keygen over an existing key", d -> List.of("keygen", "--out", d.resolve("lic").toString(),
        "--name", "alice"), "never replaced silently"));
    return c.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void oneLineAndTheRightExitCode(Case c) {
    CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of(c.args().apply(dir)
        .toArray(String[]::new)));
    String err = r.err().strip();
    assertEquals(c.code(), r.code(), err);
    assertEquals(1, err.lines().count(), "one line: " + err);
    assertTrue(err.startsWith("error: "), err);
    assertTrue(err.contains(c.says()), "'" + err + "' should say '" + c.says() + "'");
    assertFalse(err.contains("\tat ") || err.contains("Exception:") || err.contains("Error:"),
        "no stack trace or exception name: " + err);
  }

  @Test
  void omlizeIntoANonOwnerDirectoryLeavesNothingBehind() {
    assertFalse(Files.exists(dir.resolve("omlize-out/artifact.omla")));
    assertFalse(Files.exists(dir.resolve("omlize-out/owner-key-share.omlk")));
  }

  /** Options are checked before any connection: a refused query costs the owner nothing. */
  @Test
  void badOptionsReachNoServer() {
    long before = server.stats().sessions();
    CliRun r = CliRun.of(replace(query(dir, "he"), "--images", "0").toArray(String[]::new));
    assertEquals(2, r.code(), r.err());
    r = CliRun.of(withKey(query(dir, "he"), dir, "bob").toArray(String[]::new));
    assertEquals(1, r.code(), r.err());
    assertEquals(before, server.stats().sessions());
  }

  /** Exit code 3 is for our own bugs; --verbose adds the stack trace, to every error. */
  @Test
  void internalErrorsAndVerbose() {
    CommandLine cl = OmlCli.commandLine();
    cl.addSubcommand("boom", new Boom());
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    assertEquals(3, cl.execute("boom"));
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    assertTrue(err.toString().startsWith("internal error: java.lang.IllegalStateException: broken invariant"),
        err.toString());
    assertTrue(err.toString().contains("--verbose"), err.toString());

    cl = OmlCli.commandLine();
    cl.addSubcommand("boom", new Boom());
    err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    assertEquals(3, cl.execute("boom", "--verbose"));
    assertTrue(err.toString().contains("\tat dev.oml.bench.cli.CliErrorsTest$Boom.call"), err.toString());

    CliRun r = CliRun.of("evaluate", "--model", dir.resolve("nope.omlm").toString(), "--verbose");
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("\tat "), r.err());
  }

  /** The exit codes are part of every command's help. */
  @Test
  void helpListsTheExitCodes() {
    for (String[] args : new String[][] {{"--help"}, {"query", "--help"}, {"bench", "--help"}}) {
      CliRun r = CliRun.of(args);
      assertEquals(0, r.code());
      assertTrue(r.out().contains("Exit codes:"), r.out());
      assertTrue(r.out().contains("2   usage"), r.out());
      assertTrue(r.out().contains("3   internal error"), r.out());
    }
  }

  @CommandLine.Command(name = "boom")
  static final class Boom implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("broken invariant");
    }
  }

  private static Case usage(String name, Function<Path, List<String>> args, String says) {
    return new Case(name, 2, args, says);
  }

  private static Case input(String name, Function<Path, List<String>> args, String says) {
    return new Case(name, 1, args, says);
  }

  private static String model(String name) {
    return CliRun.root().resolve("models/" + name + ".omlm").toString();
  }

  private static List<String> evaluate(Path d, String... more) {
    List<String> a = new ArrayList<>(List.of("evaluate", "--model", model("network-a")));
    a.addAll(List.of(more));
    return a;
  }

  private static List<String> evaluateOn(Path data) {
    return List.of("evaluate", "--model", model("network-a"), "--data", data.toString());
  }

  private static List<String> query(Path d, String mode, String... more) {
    List<String> a = new ArrayList<>(List.of("query", "--mode", mode, "--images", "1", "--data",
        CliRun.root().resolve("data/fashion-mnist-subset").toString()));
    a.addAll(licensee(d, "alice"));
    a.addAll(List.of(more));
    return a;
  }

  private static List<String> permit(Path d, String who, String... more) {
    List<String> a = new ArrayList<>(List.of("permit", "--mode", "2pc", "--first-message",
        d.resolve("first.bin").toString(), "--out", d.resolve("token.bin").toString()));
    a.addAll(licensee(d, who));
    a.addAll(List.of(more));
    return a;
  }

  private static List<String> licensee(Path d, String who) {
    return List.of("--owner", address, "--cert", d.resolve("owner/tls-cert.pem").toString(),
        "--key", d.resolve("lic/" + who + ".key").toString(),
        "--artifact", d.resolve("to-alice/artifact.omla").toString());
  }

  private static List<String> serve(Path d, String ownerDir, String... more) {
    List<String> a = new ArrayList<>(List.of("serve", "--owner-dir", d.resolve(ownerDir).toString()));
    a.addAll(List.of(more));
    return a;
  }

  private static List<String> withOwner(List<String> args, String owner) {
    return replace(args, "--owner", owner);
  }

  private static List<String> withCert(List<String> args, Path cert) {
    return replace(args, "--cert", cert.toString());
  }

  private static List<String> withKey(List<String> args, Path d, String who) {
    return replace(args, "--key", d.resolve("lic/" + who + ".key").toString());
  }

  private static List<String> replace(List<String> args, String option, String value) {
    List<String> a = new ArrayList<>(args);
    a.set(a.indexOf(option) + 1, value);
    return a;
  }

  private static void run(int code, String... args) {
    CliRun r = CliRun.of(args);
    assertEquals(code, r.code(), r.err());
  }

  /** An IDX test split of {@code n} images of {@code side x side}, gzip-compressed. */
  private static void idx(Path d, int n, int side) throws IOException {
    Files.createDirectories(d);
    ByteBuffer im = ByteBuffer.allocate(16 + n * side * side).putInt(0x803).putInt(n).putInt(side).putInt(side);
    ByteBuffer lb = ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
    for (int i = 0; i < n; i++) {
      lb.put((byte) (i % 10));
    }
    gzip(d.resolve("t10k-images-idx3-ubyte.gz"), im.array());
    gzip(d.resolve("t10k-labels-idx1-ubyte.gz"), lb.array());
  }

  private static void gzip(Path p, byte[] b) throws IOException {
    try (GZIPOutputStream z = new GZIPOutputStream(Files.newOutputStream(p))) {
      z.write(b);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
