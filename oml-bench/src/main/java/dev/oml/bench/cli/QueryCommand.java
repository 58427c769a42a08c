package dev.oml.bench.cli;

import dev.oml.bench.demo.Demo;
import dev.oml.bench.demo.LicenseeClient;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.OmlArtifact;
import dev.oml.he.inference.HePacking;
import dev.oml.service.transport.TlsCredentials;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code oml query}: the licensee's side against a running owner server. Asks the permit desk for
 * permissions and runs test images through the chosen mode; reports accuracy, latency, bytes and
 * rounds per query (and agreement with a plaintext model, when one is given for comparison).
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "Run permitted queries (2pc or he) against an owner server as a licensee.")
final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin LicenseeOptions licensee;

  @Option(names = "--mode", required = true, description = "2pc | he")
  String mode;

  @Option(names = "--images", defaultValue = "8", description = "test images to query, 1 to "
      + MAX_IMAGES + " (default ${DEFAULT-VALUE})")
  int count;

  @Option(names = "--data", description = "directory with the test split; default: the Debian package's, else the shipped subset")
  Path data;

  @Option(names = "--compare-with", description = "a plaintext model file to report agreement against (optional)")
  Path compareWith;

  @Option(names = "--packing", defaultValue = "auto", description = "he: auto | rows | batch"
      + " (default ${DEFAULT-VALUE}: where the owner serves both packings, batch for more than "
      + HePacking.DEFAULT_BATCH_CROSSOVER + " images, else rows; where it serves one, that one;"
      + " rows or batch: only that packing, refused by an owner that does not serve it)")
  String packing;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  /** The most images one run queries: the size of the Fashion-MNIST test set. */
  static final int MAX_IMAGES = 10_000;

  @Override
  public Integer call() {
    // Everything the command line and the local files can get wrong is found before connecting.
    Check.oneOf(spec, "--mode", mode, "2pc", "he");
    Check.range(spec, "--images", count, 1, MAX_IMAGES);
    Check.oneOf(spec, "--packing", packing, "auto", "rows", "batch");
    HePacking required = packing.equals("auto") ? null
        : HePacking.valueOf(packing.toUpperCase(Locale.ROOT));
    InetSocketAddress address = licensee.address();
    OmlArtifact art = OmlArtifact.read(licensee.artifact);
    SigningKeyPair me = KeyFiles.readPrivate(licensee.key, SecretAccess.get());
    LicenseeOptions.requireLicensee(me, art, licensee.key, licensee.artifact);
    if (mode.equals("2pc")) {
      art.requireVersion2(); // a version-1 artifact: re-OMLize, said before any connection
    }
    // Without a plaintext model the agreement column compares the output with itself: the
    // licensee has no weights, only the artifact's architecture.
    Model reference = compareWith != null ? ModelFiles.load(compareWith) : null;
    Path dir = EvaluateCommand.dataDir(data);
    Dataset images = FashionMnist.test(dir);
    EvaluateCommand.fits(art.description().architecture(), images, dir);
    // raw inputs, made model inputs by the preprocessing the artifact declares
    images = images.limit(count).preprocessed(art.description().architecture());
    X509Certificate pinned = TlsCredentials.readPem(licensee.cert);
    Progress progress = new Progress(spec.commandLine().getErr(), "query", count);
    LicenseeClient client = new LicenseeClient(address, pinned, me,
        json ? progress::line : System.out::println);
    Model compare = reference != null ? reference : art.description().architecture();
    Demo.ModeFigures f = mode.equals("2pc")
        ? client.twoParty(art, compare, images, null)
        : client.homomorphic(art, compare, images, HeModes.backend(), null, required);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("mode", f.mode());
    out.put("images", f.images());
    out.put("accuracy", f.accuracy());
    if (reference != null) {
      out.put("agreement_with_plaintext", f.agreement());
    }
    out.put("queries", f.queries());
    out.put("latency_ms_per_query_median", f.perQueryMs().median());
    out.put("latency_ms_per_query_p95", f.perQueryMs().p95());
    // per image actually sent: a run of fewer images than a query carries waits for the whole
    // query, and that is the latency its images see
    out.put("latency_ms_per_image_median", f.perSentImageMs().median());
    out.put("bytes_per_query", f.bytesPerQuery());
    out.put("flights_per_query", f.flightsPerQuery());
    out.put("session_key_bytes", f.sessionKeyBytes());
    out.put("notes", f.notes());
    if (json) {
      System.out.println(Json.object(out));
    } else {
      out.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-26s %s%n", k.replace('_', ' '), v));
    }
    return 0;
  }
}
