package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.testkit.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
  @TempDir Path dir;

  @Test
  void roundTripsEveryLayerKindThroughAFile() throws Exception {
    Model m = TestModels.everyLayer(11);
    Path p = dir.resolve("m" + ModelFiles.EXTENSION);
    ModelFiles.save(m, p);
    assertEquals(m, ModelFiles.load(p));
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary file is left behind");
    }
  }

  @Test
  void roundTripsMaxPoolWithItsKernelAndStride() {
    java.util.Random r = new java.util.Random(3);
    Model m = Model.of("mp", new Shape(1, 5, 5), java.util.List.of(
        new Conv2D(1, 2, 3, 1, 1, TestModels.gaussian(r, 18, 0.3), TestModels.gaussian(r, 2, 0.1)),
        new MaxPool2D(3, 2), new Flatten(),
        new Dense(8, 2, TestModels.gaussian(r, 16, 0.3), TestModels.gaussian(r, 2, 0.1))),
        dev.oml.core.fixedpoint.FixedPointFormat.of(44, 12), 6);
    Path p = dir.resolve("mp" + ModelFiles.EXTENSION);
    ModelFiles.save(m, p);
    Model back = ModelFiles.load(p);
    assertEquals(m, back);
    assertEquals(new MaxPool2D(3, 2), back.layers().get(1));
    assertEquals(new Shape(2, 2, 2), back.outputShapeOf(1));
  }

  @Test
  void refusesWrongMagicAndVersion() {
    byte[] b = ModelFiles.toBytes(TestModels.mlp(1, 4, 3, 2));
    byte[] magic = b.clone();
    magic[0] = 'X';
    assertMessage(magic, "wrong magic");
    byte[] version = b.clone();
    version[8] = 4;
    assertMessage(version, "version 4");
  }

  @Test
  void writesVersionTwoWithAnInputBoxAndReadsBothVersions() {
    Model plain = TestModels.mlp(1, 4, 3, 2);
    byte[] v1 = ModelFiles.toBytes(plain);
    assertEquals(1, v1[8], "a model without a box keeps the version-1 bytes");
    assertTrue(ModelFiles.fromBytes(v1).inputBox().isEmpty());

    Model uniform = plain.withInputBox(InputBox.uniform(4, 0.0, 1.0));
    byte[] v2 = ModelFiles.toBytes(uniform);
    assertEquals(2, v2[8]);
    assertEquals(v1.length + 1 + 16, v2.length, "a uniform box costs one kind byte and two doubles");
    assertEquals(uniform, ModelFiles.fromBytes(v2));
    assertEquals(InputBox.uniform(4, 0.0, 1.0), ModelFiles.fromBytes(v2).inputBox().orElseThrow());

    Model perFeature = plain.withInputBox(
        InputBox.of(new double[] {0, -1, 0, 2}, new double[] {1, 1, 0.5, 3}));
    Model back = ModelFiles.fromBytes(ModelFiles.toBytes(perFeature));
    assertEquals(perFeature, back);
    assertEquals(-1.0, back.inputBox().orElseThrow().lower(1));
  }

  @Test
  void refusesAVersionTwoFileWithoutItsBox() {
    byte[] v1 = ModelFiles.toBytes(TestModels.mlp(1, 4, 3, 2));
    v1[8] = 2;
    assertMessage(reseal(v1), "truncated");
    byte[] v2 = ModelFiles.toBytes(TestModels.mlp(1, 4, 3, 2)
        .withInputBox(InputBox.uniform(4, 0.0, 1.0)));
    v2[v2.length - ModelFiles.CHECKSUM_BYTES - 17] = 9;
    assertMessage(reseal(v2), "unknown kind code 9");
  }

  @Test
  void writesVersionThreeWithPreprocessingAndKeepsOlderVersionsForOtherModels() {
    Model plain = TestModels.mlp(1, 4, 3, 2);
    InputTransform t = InputTransform.of(new double[] {1 / 255.0, 1 / 255.0, 2.0, 1.0},
        new double[] {0, -0.5, 1, 3});
    Model pre = plain.withPreprocessing(t);
    byte[] v3 = ModelFiles.toBytes(pre);
    assertEquals(3, v3[8]);
    // no box: one "none" kind byte, then the kind byte and two doubles per channel
    assertEquals(ModelFiles.toBytes(plain).length + 1 + 1 + 4 * 16, v3.length);
    Model back = ModelFiles.fromBytes(v3);
    assertEquals(pre, back);
    assertEquals(t, back.preprocessing().orElseThrow());
    assertTrue(back.inputBox().isEmpty());

    Model both = pre.withInputBox(InputBox.uniform(4, 0.0, 1.0));
    assertEquals(both, ModelFiles.fromBytes(ModelFiles.toBytes(both)));
    // the identity is no preprocessing: the file stays version 1, byte for byte
    assertEquals(plain, plain.withPreprocessing(InputTransform.identity(4)));
    assertTrue(Arrays.equals(ModelFiles.toBytes(plain),
        ModelFiles.toBytes(plain.withPreprocessing(InputTransform.identity(4)))));
    assertEquals(2, ModelFiles.toBytes(plain.withInputBox(InputBox.uniform(4, 0.0, 1.0)))[8]);
  }

  @Test
  void refusesAVersionThreeFileWithBadPreprocessing() {
    Model pre = TestModels.mlp(1, 4, 3, 2).withPreprocessing(
        InputTransform.of(new double[] {2, 2, 2, 2}, new double[] {0, 0, 0, 0}));
    byte[] b = ModelFiles.toBytes(pre);
    int kindAt = b.length - ModelFiles.CHECKSUM_BYTES - 4 * 16 - 1;
    byte[] kind = b.clone();
    kind[kindAt] = 7;
    assertMessage(reseal(kind), "preprocessing has unknown kind code 7");
    // a zero scale is no transform: refused with the model
    byte[] zero = b.clone();
    ByteBuffer.wrap(zero).order(ByteOrder.LITTLE_ENDIAN).putDouble(kindAt + 1, 0.0);
    assertMessage(reseal(zero), "non-zero");
    // the identity is never written, so a file holding it is not canonical
    byte[] identity = b.clone();
    for (int c = 0; c < 4; c++) {
      ByteBuffer.wrap(identity).order(ByteOrder.LITTLE_ENDIAN).putDouble(kindAt + 1 + 8 * c, 1.0);
    }
    assertMessage(reseal(identity), "identity");
    byte[] cut = b.clone();
    cut[8] = 2; // read as version 2, the preprocessing bytes are left over
    assertMessage(reseal(cut), "input box has unknown kind code 0");
  }

  @Test
  void refusesCorruptionByChecksum() {
    byte[] b = ModelFiles.toBytes(TestModels.mlp(1, 4, 3, 2));
    b[b.length - 40] ^= 1;
    assertMessage(b, "checksum");
  }

  @Test
  void refusesTruncation() {
    byte[] b = ModelFiles.toBytes(TestModels.mlp(1, 4, 3, 2));
    assertMessage(Arrays.copyOf(b, b.length - 1), "truncated");
    assertMessage(Arrays.copyOf(b, 10), "truncated");
  }

  /** Content that passes the checksum but is semantically wrong: re-sealed by hand. */
  private static byte[] reseal(byte[] file) {
    byte[] digest = ModelFiles.sha256(file, 0, file.length - ModelFiles.CHECKSUM_BYTES);
    System.arraycopy(digest, 0, file, file.length - ModelFiles.CHECKSUM_BYTES, digest.length);
    return file;
  }

  private static int contentStart() {
    return ModelFiles.HEADER_BYTES;
  }

  @Test
  void refusesAbsurdDimensionsBeforeAllocating() {
    Model m = TestModels.mlp(1, 4, 3, 2);
    byte[] b = ModelFiles.toBytes(m);
    int nameLen = m.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    // input channels sit right after the name
    int at = contentStart() + 2 + nameLen;
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 0x7fffffff);
    assertMessage(reseal(b), "input channels");
  }

  @Test
  void refusesNonFiniteWeights() {
    Model m = TestModels.mlp(1, 4, 3, 2);
    byte[] b = ModelFiles.toBytes(m);
    int nameLen = m.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    // name, shape (12), format (4), layer count (4), kind (1), in/out (8): first weight
    int at = contentStart() + 2 + nameLen + 12 + 4 + 4 + 1 + 8;
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putDouble(at, Double.NaN);
    assertMessage(reseal(b), "must be finite");
  }

  @Test
  void refusesShapeMismatchNamingTheLayer() {
    Model m = TestModels.mlp(1, 4, 3, 2);
    byte[] b = ModelFiles.toBytes(m);
    int nameLen = m.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    // the input shape says 4 values; make it 5 so the first dense layer no longer fits
    int at = contentStart() + 2 + nameLen;
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, 5);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.fromBytes(reseal(b)));
    assertTrue(e.getMessage().contains("layer 0 (dense)"), e.getMessage());
  }

  @Test
  void missingFileIsATypedError() {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelFiles.load(dir.resolve("absent.omlm")));
    assertTrue(e.getMessage().contains("no such file"));
  }

  @Test
  void failedSaveLeavesThePreviousFileIntact() throws Exception {
    Path p = dir.resolve("m.omlm");
    Model first = TestModels.mlp(1, 4, 3, 2);
    ModelFiles.save(first, p);
    Path blocked = dir.resolve("sub");
    Files.writeString(blocked, "a file where a directory should be");
    assertThrows(dev.oml.core.OmlException.class,
        () -> ModelFiles.save(first, blocked.resolve("x.omlm")));
    assertEquals(first, ModelFiles.load(p));
    assertFalse(Files.exists(blocked.resolve("x.omlm")));
  }

  private static void assertMessage(byte[] b, String part) {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.fromBytes(b));
    assertTrue(e.getMessage().contains(part), () -> "message '" + e.getMessage() + "' lacks '" + part + "'");
  }
}
