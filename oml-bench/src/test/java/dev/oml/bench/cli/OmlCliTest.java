package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OmlCliTest {
  @TempDir Path dir;



  @Test
  void evaluatePrintsOneJsonObjectWithTheUtilityFigures() {
    CliRun r = CliRun.of("evaluate", "--model", CliRun.root().resolve("models/network-a.omlm").toString(),
        "--data", CliRun.root().resolve("data/fashion-mnist-subset").toString(), "--limit", "200", "--json");
    assertEquals(0, r.code(), r.err());
    String json = r.out().trim();
    assertTrue(json.startsWith("{") && json.endsWith("}") && json.lines().count() == 1, json);
    assertTrue(json.contains("\"model\": \"network-a\""), json);
    assertTrue(json.contains("\"images\": 200"), json);
    double fl = number(json, "float_accuracy");
    double fx = number(json, "fixed_accuracy");
    assertTrue(fl > 0.8 && fl <= 1, json);
    assertTrue(Math.abs(fl - fx) <= 0.01, json);
  }

  @Test
  void evaluateRunsBothModesAndReportsTheirFigures() {
    String data = CliRun.root().resolve("data/fashion-mnist-subset").toString();
    CliRun r = CliRun.of("evaluate", "--model", CliRun.root().resolve("models/network-a.omlm").toString(),
        "--data", data, "--limit", "2", "--mode", "2pc", "--json");
    assertEquals(0, r.code(), r.err());
    // The 2PC output must equal the fixed-point reference bit for bit.
    assertEquals(1.0, number(r.out(), "mpc_agreement"), r.out());
    assertTrue(number(r.out(), "mpc_online_bytes") > 0, r.out());
    r = CliRun.of("evaluate", "--model", CliRun.root().resolve("models/he-network.omlm").toString(),
        "--data", data, "--limit", "2", "--mode", "he", "--json");
    assertEquals(0, r.code(), r.err());
    assertEquals(1.0, number(r.out(), "he_agreement"), r.out());
    assertTrue(r.out().contains("\"he_backend\": \""), r.out());
    // A ReLU model cannot run under HE: one clear line, not a stack trace.
    r = CliRun.of("evaluate", "--model", CliRun.root().resolve("models/network-a.omlm").toString(),
        "--data", data, "--limit", "1", "--mode", "he");
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("relu"), r.err());
  }

  @Test
  void errorsAreOneLineAndNonZero() throws Exception {
    Path bad = dir.resolve("bad.omlm");
    Files.writeString(bad, "not a model");
    CliRun r = CliRun.of("evaluate", "--model", bad.toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().trim().lines().count(), r.err());
    assertTrue(r.err().startsWith("error: ") && r.err().contains("truncated"), r.err());
    assertEquals(2, CliRun.of("evaluate").code());
  }

  @Test
  void importConvertsAnNpzExport() throws Exception {
    Path npz = dir.resolve("m.npz");
    TinyNpz.write(npz);
    Path out = dir.resolve("m.omlm");
    CliRun r = CliRun.of("import", "--npz", npz.toString(), "--name", "tiny", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.size(out) > 0);
    assertTrue(r.out().contains("Dense(2 -> 1)"), r.out());
  }

  @Test
  void inspectShowsTheStoredPreprocessingAndTheRawInputBox() throws Exception {
    Path onnx = dir.resolve("mlp.onnx");
    Files.copy(CliRun.root().resolve("oml-core/src/test/resources/onnx/mlp.onnx"), onnx);
    assertEquals(0, CliRun.of("import", onnx.toString()).code());
    CliRun r = CliRun.of("inspect", dir.resolve("mlp.omlm").toString());
    assertEquals(0, r.code(), r.err());
    // (x / 255 - 0.25) / 0.5, as the graph says
    assertTrue(r.out().contains("preprocessing      x * 0.00784313725490196 + -0.5"), r.out());
    assertTrue(r.out().contains("input box          none declared"), r.out());

    CliRun shipped = CliRun.of("inspect", CliRun.root().resolve("models/network-a.omlm").toString(),
        "--json");
    assertEquals(0, shipped.code(), shipped.err());
    assertTrue(shipped.out().contains("\"preprocessing\": \"identity\""), shipped.out());
    assertTrue(shipped.out().contains("\"input_box\": \"[0, 1] for every input\""), shipped.out());

    // a model with a box over its inputs and a /255 scale: the raw side is [0, 255]
    dev.oml.core.model.Model m = dev.oml.core.model.ModelFiles.load(dir.resolve("mlp.omlm"));
    dev.oml.core.model.Model boxed = m.withPreprocessing(dev.oml.core.model.InputTransform.of(
            new double[] {1 / 255.0}, new double[] {0}))
        .withInputBox(dev.oml.core.model.InputBox.uniform(m.inputShape().size(), 0, 1));
    Path p = dir.resolve("boxed.omlm");
    dev.oml.core.model.ModelFiles.save(boxed, p);
    CliRun b = CliRun.of("inspect", p.toString());
    assertEquals(0, b.code(), b.err());
    assertTrue(b.out().contains("raw input box      [0, 255] for every input"), b.out());
    assertEquals(1, CliRun.of("inspect", dir.resolve("absent.omlm").toString()).code());
  }

  /**
   * {@code evaluate} applies the model's preprocessing to the dataset's raw inputs: network A
   * with its first weights doubled and a preprocessing of {@code x * 0.5} computes exactly the
   * same float logits (powers of two are exact), so the float accuracy is the same; the same
   * layers without the preprocessing score differently.
   */
  @Test
  void evaluateAppliesTheStoredPreprocessing() throws Exception {
    dev.oml.core.model.Model a = dev.oml.core.model.ModelFiles.load(
        CliRun.root().resolve("models/network-a.omlm"));
    java.util.List<dev.oml.core.model.Layer> layers = new java.util.ArrayList<>(a.layers());
    dev.oml.core.model.Dense d = (dev.oml.core.model.Dense) layers.get(0);
    double[] w = d.weights();
    for (int i = 0; i < w.length; i++) {
      w[i] *= 2;
    }
    layers.set(0, new dev.oml.core.model.Dense(d.inputs(), d.outputs(), w, d.bias()));
    dev.oml.core.fixedpoint.FixedPointFormat wider = dev.oml.core.fixedpoint.FixedPointFormat.of(
        a.format().ringBits() + 1, a.format().fractionalBits());
    dev.oml.core.model.Model doubled = dev.oml.core.model.Model.of("doubled", a.inputShape(),
        layers, wider, a.activationBits());
    Path pre = dir.resolve("pre.omlm");
    dev.oml.core.model.ModelFiles.save(doubled.withPreprocessing(
        dev.oml.core.model.InputTransform.of(new double[] {0.5}, new double[] {0})), pre);
    Path plain = dir.resolve("plain.omlm");
    dev.oml.core.model.ModelFiles.save(doubled, plain);
    double base = floatAccuracy(CliRun.root().resolve("models/network-a.omlm"));
    assertEquals(base, floatAccuracy(pre), 0.0);
    assertTrue(floatAccuracy(plain) != base, "without its preprocessing the model scores " + base);
  }

  private static double floatAccuracy(Path model) {
    CliRun r = CliRun.of("evaluate", "--model", model.toString(), "--limit", "300", "--json");
    assertEquals(0, r.code(), r.err());
    Matcher m = Pattern.compile("\"float_accuracy\": ([0-9.]+)").matcher(r.out());
    assertTrue(m.find(), r.out());
    return Double.parseDouble(m.group(1));
  }

  @Test
  void importConvertsOnnxFilesAndRefusesACutOneInOneLine() throws Exception {
    Path fixtures = CliRun.root().resolve("oml-core/src/test/resources/onnx");
    Path onnx = dir.resolve("mlp.onnx");
    Files.copy(fixtures.resolve("mlp.onnx"), onnx);
    CliRun r = CliRun.of("import", onnx.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.size(dir.resolve("mlp.omlm")) > 0);
    assertTrue(r.out().contains("Dense(64 -> 16)") && r.out().contains("'mlp'"), r.out());
    assertTrue(r.out().contains("input preprocessing stored with the model: x * 0.00784313"), r.out());
    CliRun labelled = CliRun.of("import", onnx.toString(), "--argmax", "--name", "m2", "--out",
        dir.resolve("m2.omlm").toString());
    assertEquals(0, labelled.code(), labelled.err());
    assertTrue(labelled.out().contains("Argmax"), labelled.out());

    Path mp = dir.resolve("cnn_maxpool.onnx");
    Files.copy(fixtures.resolve("cnn_maxpool.onnx"), mp);
    CliRun pooled = CliRun.of("import", mp.toString());
    assertEquals(0, pooled.code(), pooled.err());
    assertTrue(pooled.out().contains("MaxPool2D"), pooled.out());

    Path cut = dir.resolve("cut.onnx");
    byte[] whole = Files.readAllBytes(onnx);
    Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
    CliRun refused = CliRun.of("import", cut.toString());
    assertEquals(1, refused.code(), refused.err());
    assertEquals(1, refused.err().trim().lines().count(), refused.err());
    assertFalse(Files.exists(dir.resolve("cut.omlm")));
    assertEquals(2, CliRun.of("import", dir.resolve("model.bin").toString()).code());
    assertEquals(2, CliRun.of("import").code());
  }

  private static double number(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": ([0-9.]+)").matcher(json);
    assertTrue(m.find(), key + " missing in " + json);
    return Double.parseDouble(m.group(1));
  }
}
