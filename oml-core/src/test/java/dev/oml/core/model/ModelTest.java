package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.testkit.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTest {
  private static final FixedPointFormat FMT = FixedPointFormat.of(40, 12);

  @Test
  void shapeErrorsNameTheLayer() {
    ModelValidationException e = assertThrows(ModelValidationException.class, () -> Model.of("m",
        Shape.vector(4), List.of(new Dense(4, 3, new double[12], new double[3]), new ReLU(),
            new Dense(5, 2, new double[10], new double[2])), FMT, 4));
    assertTrue(e.getMessage().startsWith("layer 2 (dense)"), e.getMessage());
  }

  @Test
  void argmaxMustComeLast() {
    ModelValidationException e = assertThrows(ModelValidationException.class, () -> Model.of("m",
        Shape.vector(4), List.of(new Argmax(), new Dense(1, 1, new double[1], new double[1])), FMT, 4));
    assertTrue(e.getMessage().contains("layer 0 (argmax)"), e.getMessage());
  }

  @Test
  void refusesAFormatTooNarrowForTheModel() {
    Model wide = TestModels.mlp(1, 784, 16, 10);
    int need = wide.requiredRingBits(12);
    // 2f + ceil(log2 784) + activation bits + 2 (weights are below 1 here)
    assertEquals(24 + 10 + 5 + 2, need);
    ModelValidationException e = assertThrows(ModelValidationException.class,
        () -> wide.withFormat(FixedPointFormat.of(need - 1, 12)));
    assertTrue(e.getMessage().contains("too narrow"), e.getMessage());
    assertEquals(need, wide.withFormat(FixedPointFormat.of(need, 12)).format().ringBits());
  }

  @Test
  void convolutionShapesFollowStrideAndPadding() {
    Conv2D c = new Conv2D(1, 5, 5, 2, 1, new double[125], new double[5]);
    assertEquals(new Shape(5, 13, 13), c.outputShape(new Shape(1, 28, 28)));
    assertEquals(new Shape(5, 3, 3), new AvgPool2D(3, 3).outputShape(new Shape(5, 9, 10)));
    assertThrows(ModelValidationException.class, () -> c.outputShape(new Shape(2, 28, 28)));
  }

  @Test
  void maxPoolShapesWindowsAndErrors() {
    MaxPool2D p = new MaxPool2D(3, 2);
    // floor mode: (7 - 3) / 2 + 1 = 3 rows, (8 - 3) / 2 + 1 = 3 columns; the last column is dropped
    assertEquals(new Shape(2, 3, 3), p.outputShape(new Shape(2, 7, 8)));
    int[] w = p.windows(new Shape(2, 7, 8));
    assertEquals(2 * 3 * 3 * 9, w.length);
    // output (channel 1, row 2, column 1) starts at input (1, 4, 2); offset (2, 1) is (1, 6, 3)
    int o = (1 * 3 + 2) * 3 + 1;
    assertEquals((1 * 7 + 4) * 8 + 2, w[o * 9]);
    assertEquals((1 * 7 + 6) * 8 + 3, w[o * 9 + 2 * 3 + 1]);
    assertThrows(ModelValidationException.class, () -> new MaxPool2D(0, 1));
    assertThrows(ModelValidationException.class, () -> new MaxPool2D(2, -1));
    ModelValidationException e = assertThrows(ModelValidationException.class, () -> Model.of("m",
        new Shape(1, 4, 4), List.of(new MaxPool2D(2, 2), new MaxPool2D(3, 1), new Flatten(),
            new Dense(1, 1, new double[1], new double[1])), FMT, 4));
    assertTrue(e.getMessage().startsWith("layer 1 (maxpool2d): maxpool2d kernel 3 is larger"),
        e.getMessage());
    assertEquals("maxpool2d", p.kind());
    assertFalse(p.isLinear());
  }

  @Test
  void layersRefuseBadParameters() {
    assertThrows(ModelValidationException.class, () -> new Dense(2, 2, new double[3], new double[2]));
    assertThrows(ModelValidationException.class,
        () -> new Dense(1, 1, new double[] {Double.POSITIVE_INFINITY}, new double[1]));
    assertThrows(ModelValidationException.class, () -> new Polynomial(new double[] {1}));
    assertThrows(ModelValidationException.class, () -> new Conv2D(1, 1, 3, 1, 3, new double[9], new double[1]));
  }

  @Test
  void parametersAreCopiedInAndOut() {
    double[] w = {1, 2, 3, 4};
    Dense d = new Dense(2, 2, w, new double[2]);
    w[0] = 99;
    d.weights()[1] = 99;
    assertEquals(1, d.weight(0, 0));
    assertEquals(2, d.weight(0, 1));
  }

  @Test
  void preprocessingMapsRawInputsAndTheBoxBackToTheRawSide() {
    Model m = TestModels.mlp(1, 2, 3, 2)
        .withPreprocessing(InputTransform.of(new double[] {1 / 255.0, -2}, new double[] {0, 1}))
        .withInputBox(InputBox.uniform(2, 0.0, 1.0));
    double[] x = m.preprocess(new double[] {255, 0.25});
    assertEquals(1.0, x[0], 1e-15);
    assertEquals(0.5, x[1], 1e-15);
    InputBox raw = m.rawInputBox().orElseThrow();
    assertEquals(0.0, raw.lower(0), 1e-12);
    assertEquals(255.0, raw.upper(0), 1e-9);
    // a negative scale swaps the ends: y = 1 - 2x in [0, 1] means x in [0, 0.5]
    assertEquals(0.0, raw.lower(1), 1e-15);
    assertEquals(0.5, raw.upper(1), 1e-15);
    assertThrows(ModelValidationException.class, () -> m.withPreprocessing(
        InputTransform.identity(3)));
    assertThrows(IllegalArgumentException.class, () -> m.preprocess(new double[3]));
    Model none = TestModels.mlp(1, 2, 3, 2);
    double[] in = {3, 4};
    assertArrayEquals(in, none.preprocess(in));
  }
}
