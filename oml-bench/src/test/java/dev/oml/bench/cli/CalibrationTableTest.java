package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.onnx.OnnxImporter;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code oml import --calibration}: the table, the chosen format, refusals in one line. */
class CalibrationTableTest {
  private static final int N = 100;
  @TempDir Path dir;

  private static Path subset() {
    return CliRun.root().resolve("data/fashion-mnist-subset");
  }

  /** The largest {@code (w * sum of pixels)^2} over the first N subset images, by hand. */
  private static double squarePeak(double w) {
    Dataset d = FashionMnist.test(subset()).limit(N);
    double max = 0;
    for (int e = 0; e < N; e++) {
      double s = 0;
      for (double v : d.image(e)) {
        s += v;
      }
      max = Math.max(max, (w * s) * (w * s));
    }
    return max;
  }

  @Test
  void aSquareModelGetsTheBoundItsDataNeedsAndATable() throws Exception {
    Path npz = dir.resolve("sq.npz");
    TinyNpz.writeSquare(npz, 0.05, 1);
    CliRun plain = CliRun.of("import", npz.toString(), "--out", dir.resolve("plain.omlm").toString());
    assertEquals(0, plain.code(), plain.err());
    assertEquals(6, ModelFiles.load(dir.resolve("plain.omlm")).activationBits(),
        "without --calibration the default bound stays");

    CliRun r = CliRun.of("import", npz.toString(), "--calibration", subset().toString(),
        "--calibration-limit", Integer.toString(N));
    assertEquals(0, r.code(), r.err());
    double peak = squarePeak(0.05);
    assertTrue(peak > 64, "fixture must exceed 2^6: " + peak);
    int bound = 0;
    while (Math.scalb(1.0, bound) <= 2 * peak) {
      bound++;
    }
    Model m = ModelFiles.load(dir.resolve("sq.omlm"));
    assertEquals(bound, m.activationBits());
    assertEquals(12, m.format().fractionalBits());
    assertEquals(Math.max(32, m.requiredRingBits(12)), m.format().ringBits());
    String out = r.out();
    assertTrue(out.contains("calibration on " + N + " examples from " + subset()), out);
    assertTrue(out.contains("layer  kind       output"), out);
    assertTrue(out.lines().anyMatch(l -> l.startsWith("1      square     [2]")), out);
    assertTrue(out.contains(String.format(Locale.ROOT, "largest activation: |%.4g| at layer 1"
        + " (square); activation bound 2^%d", peak, bound)), out);
    assertTrue(out.contains("chosen format: l=" + m.format().ringBits() + ", f=12"), out);
    assertTrue(out.contains("ring reference : agrees with float on"), out);
    assertTrue(out.contains("field reference: not run"), out);
  }

  @Test
  void aFormatThatCannotHoldTheDataExitsOneWithOneLineAndWritesNothing() throws Exception {
    Path npz = dir.resolve("big.npz");
    TinyNpz.writeSquare(npz, 10, 1);
    CliRun r = CliRun.of("import", npz.toString(), "--calibration", subset().toString(),
        "--calibration-limit", Integer.toString(N));
    assertEquals(1, r.code(), r.out());
    assertEquals(1, r.err().trim().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: layer 1 (square) cannot be held in fixed point"), r.err());
    assertTrue(r.err().contains(String.format(Locale.ROOT, "|%.4g|", squarePeak(10))), r.err());
    assertFalse(Files.exists(dir.resolve("big.omlm")));
  }

  @Test
  void badCalibrationArgumentsAreUsageErrorsAndAMissingDirectoryAnInputError() throws Exception {
    Path npz = dir.resolve("sq.npz");
    TinyNpz.writeSquare(npz, 0.05, 1);
    assertEquals(2, CliRun.of("import", npz.toString(), "--calibration-limit", "5").code());
    assertEquals(2, CliRun.of("import", npz.toString(), "--calibration", subset().toString(),
        "--calibration-limit", "0").code());
    assertEquals(2, CliRun.of("import", npz.toString(), "--calibration", subset().toString(),
        "--calibration-pixels", "floats").code());
    CliRun missing = CliRun.of("import", npz.toString(), "--calibration",
        dir.resolve("none").toString());
    assertEquals(1, missing.code());
    assertEquals(1, missing.err().trim().lines().count(), missing.err());
    assertTrue(missing.err().contains("no such directory"), missing.err());
    assertFalse(Files.exists(dir.resolve("sq.omlm")));
  }

  @Test
  void anOnnxGraphsPreprocessingIsAppliedToRawBytes() throws Exception {
    // 40 random 8x8 images in the IDX layout, for mlp.onnx (x / 255, then (x - 0.25) / 0.5).
    Path data = Files.createDirectories(dir.resolve("idx"));
    Random rnd = new Random(15_004);
    byte[] pixels = new byte[40 * 64];
    rnd.nextBytes(pixels);
    try (DataOutputStream o = new DataOutputStream(
        Files.newOutputStream(data.resolve("t10k-images-idx3-ubyte")))) {
      o.writeInt(0x803);
      o.writeInt(40);
      o.writeInt(8);
      o.writeInt(8);
      o.write(pixels);
    }
    try (DataOutputStream o = new DataOutputStream(
        Files.newOutputStream(data.resolve("t10k-labels-idx1-ubyte")))) {
      o.writeInt(0x801);
      o.writeInt(40);
      o.write(new byte[40]);
    }
    double inMax = 0;
    for (byte b : pixels) {
      inMax = Math.max(inMax, Math.abs(((b & 0xff) / 255.0 - 0.25) / 0.5));
    }
    Path onnx = dir.resolve("mlp.onnx");
    Files.copy(CliRun.root().resolve("oml-core/src/test/resources/onnx/mlp.onnx"), onnx);
    CliRun r = CliRun.of("import", onnx.toString(), "--calibration", data.toString(),
        "--calibration-pixels", "bytes");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("pixels in [0, 255], then the input preprocessing x * 0.00784"),
        r.out());
    String row0 = r.out().lines().filter(l -> l.startsWith("0      flatten")).findFirst().orElseThrow();
    assertTrue(row0.contains(String.format(Locale.ROOT, "%12.4g", inMax)), row0 + " vs " + inMax);
    assertTrue(r.out().contains("field reference: agrees with float on"), r.out());
    // The calibrated model keeps the preprocessing the importer found, so the file it writes
    // still takes raw pixels.
    Model written = ModelFiles.load(dir.resolve("mlp.omlm"));
    assertEquals(OnnxImporter.load(onnx, "mlp", false).preprocessing(),
        written.preprocessing().orElseThrow());
  }
}
