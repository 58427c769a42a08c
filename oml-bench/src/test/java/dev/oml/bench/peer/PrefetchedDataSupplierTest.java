package dev.oml.bench.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dk.alexandra.fresco.framework.builder.numeric.field.MersennePrimeFieldDefinition;
import dk.alexandra.fresco.suite.spdz.storage.SpdzDummyDataSupplier;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Counts the material a run consumes and serves exactly that much from the prefetched store. */
class PrefetchedDataSupplierTest {
  private static PrefetchedDataSupplier supplier() {
    MersennePrimeFieldDefinition field = MersennePrimeFieldDefinition.find(128);
    return new PrefetchedDataSupplier(
        new SpdzDummyDataSupplier(1, 2, field, BigInteger.valueOf(12345)));
  }

  @Test
  void countsWhatWasConsumed() {
    PrefetchedDataSupplier s = supplier();
    s.getNextTriple();
    s.getNextTriple();
    s.getNextBit();
    s.getNextInputMask(2);
    s.getNextInputMask(2);
    s.getNextInputMask(1);
    PrefetchedDataSupplier.Demand d = s.takeDemand();
    assertEquals(new PrefetchedDataSupplier.Demand(2, 1, 0, 0, Map.of(1, 1L, 2, 2L)), d);
    assertEquals(new PrefetchedDataSupplier.Demand(0, 0, 0, 0, Map.of()), s.takeDemand());
  }

  @Test
  void servesThePrefetchedMaterialAndThenNothingIsLeft() {
    PrefetchedDataSupplier s = supplier();
    PrefetchedDataSupplier.Demand d = new PrefetchedDataSupplier.Demand(3, 2, 1, 0, Map.of(2, 2L));
    s.prefetch(d);
    assertTrue(s.hasLeftover());
    s.takeDemand();
    for (int i = 0; i < 3; i++) {
      s.getNextTriple();
    }
    s.getNextBit();
    s.getNextBit();
    s.getNextRandomFieldElement();
    s.getNextInputMask(2);
    s.getNextInputMask(2);
    assertFalse(s.hasLeftover());
    assertEquals(d, s.takeDemand());
  }
}
