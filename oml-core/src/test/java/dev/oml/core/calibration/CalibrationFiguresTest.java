package dev.oml.core.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import dev.oml.core.data.Dataset;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The figures docs/calibration.md quotes for the bundled models, on all 1,000 images of the
 * shipped subset: run with {@code mvn -B -q -pl oml-core -am test -Pslow
 * -Dtest=CalibrationFiguresTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("slow")
class CalibrationFiguresTest {
  private static CalibrationReport calibrate(String name) throws Exception {
    Model m = ModelFiles.load(TestPaths.model(name));
    Dataset d = Calibration.readData(TestPaths.subset(), 1000);
    return Calibration.calibrate(m, d, UnaryOperator.identity());
  }

  @Test
  void networkA() throws Exception {
    CalibrationReport r = calibrate("network-a");
    assertEquals(FixedPointFormat.of(44, 12), r.format());
    assertEquals(7, r.activationBits());
    assertEquals(4, r.peakLayer());
    assertEquals(52.14, r.peakValue(), 0.005);
    assertEquals(887, r.floatCorrect());
    assertEquals(1000, r.ring().agreeing());
    assertEquals(1000, r.field().agreeing());
    assertEquals(887, r.field().correct());
    assertEquals(0.0178, r.field().maxLogitError(), 0.00005);
    assertTrue(r.warnings().isEmpty());
  }

  @Test
  void heNetwork() throws Exception {
    CalibrationReport r = calibrate("he-network");
    assertEquals(FixedPointFormat.of(48, 12), r.format());
    assertEquals(11, r.activationBits());
    assertEquals(3, r.peakLayer());
    assertEquals(638.4, r.peakValue(), 0.05);
    assertEquals(880, r.floatCorrect());
    assertEquals(999, r.ring().agreeing());
    assertEquals(881, r.ring().correct());
    assertEquals(0.386, r.ring().maxLogitError(), 0.0005);
    assertNull(r.field());
    assertTrue(r.warnings().isEmpty());
  }
}
