package dev.oml.core.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Builds the committed ONNX fixtures of {@code src/test/resources/onnx/} from seeded weights.
 * There is no PyTorch on the build machines, so the files are not exported by
 * {@code torch.onnx.export}; they are written node for node the way it writes the same modules
 * in eval mode (opset 17): {@code nn.Linear} as {@code Gemm} with {@code transB=1},
 * {@code nn.Conv2d} with explicit {@code pads} and {@code strides}, {@code nn.BatchNorm2d} as a
 * separate {@code BatchNormalization} node (as with {@code do_constant_folding=False}),
 * {@code nn.Flatten} as {@code Flatten}, {@code x.view(-1, n)} as {@code Reshape} with a
 * {@code Constant} shape, {@code nn.Dropout} as {@code Dropout}, {@code x * x} as {@code Mul},
 * {@code x ** 2} as {@code Pow}, and input normalization as {@code Div}/{@code Sub} by constants.
 *
 * <p>Regenerate (from the repository root) with {@code mvn -B -o -q test-compile -pl oml-core -am}
 * and then {@code java -cp "oml-core/target/test-classes:$(ls
 * ~/.m2/repository/com/google/protobuf/protobuf-java/4.32.1/*.jar)"
 * dev.oml.core.onnx.OnnxFixtures oml-core/src/test/resources/onnx}. {@code OnnxFixturesTest}
 * checks the committed files are exactly what this class writes.
 */
public final class OnnxFixtures {
  private OnnxFixtures() {}

  /** Every fixture by file name. */
  static Map<String, byte[]> all() {
    Map<String, byte[]> m = new TreeMap<>();
    m.put("mlp.onnx", mlp());
    m.put("cnn_bn.onnx", cnnBatchNorm());
    m.put("cnn_maxpool.onnx", cnnMaxPool());
    m.put("square.onnx", squareNet());
    return m;
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "oml-core/src/test/resources/onnx");
    Files.createDirectories(dir);
    for (Map.Entry<String, byte[]> e : all().entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
      System.out.println("wrote " + dir.resolve(e.getKey()) + " (" + e.getValue().length + " bytes)");
    }
  }

  /** PyTorch's default init scale for a layer of fan-in {@code fanIn}, from a seeded stream. */
  static double[] weights(Random r, int n, int fanIn) {
    double bound = 1 / Math.sqrt(fanIn);
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = (r.nextDouble() * 2 - 1) * bound;
    }
    return w;
  }

  static double[] uniform(Random r, int n, double lo, double hi) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + r.nextDouble() * (hi - lo);
    }
    return v;
  }

  /**
   * An MLP on 1x8x8 images in [0, 255]: {@code x / 255}, {@code (x - 0.25) / 0.5}, Flatten,
   * Linear(64, 16), ReLU, Dropout, Linear(16, 10), Identity.
   */
  static byte[] mlp() {
    Random r = new Random(15_001);
    OnnxWriter w = new OnnxWriter().input("input", 1, 1, 8, 8).output("logits", 1, 10);
    w.floatInit("fc1.weight", new long[] {16, 64}, weights(r, 16 * 64, 64));
    w.floatInit("fc1.bias", new long[] {16}, weights(r, 16, 64));
    w.floatInit("fc2.weight", new long[] {10, 16}, weights(r, 10 * 16, 16));
    w.floatInit("fc2.bias", new long[] {10}, weights(r, 10, 16));
    w.node("/Constant", "Constant", List.of(), List.of("/Constant_output_0"))
        .t("value", OnnxWriter.floatTensor("", new long[0], new double[] {255}));
    w.node("/Div", "Div", List.of("input", "/Constant_output_0"), List.of("/Div_output_0"));
    w.node("/Constant_1", "Constant", List.of(), List.of("/Constant_1_output_0"))
        .t("value", OnnxWriter.floatTensor("", new long[0], new double[] {0.25}));
    w.node("/Sub", "Sub", List.of("/Div_output_0", "/Constant_1_output_0"), List.of("/Sub_output_0"));
    w.node("/Constant_2", "Constant", List.of(), List.of("/Constant_2_output_0"))
        .t("value", OnnxWriter.floatTensor("", new long[0], new double[] {0.5}));
    w.node("/Div_1", "Div", List.of("/Sub_output_0", "/Constant_2_output_0"), List.of("/Div_1_output_0"));
    w.node("/flatten/Flatten", "Flatten", List.of("/Div_1_output_0"), List.of("/flatten/Flatten_output_0"))
        .i("axis", 1);
    w.node("/fc1/Gemm", "Gemm", List.of("/flatten/Flatten_output_0", "fc1.weight", "fc1.bias"),
        List.of("/fc1/Gemm_output_0")).f("alpha", 1f).f("beta", 1f).i("transB", 1);
    w.node("/relu/Relu", "Relu", List.of("/fc1/Gemm_output_0"), List.of("/relu/Relu_output_0"));
    w.node("/drop/Dropout", "Dropout", List.of("/relu/Relu_output_0"), List.of("/drop/Dropout_output_0"));
    w.node("/fc2/Gemm", "Gemm", List.of("/drop/Dropout_output_0", "fc2.weight", "fc2.bias"),
        List.of("/fc2/Gemm_output_0")).f("alpha", 1f).f("beta", 1f).i("transB", 1);
    w.node("/Identity", "Identity", List.of("/fc2/Gemm_output_0"), List.of("logits"));
    return w.toBytes();
  }

  private static void batchNorm(OnnxWriter w, Random r, String name, int ch) {
    w.floatInit(name + ".weight", new long[] {ch}, uniform(r, ch, 0.5, 1.5));
    w.floatInit(name + ".bias", new long[] {ch}, uniform(r, ch, -0.2, 0.2));
    w.floatInit(name + ".running_mean", new long[] {ch}, uniform(r, ch, -0.3, 0.3));
    w.floatInit(name + ".running_var", new long[] {ch}, uniform(r, ch, 0.5, 2.0));
  }

  private static List<String> bnInputs(String x, String name) {
    return List.of(x, name + ".weight", name + ".bias", name + ".running_mean", name + ".running_var");
  }

  /**
   * A CNN on 3x8x8 images in [0, 255] normalized per channel ({@code Div} by 255, {@code Sub}
   * and {@code Div} by (1, 3, 1, 1) constants): Conv(3, 4, 3, padding 1), BatchNorm2d, ReLU,
   * AvgPool2d(2), Conv(4, 6, 3, stride 2, padding 1), BatchNorm2d, ReLU, AdaptiveAvgPool2d(1)
   * (GlobalAveragePool), view(-1, 6) (Reshape), Linear(6, 5).
   */
  static byte[] cnnBatchNorm() {
    Random r = new Random(15_002);
    OnnxWriter w = new OnnxWriter().input("input", 1, 3, 8, 8).output("logits", 1, 5);
    w.floatInit("conv1.weight", new long[] {4, 3, 3, 3}, weights(r, 4 * 27, 27));
    w.floatInit("conv1.bias", new long[] {4}, weights(r, 4, 27));
    batchNorm(w, r, "bn1", 4);
    w.floatInit("conv2.weight", new long[] {6, 4, 3, 3}, weights(r, 6 * 36, 36));
    w.floatInit("conv2.bias", new long[] {6}, weights(r, 6, 36));
    batchNorm(w, r, "bn2", 6);
    w.floatInit("fc.weight", new long[] {5, 6}, weights(r, 30, 6));
    w.floatInit("fc.bias", new long[] {5}, weights(r, 5, 6));
    w.floatInit("mean", new long[] {1, 3, 1, 1}, new double[] {0.485, 0.456, 0.406});
    w.floatInit("std", new long[] {1, 3, 1, 1}, new double[] {0.229, 0.224, 0.225});
    w.node("/Constant", "Constant", List.of(), List.of("/Constant_output_0"))
        .t("value", OnnxWriter.floatTensor("", new long[0], new double[] {255}));
    w.node("/Div", "Div", List.of("input", "/Constant_output_0"), List.of("/Div_output_0"));
    w.node("/Sub", "Sub", List.of("/Div_output_0", "mean"), List.of("/Sub_output_0"));
    w.node("/Div_1", "Div", List.of("/Sub_output_0", "std"), List.of("/Div_1_output_0"));
    w.node("/conv1/Conv", "Conv", List.of("/Div_1_output_0", "conv1.weight", "conv1.bias"),
        List.of("/conv1/Conv_output_0")).ints("dilations", 1, 1).i("group", 1)
        .ints("kernel_shape", 3, 3).ints("pads", 1, 1, 1, 1).ints("strides", 1, 1);
    w.node("/bn1/BatchNormalization", "BatchNormalization", bnInputs("/conv1/Conv_output_0", "bn1"),
        List.of("/bn1/BatchNormalization_output_0")).f("epsilon", 1e-5f).f("momentum", 0.9f)
        .i("training_mode", 0);
    w.node("/relu1/Relu", "Relu", List.of("/bn1/BatchNormalization_output_0"), List.of("/relu1/Relu_output_0"));
    w.node("/pool/AveragePool", "AveragePool", List.of("/relu1/Relu_output_0"),
        List.of("/pool/AveragePool_output_0")).i("ceil_mode", 0).i("count_include_pad", 1)
        .ints("kernel_shape", 2, 2).ints("pads", 0, 0, 0, 0).ints("strides", 2, 2);
    w.node("/conv2/Conv", "Conv", List.of("/pool/AveragePool_output_0", "conv2.weight", "conv2.bias"),
        List.of("/conv2/Conv_output_0")).ints("dilations", 1, 1).i("group", 1)
        .ints("kernel_shape", 3, 3).ints("pads", 1, 1, 1, 1).ints("strides", 2, 2);
    w.node("/bn2/BatchNormalization", "BatchNormalization", bnInputs("/conv2/Conv_output_0", "bn2"),
        List.of("/bn2/BatchNormalization_output_0")).f("epsilon", 1e-5f).f("momentum", 0.9f)
        .i("training_mode", 0);
    w.node("/relu2/Relu", "Relu", List.of("/bn2/BatchNormalization_output_0"), List.of("/relu2/Relu_output_0"));
    w.node("/gap/GlobalAveragePool", "GlobalAveragePool", List.of("/relu2/Relu_output_0"),
        List.of("/gap/GlobalAveragePool_output_0"));
    w.node("/Constant_1", "Constant", List.of(), List.of("/Constant_1_output_0"))
        .t("value", OnnxWriter.int64Tensor("", new long[] {2}, new long[] {-1, 6}));
    w.node("/Reshape", "Reshape", List.of("/gap/GlobalAveragePool_output_0", "/Constant_1_output_0"),
        List.of("/Reshape_output_0")).i("allowzero", 0);
    w.node("/fc/Gemm", "Gemm", List.of("/Reshape_output_0", "fc.weight", "fc.bias"), List.of("logits"))
        .f("alpha", 1f).f("beta", 1f).i("transB", 1);
    return w.toBytes();
  }

  /**
   * A CNN with max pooling on 1x8x8 images: Conv(1, 4, 3, padding 1), BatchNorm2d, ReLU,
   * MaxPool2d(2), Flatten, Linear(64, 3). ONNX Runtime is the oracle of its import; the tier-2
   * protocol runs the imported model too.
   */
  static byte[] cnnMaxPool() {
    Random r = new Random(15_003);
    OnnxWriter w = new OnnxWriter().input("input", 1, 1, 8, 8).output("logits", 1, 3);
    w.floatInit("conv.weight", new long[] {4, 1, 3, 3}, weights(r, 36, 9));
    w.floatInit("conv.bias", new long[] {4}, weights(r, 4, 9));
    batchNorm(w, r, "bn", 4);
    w.floatInit("fc.weight", new long[] {3, 64}, weights(r, 192, 64));
    w.floatInit("fc.bias", new long[] {3}, weights(r, 3, 64));
    w.node("/conv/Conv", "Conv", List.of("input", "conv.weight", "conv.bias"), List.of("/conv/Conv_output_0"))
        .ints("dilations", 1, 1).i("group", 1).ints("kernel_shape", 3, 3).ints("pads", 1, 1, 1, 1)
        .ints("strides", 1, 1);
    w.node("/bn/BatchNormalization", "BatchNormalization", bnInputs("/conv/Conv_output_0", "bn"),
        List.of("/bn/BatchNormalization_output_0")).f("epsilon", 1e-5f).f("momentum", 0.9f)
        .i("training_mode", 0);
    w.node("/relu/Relu", "Relu", List.of("/bn/BatchNormalization_output_0"), List.of("/relu/Relu_output_0"));
    w.node("/pool/MaxPool", "MaxPool", List.of("/relu/Relu_output_0"), List.of("/pool/MaxPool_output_0"))
        .i("ceil_mode", 0).ints("dilations", 1, 1).ints("kernel_shape", 2, 2).ints("pads", 0, 0, 0, 0)
        .ints("strides", 2, 2);
    w.node("/flatten/Flatten", "Flatten", List.of("/pool/MaxPool_output_0"), List.of("/flatten/Flatten_output_0"))
        .i("axis", 1);
    w.node("/fc/Gemm", "Gemm", List.of("/flatten/Flatten_output_0", "fc.weight", "fc.bias"), List.of("logits"))
        .f("alpha", 1f).f("beta", 1f).i("transB", 1);
    return w.toBytes();
  }

  /**
   * A square-activation net on 10 features in [-1, 1]: {@code x @ W + b} (MatMul and Add, as
   * {@code torch.matmul} exports), {@code x * x}, Linear(8, 6), {@code x ** 2}, Linear(6, 3).
   */
  static byte[] squareNet() {
    Random r = new Random(15_004);
    OnnxWriter w = new OnnxWriter().input("input", 1, 10).output("logits", 1, 3);
    w.floatInit("w1", new long[] {10, 8}, weights(r, 80, 10));
    w.floatInit("b1", new long[] {8}, weights(r, 8, 10));
    w.floatInit("fc2.weight", new long[] {6, 8}, weights(r, 48, 8));
    w.floatInit("fc2.bias", new long[] {6}, weights(r, 6, 8));
    w.floatInit("fc3.weight", new long[] {3, 6}, weights(r, 18, 6));
    w.floatInit("fc3.bias", new long[] {3}, weights(r, 3, 6));
    w.node("/MatMul", "MatMul", List.of("input", "w1"), List.of("/MatMul_output_0"));
    w.node("/Add", "Add", List.of("/MatMul_output_0", "b1"), List.of("/Add_output_0"));
    w.node("/Mul", "Mul", List.of("/Add_output_0", "/Add_output_0"), List.of("/Mul_output_0"));
    w.node("/fc2/Gemm", "Gemm", List.of("/Mul_output_0", "fc2.weight", "fc2.bias"), List.of("/fc2/Gemm_output_0"))
        .f("alpha", 1f).f("beta", 1f).i("transB", 1);
    w.node("/Constant", "Constant", List.of(), List.of("/Constant_output_0"))
        .t("value", OnnxWriter.floatTensor("", new long[0], new double[] {2}));
    w.node("/Pow", "Pow", List.of("/fc2/Gemm_output_0", "/Constant_output_0"), List.of("/Pow_output_0"));
    w.node("/fc3/Gemm", "Gemm", List.of("/Pow_output_0", "fc3.weight", "fc3.bias"), List.of("logits"))
        .f("alpha", 1f).f("beta", 1f).i("transB", 1);
    return w.toBytes();
  }
}
