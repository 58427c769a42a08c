package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.service.modes.HePackingPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code serve --he-model FILE:...,packing=P}: the packing reaches the served model's plan. */
class HeModelSpecTest {
  @Test
  void thePackingIsReadWithTheOtherSettings() {
    HeModelSpec s = HeModelSpec.parse(null, "models/he-network.omlm:kappa=3,packing=auto");
    assertEquals(new HeModelSpec(Path.of("models/he-network.omlm"), 3, 4, 16384,
        HePackingPolicy.AUTO), s);
    assertEquals(HePackingPolicy.BATCH, HeModelSpec.parse(null, "a.omlm:packing=batch").packing());
    assertEquals(HePackingPolicy.ROWS, HeModelSpec.parse(null, "a.omlm").packing());
    assertEquals(HePackingPolicy.AUTO, HeModelSpec.parse(null,
        CliRun.root().resolve("models/he-network.omlm") + ":packing=auto").load().packing());
  }
}
