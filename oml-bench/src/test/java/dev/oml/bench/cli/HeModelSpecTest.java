package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.inference.HePacking;
import dev.oml.service.modes.HePackingPolicy;
import dev.oml.service.modes.HeServedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code serve --he-model FILE:...,packing=P,keys=K}: the packing and the rotation keys reach the
 * served model's plans.
 */
class HeModelSpecTest {
  @Test
  void thePackingIsReadWithTheOtherSettings() {
    HeModelSpec s = HeModelSpec.parse(null, "models/he-network.omlm:kappa=3,packing=auto");
    assertEquals(new HeModelSpec(Path.of("models/he-network.omlm"), 3, 4, 16384,
        HePackingPolicy.AUTO, false), s);
    assertEquals(HePackingPolicy.BATCH, HeModelSpec.parse(null, "a.omlm:packing=batch").packing());
    assertEquals(HePackingPolicy.ROWS, HeModelSpec.parse(null, "a.omlm").packing());
    assertEquals(HePackingPolicy.AUTO, HeModelSpec.parse(null,
        CliRun.root().resolve("models/he-network.omlm") + ":packing=auto").load().packing());
  }

  @Test
  void hoistedKeysReachTheRowsPlanOnly() {
    assertFalse(HeModelSpec.parse(null, "a.omlm").hoistedRotations());
    assertFalse(HeModelSpec.parse(null, "a.omlm:keys=chained").hoistedRotations());
    HeServedModel m = HeModelSpec.parse(null,
        CliRun.root().resolve("models/he-network.omlm") + ":kappa=3,packing=auto,keys=hoisted")
        .load();
    assertTrue(m.hoistedRotations());
    assertTrue(m.options(null, HePacking.ROWS).hoistedRotations());
    assertFalse(m.options(null, HePacking.BATCH).hoistedRotations());
    assertFalse(HeServedModel.of(m.model()).options(null, HePacking.ROWS).hoistedRotations());
  }
}
