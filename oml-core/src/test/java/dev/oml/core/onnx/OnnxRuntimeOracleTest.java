package dev.oml.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oracle for the importer: ONNX Runtime runs the committed {@code .onnx} fixtures on the raw
 * inputs, graph preprocessing included, and the imported model's float reference (after the
 * returned {@link dev.oml.core.model.InputTransform}) must agree within 1e-5 relative to the largest logit. The
 * fixed-point reference of the same model is then held to the float answer within its rounding.
 */
class OnnxRuntimeOracleTest {
  static final double RELATIVE = 1e-5;
  /** ONNX Runtime's process-wide environment; each test closes its own sessions. */
  private static final OrtEnvironment env = OrtEnvironment.getEnvironment();

  static Path fixture(String name) throws Exception {
    return Path.of(OnnxRuntimeOracleTest.class.getResource("/onnx/" + name).toURI());
  }

  /** ONNX Runtime's logits for one input of {@code dims} (batch 1). */
  static double[] runtime(OrtSession s, long[] dims, double[] raw) throws Exception {
    float[] f = new float[raw.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) raw[i];
    }
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(f), dims);
        OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), t))) {
      float[][] out = (float[][]) r.get(0).getValue();
      double[] d = new double[out[0].length];
      for (int i = 0; i < d.length; i++) {
        d[i] = out[0][i];
      }
      return d;
    }
  }

  /** Checks {@code n} seeded inputs in [lo, hi); returns the largest fixed-vs-float difference. */
  static double agree(String file, long[] dims, double lo, double hi, int n) throws Exception {
    OnnxImporter.Imported imp = OnnxImporter.load(fixture(file), file, false);
    Model m = imp.model();
    FloatInference fl = new FloatInference(m);
    FixedPointInference fx = new FixedPointInference(QuantizedModel.of(m));
    Random r = new Random(file.hashCode());
    double worstFixed = 0;
    try (OrtSession s = env.createSession(Files.readAllBytes(fixture(file)), new OrtSession.SessionOptions())) {
      for (int q = 0; q < n; q++) {
        double[] raw = OnnxFixtures.uniform(r, m.inputShape().size(), lo, hi);
        for (int i = 0; i < raw.length; i++) {
          raw[i] = (float) raw[i]; // both sides see the same float32 input
        }
        double[] expected = runtime(s, dims, raw);
        double[] x = imp.preprocessing().apply(m.inputShape(), raw);
        double[] ours = fl.logits(x);
        assertEquals(expected.length, ours.length, file);
        double scale = 0;
        for (double v : expected) {
          scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < ours.length; i++) {
          assertTrue(Math.abs(ours[i] - expected[i]) <= RELATIVE * scale,
              file + " query " + q + " logit " + i + ": ours " + ours[i] + ", ONNX Runtime "
                  + expected[i]);
        }
        double[] fixed = fx.logits(x);
        for (int i = 0; i < ours.length; i++) {
          worstFixed = Math.max(worstFixed, Math.abs(fixed[i] - ours[i]));
        }
      }
    }
    return worstFixed;
  }

  @Test
  void mlpWithInputScalingAgreesWithOnnxRuntime() throws Exception {
    double fixed = agree("mlp.onnx", new long[] {1, 1, 8, 8}, 0, 255, 50);
    assertTrue(fixed < 0.01, "fixed point vs float: " + fixed);
    OnnxImporter.Imported imp = OnnxImporter.load(fixture("mlp.onnx"), "mlp", false);
    assertEquals(17, imp.opset());
    // (x / 255 - 0.25) / 0.5 == x * (2 / 255) - 0.5
    assertEquals(2 / 255.0, imp.preprocessing().scale()[0], 1e-15);
    assertEquals(-0.5, imp.preprocessing().offset()[0], 1e-15);
    var layers = imp.model().layers();
    assertEquals(4, layers.size(), layers.toString()); // Flatten, Dense, ReLU, Dense
    assertTrue(layers.get(0) instanceof Flatten && layers.get(1) instanceof Dense
        && layers.get(2) instanceof ReLU && layers.get(3) instanceof Dense, layers.toString());
  }

  /**
   * The model file carries the graph's preprocessing: imported, saved, reloaded and evaluated on
   * raw inputs in [0, 255] through {@link Model#preprocess} (nobody divides by 255 here), the
   * model agrees with ONNX Runtime on the same raw inputs, for a uniform and a per-channel
   * normalization.
   */
  @Test
  void savedModelAppliesItsPreprocessingToRawInputs(@TempDir Path dir) throws Exception {
    for (String file : new String[] {"mlp.onnx", "cnn_bn.onnx"}) {
      OnnxImporter.Imported imp = OnnxImporter.load(fixture(file), "m", false);
      Path saved = dir.resolve(file + ".omlm");
      ModelFiles.save(imp.model().withPreprocessing(imp.preprocessing()), saved);
      Model m = ModelFiles.load(saved);
      assertEquals(imp.preprocessing(), m.preprocessing().orElseThrow(), file);
      FloatInference fl = new FloatInference(m);
      Shape in = m.inputShape();
      long[] dims = {1, in.channels(), in.height(), in.width()};
      Random r = new Random(5);
      try (OrtSession s = env.createSession(Files.readAllBytes(fixture(file)),
          new OrtSession.SessionOptions())) {
        for (int q = 0; q < 20; q++) {
          double[] raw = new double[in.size()];
          for (int i = 0; i < raw.length; i++) {
            raw[i] = r.nextInt(256); // raw pixels, exactly representable in float32
          }
          double[] expected = runtime(s, dims, raw);
          double[] ours = fl.logits(m.preprocess(raw));
          double scale = 0;
          for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
          }
          for (int i = 0; i < ours.length; i++) {
            assertTrue(Math.abs(ours[i] - expected[i]) <= RELATIVE * scale, file + " query " + q
                + " logit " + i + ": ours " + ours[i] + ", ONNX Runtime " + expected[i]);
          }
        }
      }
    }
  }

  @Test
  void cnnWithFoldedBatchNormAgreesWithOnnxRuntime() throws Exception {
    double fixed = agree("cnn_bn.onnx", new long[] {1, 3, 8, 8}, 0, 255, 50);
    assertTrue(fixed < 0.01, "fixed point vs float: " + fixed);
    Model m = OnnxImporter.load(fixture("cnn_bn.onnx"), "cnn", false).model();
    var layers = m.layers();
    // Conv(+BN), ReLU, AvgPool, Conv(+BN), ReLU, GlobalAveragePool, Flatten (Reshape), Dense
    assertEquals(8, layers.size(), layers.toString());
    assertTrue(layers.get(0) instanceof Conv2D c && c.padding() == 1 && c.stride() == 1);
    assertTrue(layers.get(3) instanceof Conv2D c && c.padding() == 1 && c.stride() == 2);
    assertEquals(new AvgPool2D(2, 2), layers.get(2));
    assertEquals(new AvgPool2D(2, 1), layers.get(5));
    assertTrue(layers.get(6) instanceof Flatten);
  }

  @Test
  void squareNetAgreesWithOnnxRuntime() throws Exception {
    double fixed = agree("square.onnx", new long[] {1, 10}, -1, 1, 50);
    assertTrue(fixed < 0.01, "fixed point vs float: " + fixed);
    var layers = OnnxImporter.load(fixture("square.onnx"), "sq", false).model().layers();
    assertEquals(5, layers.size(), layers.toString());
    assertTrue(layers.get(1) instanceof Square && layers.get(3) instanceof Square);
    assertTrue(OnnxImporter.load(fixture("square.onnx"), "sq", false).preprocessing().isIdentity());
  }

  @Test
  void cnnWithMaxPoolAgreesWithOnnxRuntime() throws Exception {
    double fixed = agree("cnn_maxpool.onnx", new long[] {1, 1, 8, 8}, -1, 1, 50);
    assertTrue(fixed < 0.01, "fixed point vs float: " + fixed);
    var layers = OnnxImporter.load(fixture("cnn_maxpool.onnx"), "mp", false).model().layers();
    // Conv(+BN), ReLU, MaxPool, Flatten, Dense
    assertEquals(5, layers.size(), layers.toString());
    assertTrue(layers.get(0) instanceof Conv2D && layers.get(1) instanceof ReLU);
    assertEquals(new MaxPool2D(2, 2), layers.get(2));
    assertTrue(layers.get(3) instanceof Flatten && layers.get(4) instanceof Dense);
  }
}
