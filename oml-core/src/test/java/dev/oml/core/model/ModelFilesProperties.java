package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.testkit.TestModels;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever happens to the bytes of a valid model file, loading gives either the identical model
 * or a {@link ModelFormatException}: never another exception, never a different model.
 */
class ModelFilesProperties {
  private static final Model MODEL = TestModels.everyLayer(3);
  private static final byte[] BYTES = ModelFiles.toBytes(MODEL);

  @Property(tries = 400)
  void randomByteMutationsGiveTypedErrorOrIdenticalModel(
      @ForAll @IntRange(min = 0, max = 1 << 30) int position, @ForAll byte value,
      @ForAll @IntRange(min = 1, max = 4) int count) {
    byte[] b = BYTES.clone();
    for (int i = 0; i < count; i++) {
      int p = (int) ((position + (long) i * 7919) % b.length);
      b[p] = (byte) (b[p] ^ (value == 0 ? 1 : value));
    }
    assertLoadsIdenticallyOrFailsTyped(b);
  }

  @Property(tries = 300)
  void truncationsAndExtensionsGiveTypedErrors(@ForAll @IntRange(min = 0, max = 1 << 30) int cut,
      @ForAll @IntRange(min = 0, max = 64) int extra) {
    int len = cut % BYTES.length;
    byte[] truncated = Arrays.copyOf(BYTES, len);
    assertLoadsIdenticallyOrFailsTyped(truncated);
    if (extra > 0) {
      assertLoadsIdenticallyOrFailsTyped(Arrays.copyOf(BYTES, BYTES.length + extra));
    }
  }

  private static void assertLoadsIdenticallyOrFailsTyped(byte[] b) {
    Model loaded;
    try {
      loaded = ModelFiles.fromBytes(b);
    } catch (ModelFormatException e) {
      return;
    }
    assertEquals(MODEL, loaded);
    assertArrayEquals(BYTES, b, "a changed file must not load");
  }
}
