package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.onnx.OnnxImporter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormatChoiceTest {
  private static final Dense TWO_TO_ONE = new Dense(2, 1, new double[] {0.5, -0.25},
      new double[] {0.125});

  @Test
  void withoutDataTakesF12Bound2To6AndTheNarrowestRingOfAtLeast32Bits() {
    // Known answers from the width rule 2f + ceil(log2 fan-in) + weight bits + a + 2.
    Model small = FormatChoice.withoutData("s", Shape.vector(2), List.of(TWO_TO_ONE));
    assertEquals(FixedPointFormat.of(33, 12), small.format()); // 24 + 1 + 0 + 6 + 2
    assertEquals(6, small.activationBits());
    Model tiny = FormatChoice.withoutData("t", Shape.vector(1),
        List.of(new Dense(1, 1, new double[] {0.5}, new double[] {0})));
    assertEquals(FixedPointFormat.of(32, 12), tiny.format()); // needs 32: 24 + 0 + 0 + 6 + 2
    Model wide = FormatChoice.build("w", Shape.vector(2), List.of(TWO_TO_ONE), 10, 20);
    assertEquals(FixedPointFormat.of(43, 10), wide.format()); // 20 + 1 + 0 + 20 + 2
  }

  @Test
  void aModelNoRingHoldsIsRefused() {
    Model m = Model.of("m", Shape.vector(2), List.of(TWO_TO_ONE), FixedPointFormat.of(60, 12), 30);
    ModelValidationException e = assertThrows(ModelValidationException.class,
        () -> FormatChoice.narrowestRing(m, 16));
    assertEquals("model 'm' needs l >= 65 at f=16; rings hold at most 60 bits", e.getMessage());
    assertThrows(ModelValidationException.class,
        () -> FormatChoice.build("m", Shape.vector(2), List.of(TWO_TO_ONE), 16, 30));
  }

  @Test
  void bothImportersChooseThroughIt() throws Exception {
    Path onnx = Path.of(getClass().getResource("/onnx/cnn_bn.onnx").toURI());
    Model imported = OnnxImporter.load(onnx, "cnn", false).model();
    assertEquals(FormatChoice.withoutData("cnn", imported.inputShape(), imported.layers()),
        imported);
    // An archive without fixed_point and activation_bits, as most exports are.
    Map<String, NpzImporter.NpyArray> arrays = new HashMap<>();
    arrays.put("input_shape", new NpzImporter.NpyArray("input_shape", new int[] {1},
        new double[] {2}));
    arrays.put("layer0.dense.weight", new NpzImporter.NpyArray("layer0.dense.weight",
        new int[] {1, 2}, new double[] {0.5, -0.25}));
    arrays.put("layer0.dense.bias", new NpzImporter.NpyArray("layer0.dense.bias", new int[] {1},
        new double[] {0.125}));
    Model fromNpz = NpzImporter.build(arrays, "s");
    assertEquals(FormatChoice.withoutData("s", Shape.vector(2), List.of(TWO_TO_ONE)), fromNpz);
  }
}
