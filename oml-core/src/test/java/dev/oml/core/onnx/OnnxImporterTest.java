package dev.oml.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.oml.core.OmlException;
import dev.oml.core.model.Dense;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.reference.FloatInference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small graphs built in the test: the operator variants the fixtures do not cover, each checked
 * against ONNX Runtime, and every refusal, each a typed exception naming what to change.
 */
class OnnxImporterTest {
  @TempDir Path dir;

  private static final Random R = new Random(42);

  /** Imports {@code bytes} and checks it against ONNX Runtime on 10 inputs in [-1, 1). */
  private static OnnxImporter.Imported checkAgainstRuntime(byte[] bytes, long[] dims) throws Exception {
    OnnxImporter.Imported imp = OnnxImporter.read(bytes, "t", false);
    Model m = imp.model();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(bytes, new OrtSession.SessionOptions())) {
      for (int q = 0; q < 10; q++) {
        double[] raw = OnnxFixtures.uniform(R, m.inputShape().size(), -1, 1);
        for (int i = 0; i < raw.length; i++) {
          raw[i] = (float) raw[i];
        }
        double[] expected = OnnxRuntimeOracleTest.runtime(s, dims, raw);
        double[] ours = new FloatInference(m).logits(imp.preprocessing().apply(m.inputShape(), raw));
        double scale = 0;
        for (double v : expected) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertArrayEquals(expected, ours, OnnxRuntimeOracleTest.RELATIVE * scale);
      }
    }
    return imp;
  }

  private static OnnxWriter vectorNet(int in, int out) {
    return new OnnxWriter().input("x", 1, in).output("y", 1, out);
  }

  @Test
  void gemmWithoutTransposeAndWithAlphaBetaAgrees() throws Exception {
    OnnxWriter w = vectorNet(5, 3);
    w.floatInit("B", new long[] {5, 3}, OnnxFixtures.uniform(R, 15, -1, 1));
    w.floatInit("C", new long[] {1, 3}, OnnxFixtures.uniform(R, 3, -1, 1));
    w.node("g", "Gemm", List.of("x", "B", "C"), List.of("y")).f("alpha", 0.5f).f("beta", 2f);
    checkAgainstRuntime(w.toBytes(), new long[] {1, 5});
  }

  @Test
  void matMulWithoutBiasAndBatchNormAfterGemmAgree() throws Exception {
    OnnxWriter w = vectorNet(4, 3);
    w.floatInit("W", new long[] {4, 3}, OnnxFixtures.uniform(R, 12, -1, 1));
    w.floatInit("W2", new long[] {3, 3}, OnnxFixtures.uniform(R, 9, -1, 1));
    w.floatInit("b2", new long[] {3}, OnnxFixtures.uniform(R, 3, -1, 1));
    w.floatInit("g", new long[] {3}, OnnxFixtures.uniform(R, 3, 0.5, 2));
    w.floatInit("be", new long[] {3}, OnnxFixtures.uniform(R, 3, -1, 1));
    w.floatInit("mu", new long[] {3}, OnnxFixtures.uniform(R, 3, -1, 1));
    w.floatInit("var", new long[] {3}, OnnxFixtures.uniform(R, 3, 0.5, 2));
    w.node("mm", "MatMul", List.of("x", "W"), List.of("h"));
    w.node("r", "Relu", List.of("h"), List.of("h2"));
    w.node("fc", "Gemm", List.of("h2", "W2", "b2"), List.of("h3")).i("transB", 1);
    w.node("bn", "BatchNormalization", List.of("h3", "g", "be", "mu", "var"), List.of("y"))
        .f("epsilon", 1e-3f);
    OnnxImporter.Imported imp = checkAgainstRuntime(w.toBytes(), new long[] {1, 4});
    assertEquals(3, imp.model().layers().size()); // BN folded into the Gemm
    assertArrayEquals(new double[3], ((Dense) imp.model().layers().get(0)).bias());
  }

  @Test
  void preprocessingByMulAndConstantMinusInputAgrees() throws Exception {
    OnnxWriter w = new OnnxWriter().input("x", 1, 2, 4, 4).output("y", 1, 3);
    w.floatInit("k", new long[] {2, 1, 1}, new double[] {3, -0.5});
    w.floatInit("c", new long[0], new double[] {1});
    w.floatInit("cw", new long[] {3, 2, 2, 2}, OnnxFixtures.uniform(R, 24, -1, 1));
    w.node("m", "Mul", List.of("k", "x"), List.of("a"));
    w.node("s", "Sub", List.of("c", "a"), List.of("b"));
    w.node("conv", "Conv", List.of("b", "cw"), List.of("cv")).ints("kernel_shape", 2, 2)
        .ints("strides", 2, 2);
    w.node("pool", "AveragePool", List.of("cv"), List.of("p")).ints("kernel_shape", 2, 2);
    w.node("f", "Flatten", List.of("p"), List.of("y"));
    OnnxImporter.Imported imp = checkAgainstRuntime(w.toBytes(), new long[] {1, 2, 4, 4});
    assertArrayEquals(new double[] {-3, 0.5}, imp.preprocessing().scale());
    assertArrayEquals(new double[] {1, 1}, imp.preprocessing().offset());
  }

  @Test
  void theFixturesAreWhatTheGeneratorWrites() throws Exception {
    for (Map.Entry<String, byte[]> e : OnnxFixtures.all().entrySet()) {
      assertArrayEquals(e.getValue(), Files.readAllBytes(OnnxRuntimeOracleTest.fixture(e.getKey())),
          e.getKey() + " differs from OnnxFixtures: regenerate it (see OnnxFixtures)");
    }
  }

  // ---- refusals

  private static <T extends OmlException> T refused(Class<T> type, Consumer<OnnxWriter> graph,
      String... fragments) {
    OnnxWriter w = vectorNet(4, 2);
    w.floatInit("W", new long[] {2, 4}, new double[] {1, 2, 3, 4, 5, 6, 7, 8});
    graph.accept(w);
    T e = assertThrows(type, () -> OnnxImporter.read(w.toBytes(), "t", false));
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
    }
    return e;
  }

  @Test
  void anUnsupportedOperatorIsNamedWithTheSupportedList() {
    UnsupportedOperatorException e = refused(UnsupportedOperatorException.class, w -> {
      w.node("fc", "Gemm", List.of("x", "W"), List.of("h")).i("transB", 1);
      w.node("/softmax/Softmax", "Softmax", List.of("h"), List.of("y"));
    }, "'/softmax/Softmax'", "(Softmax)", "supported: Gemm, MatMul");
    assertEquals("Softmax", e.opType());
    assertEquals("/softmax/Softmax", e.node());
    UnsupportedOperatorException unnamed = refused(UnsupportedOperatorException.class, w ->
        w.node("", "Sigmoid", List.of("x"), List.of("y")), "node #0 (Sigmoid)");
    assertEquals("#0", unnamed.node());
    refused(UnsupportedOperatorException.class, w -> w.domain("com.microsoft")
        .node("fc", "Gemm", List.of("x", "W"), List.of("y")).i("transB", 1), "com.microsoft.Gemm");
  }

  @Test
  void graphsThatAreNotOneChainAreRefused() {
    refused(UnsupportedOperatorException.class, w -> {
      w.node("r", "Relu", List.of("x"), List.of("a"));
      w.node("add", "Add", List.of("a", "a2"), List.of("b"));
      w.node("fc", "Gemm", List.of("b", "W"), List.of("y")).i("transB", 1);
    }, "two activations");
    refused(OnnxFormatException.class, w -> {
      w.node("r", "Relu", List.of("x"), List.of("a"));
      w.node("r2", "Relu", List.of("x"), List.of("b"));
      w.node("fc", "Gemm", List.of("a", "W"), List.of("y")).i("transB", 1);
    }, "feeds 2 nodes");
    refused(OnnxFormatException.class, w -> {
      w.node("fc", "Gemm", List.of("x", "W"), List.of("y")).i("transB", 1);
      w.node("dead", "Relu", List.of("z"), List.of("w"));
    }, "'dead' (Relu) is not on the chain");
    refused(OnnxFormatException.class, w -> w.node("fc", "Gemm", List.of("x", "W"), List.of("h"))
        .i("transB", 1), "exactly one output");
  }

  @Test
  void attributesTheIrCannotExpressAreNamed() {
    Consumer<OnnxWriter> image = w -> { };
    for (String[] c : new String[][] {
        {"group", "grouped or depthwise"}, {"pads", "pads=[1, 0, 1, 0]"},
        {"strides", "strides=[1, 2]"}, {"dilations", "dilations=[2, 2]"}}) {
      OnnxWriter w = new OnnxWriter().input("x", 1, 2, 6, 6).output("y", 1, 2, 6, 6);
      w.floatInit("cw", new long[] {2, 2, 3, 3}, new double[36]);
      OnnxWriter.Node n = w.node("/c/Conv", "Conv", List.of("x", "cw"), List.of("y"));
      switch (c[0]) {
        case "group" -> n.i("group", 2);
        case "pads" -> n.ints("pads", 1, 0, 1, 0);
        case "strides" -> n.ints("strides", 1, 2);
        default -> n.ints("dilations", 2, 2);
      }
      OnnxFormatException e = assertThrows(OnnxFormatException.class,
          () -> OnnxImporter.read(w.toBytes(), "t", false));
      assertTrue(e.getMessage().contains("'/c/Conv' (Conv)") && e.getMessage().contains(c[1]),
          e.getMessage());
    }
    image.accept(null);
    refused(OnnxFormatException.class, w -> w.node("fc", "Gemm", List.of("x", "W"), List.of("y"))
        .i("transA", 1), "transA=1");
    refused(OnnxFormatException.class, w -> w.node("fc", "Gemm", List.of("x", "W"), List.of("y")),
        "(Gemm): B [2, 4] does not take 4 inputs");
    refused(UnsupportedOperatorException.class, w -> {
      w.node("fc", "Gemm", List.of("x", "W"), List.of("h")).i("transB", 1);
      w.floatInit("three", new long[0], new double[] {3});
      w.node("p", "Pow", List.of("h", "three"), List.of("y"));
    }, "only Pow(x, 2)");
    refused(UnsupportedOperatorException.class, w -> {
      w.floatInit("g", new long[] {4}, new double[] {1, 1, 1, 1});
      w.node("r", "Relu", List.of("x"), List.of("a"));
      w.node("bn", "BatchNormalization", List.of("a", "g", "g", "g", "g"), List.of("b"));
      w.node("fc", "Gemm", List.of("b", "W"), List.of("y")).i("transB", 1);
    }, "only right after a Conv or Gemm");
    refused(UnsupportedOperatorException.class, w -> {
      w.floatInit("two", new long[0], new double[] {2});
      w.node("fc", "Gemm", List.of("x", "W"), List.of("h")).i("transB", 1);
      w.node("d", "Div", List.of("h", "two"), List.of("y"));
    }, "only on the input");
    refused(OnnxFormatException.class, w -> {
      w.floatInit("m", new long[] {4, 4}, new double[16]);
      w.node("s", "Sub", List.of("x", "m"), List.of("a"));
      w.node("fc", "Gemm", List.of("a", "W"), List.of("y")).i("transB", 1);
    }, "neither a scalar nor one value per input channel");
    refused(OnnxFormatException.class, w -> {
      w.floatInit("z", new long[0], new double[] {0});
      w.node("d", "Div", List.of("x", "z"), List.of("a"));
      w.node("fc", "Gemm", List.of("a", "W"), List.of("y")).i("transB", 1);
    }, "divides by zero");
    refused(OnnxFormatException.class, w -> {
      w.initializer(OnnxWriter.int64Tensor("shape", new long[] {2}, new long[] {2, 2}));
      w.node("rs", "Reshape", List.of("x", "shape"), List.of("a"));
      w.node("fc", "Gemm", List.of("a", "W"), List.of("y")).i("transB", 1);
    }, "(Reshape) to [2.0, 2.0]", "torch.flatten");
    refused(OnnxFormatException.class, w -> {
      w.initializer(OnnxWriter.int64Tensor("t", new long[0], new long[] {1}));
      w.node("dr", "Dropout", List.of("x", "", "t"), List.of("a"));
      w.node("fc", "Gemm", List.of("a", "W"), List.of("y")).i("transB", 1);
    }, "training mode", "model.eval()");
    refused(OnnxFormatException.class, w -> w.node("fc", "Gemm", List.of("x", "Wmissing"),
        List.of("y")).i("transB", 1), "'Wmissing' must be a constant");
  }

  @Test
  void maxPoolWithOverlappingWindowsAgrees() throws Exception {
    // kernel 3, stride 2 on 2x7x7 (floor mode drops nothing here) and kernel 2, stride 1 after it
    OnnxWriter w = new OnnxWriter().input("x", 1, 2, 7, 7).output("y", 1, 2);
    w.floatInit("W", new long[] {2, 8}, OnnxFixtures.uniform(R, 16, -1, 1));
    w.node("/p1/MaxPool", "MaxPool", List.of("x"), List.of("a")).ints("kernel_shape", 3, 3)
        .ints("strides", 2, 2);
    w.node("/p2/MaxPool", "MaxPool", List.of("a"), List.of("b")).ints("kernel_shape", 2, 2)
        .ints("pads", 0, 0, 0, 0).i("ceil_mode", 0).i("storage_order", 0);
    w.node("f", "Flatten", List.of("b"), List.of("c"));
    w.node("fc", "Gemm", List.of("c", "W"), List.of("y")).i("transB", 1);
    Model m = checkAgainstRuntime(w.toBytes(), new long[] {1, 2, 7, 7}).model();
    assertEquals(new MaxPool2D(3, 2), m.layers().get(0));
    assertEquals(new MaxPool2D(2, 1), m.layers().get(1));
  }

  @Test
  void maxPoolAttributesTheIrCannotExpressAreNamed() {
    String[][] cases = {
        {"kernel", "kernel_shape=[2, 3]"}, {"strides", "strides=[1, 2]"},
        {"pads", "pads=[0, 1, 0, 1]"}, {"dilations", "dilations=[2, 2]"},
        {"ceil_mode", "ceil_mode=1 is not supported"},
        {"storage_order", "storage_order=1 is not supported"},
        {"auto_pad", "auto_pad=SAME_UPPER"}, {"indices", "Indices output"},
        {"no kernel", "needs a 2-D kernel_shape"}, {"too large", "kernel 5 is larger"}};
    for (String[] c : cases) {
      OnnxWriter w = new OnnxWriter().input("x", 1, 1, 4, 4).output("y", 1, 1, 2, 2);
      List<String> outs = c[0].equals("indices") ? List.of("y", "idx") : List.of("y");
      OnnxWriter.Node n = w.node("/pool/MaxPool", "MaxPool", List.of("x"), outs);
      if (!c[0].equals("no kernel")) {
        if (c[0].equals("kernel")) {
          n.ints("kernel_shape", 2, 3);
        } else {
          n.ints("kernel_shape", c[0].equals("too large") ? 5 : 2, c[0].equals("too large") ? 5 : 2);
        }
      }
      switch (c[0]) {
        case "strides" -> n.ints("strides", 1, 2);
        case "pads" -> n.ints("pads", 0, 1, 0, 1);
        case "dilations" -> n.ints("dilations", 2, 2);
        case "ceil_mode" -> n.i("ceil_mode", 1);
        case "storage_order" -> n.i("storage_order", 1);
        case "auto_pad" -> n.s("auto_pad", "SAME_UPPER");
        default -> { }
      }
      OnnxFormatException e = assertThrows(OnnxFormatException.class,
          () -> OnnxImporter.read(w.toBytes(), "t", false), c[0]);
      assertTrue(e.getMessage().contains("'/pool/MaxPool' (MaxPool)")
          && e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
    }
  }

  @Test
  void aGemmOnAnImageAsksForFlatten() {
    OnnxWriter w = new OnnxWriter().input("x", 1, 1, 2, 2).output("y", 1, 2);
    w.floatInit("W", new long[] {2, 4}, new double[8]);
    w.node("fc", "Gemm", List.of("x", "W"), List.of("y")).i("transB", 1);
    OnnxFormatException e = assertThrows(OnnxFormatException.class,
        () -> OnnxImporter.read(w.toBytes(), "t", false));
    assertTrue(e.getMessage().contains("put Flatten before it"), e.getMessage());
  }

  @Test
  void opsetsOutsideTheRangeAndBadBytesAreRefused() throws Exception {
    OnnxWriter w = vectorNet(4, 2).opset(7);
    w.floatInit("W", new long[] {2, 4}, new double[8]);
    w.node("fc", "Gemm", List.of("x", "W"), List.of("y")).i("transB", 1);
    OnnxFormatException e = assertThrows(OnnxFormatException.class,
        () -> OnnxImporter.read(w.toBytes(), "t", false));
    assertTrue(e.getMessage().contains("opset 7; supported are 9 to 21"), e.getMessage());
    byte[] good = w.opset(17).toBytes();
    Model ok = OnnxImporter.read(good, "t", true).model();
    assertTrue(ok.endsWithArgmax());
    for (int cut : new int[] {1, 7, good.length / 2, good.length - 1}) {
      byte[] b = java.util.Arrays.copyOf(good, cut);
      assertThrows(OnnxFormatException.class, () -> OnnxImporter.read(b, "t", false), "cut " + cut);
    }
    Path zip = dir.resolve("model.npz");
    Files.write(zip, new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0});
    assertThrows(OnnxFormatException.class, () -> OnnxImporter.load(zip, "t", false));
    OnnxFormatException missing = assertThrows(OnnxFormatException.class,
        () -> OnnxImporter.load(dir.resolve("none.onnx"), "t", false));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
  }

  @Test
  void oversizedTensorsAreRefusedBeforeAnyAllocation() {
    for (long[] dims : new long[][] {{1L << 40, 1L << 40}, {1L << 20, 1L << 20}, {-1, 4}}) {
      OnnxWriter w = vectorNet(4, 2);
      OnnxWriter.Msg t = new OnnxWriter.Msg();
      for (long d : dims) {
        t.varint(1, d);
      }
      w.initializer(t.varint(2, 1).str(8, "W"));
      w.node("fc", "Gemm", List.of("x", "W"), List.of("y")).i("transB", 1);
      OnnxFormatException e = assertThrows(OnnxFormatException.class,
          () -> OnnxImporter.read(w.toBytes(), "t", false));
      assertTrue(e.getMessage().contains("tensor 'W' has"), e.getMessage());
    }
  }

  @Test
  void externalWeightsAreRefusedWithAHint() {
    OnnxWriter w = vectorNet(4, 2);
    OnnxWriter.Msg t = new OnnxWriter.Msg().varint(1, 2).varint(1, 4).varint(2, 1).str(8, "W")
        .varint(14, 1);
    w.initializer(t);
    w.node("fc", "Gemm", List.of("x", "W"), List.of("y")).i("transB", 1);
    OnnxFormatException e = assertThrows(OnnxFormatException.class,
        () -> OnnxImporter.read(w.toBytes(), "t", false));
    assertTrue(e.getMessage().contains("external file"), e.getMessage());
  }
}
