package dev.oml.service.modes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.oml.core.model.InputBox;
import dev.oml.core.model.InputTransform;
import dev.oml.core.model.Model;
import dev.oml.core.omlize.ModelId;
import dev.oml.he.HeBackends;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HePlanOptions;
import dev.oml.mpc.testkit.TinyModels;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The owner's calibration inputs are raw inputs, as clients feed them: a served model that
 * declares preprocessing puts them through it before they reach the noise estimate, so the plan
 * is the one compiled from the model inputs themselves. INSECURE N = 1024 rings keep it fast.
 */
class HeServedModelTest {
  private static final ModelId ID = ModelId.of(new byte[32]);

  @Test
  void calibrationInputsArePreprocessedLikeAClientsQuery() {
    // Raw inputs are bytes in [0, 255]; the model takes them scaled into [0, 1].
    Model model = TinyModels.squareNet(TinyModels.SMALL)
        .withInputBox(InputBox.uniform(4, 0, 1))
        .withPreprocessing(InputTransform.of(fill(1 / 255.0), fill(0)));
    Random rnd = new Random(7);
    double[][] raw = new double[40][4];
    double[][] modelInputs = new double[raw.length][];
    for (int i = 0; i < raw.length; i++) {
      for (int j = 0; j < 4; j++) {
        raw[i][j] = rnd.nextInt(256);
      }
      modelInputs[i] = Arrays.stream(raw[i]).map(v -> v / 255.0).toArray();
    }
    HeServedModel served = HeServedModel.of(model).withKappa(4).insecureRingForTesting(1024);

    double viaService = compile(model, served.options(raw)).plan().evaluationEstimate();
    double fromModelInputs = compile(model, HePlanOptions.builder().kappa(4)
        .answerPrecisionBits(served.precisionBits()).insecureRingForTesting(1024)
        .calibration(modelInputs).build()).plan().evaluationEstimate();
    double fromRawInputs = compile(model, HePlanOptions.builder().kappa(4)
        .answerPrecisionBits(served.precisionBits()).insecureRingForTesting(1024)
        .calibration(raw).build()).plan().evaluationEstimate();

    assertEquals(fromModelInputs, viaService);
    // The oracle tells the two apart: raw bytes are 255 times the model's inputs.
    assertNotEquals(fromRawInputs, fromModelInputs);
  }

  /** A vector input has a channel per feature. */
  private static double[] fill(double v) {
    double[] a = new double[4];
    Arrays.fill(a, v);
    return a;
  }

  private static HeCompiledModel compile(Model model, HePlanOptions options) {
    return HeCompiledModel.compile(model, ID, HeBackends.pureJava(), options);
  }
}
