package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.reference.FixedPointInference;
import dev.oml.core.reference.FloatInference;
import dev.oml.core.reference.QuantizedModel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives written by NumPy itself (see src/test/resources/npz/make_fixture.py), checked against
 * the logits NumPy computed for them; and hand-written archives for each error.
 */
class NpzImporterTest {
  @TempDir Path dir;

  private static Path resource(String name) throws Exception {
    return Path.of(NpzImporterTest.class.getResource("/npz/" + name).toURI());
  }

  private static double[] numbers(String name) throws Exception {
    return Files.readAllLines(resource(name)).stream().filter(s -> !s.isBlank())
        .mapToDouble(Double::parseDouble).toArray();
  }

  @Test
  void numpyArchivesImportAndMatchNumpysOwnForwardPass() throws Exception {
    double[] x = numbers("conv-model-input.txt");
    double[] expected = numbers("conv-model-logits.txt");
    for (String f : new String[] {"conv-model.npz", "conv-model-compressed.npz"}) {
      Model m = NpzImporter.load(resource(f), "fixture");
      assertEquals(FixedPointFormat.of(40, 12), m.format());
      assertEquals(new Shape(1, 8, 8), m.inputShape());
      assertEquals(7, m.layers().size());
      assertArrayEquals(expected, new FloatInference(m).logits(x), 1e-9, f);
      double[] fixed = new FixedPointInference(QuantizedModel.of(m)).logits(x);
      assertArrayEquals(expected, fixed, 0.01, f);
    }
  }

  @Test
  void missingArraysAndGapsAreNamed() throws Exception {
    Map<String, byte[]> a = new LinkedHashMap<>();
    a.put("input_shape", npyInts(2));
    a.put("layer0.dense.weight", npyDoubles(new int[] {1, 2}, 1, 2));
    assertError(a, "missing array 'layer0.dense.bias'");
    a.put("layer0.dense.bias", npyDoubles(new int[] {1}, 0.5));
    a.put("layer2.relu", npyDoubles(new int[] {0}));
    assertError(a, "without gaps");
    a.remove("layer2.relu");
    a.put("layer1.relu", npyDoubles(new int[] {0}));
    a.put("extra", npyDoubles(new int[] {0}));
    assertError(a, "does not follow the layout");
    a.remove("extra");
    Model m = NpzImporter.load(write(a), "ok");
    assertEquals(2, m.layers().size());
    assertArrayEquals(new double[] {1.5}, new FloatInference(m).logits(new double[] {0.5, 0.25}), 1e-12);
  }

  @Test
  void badArraysGiveTypedErrors() throws Exception {
    Map<String, byte[]> a = new LinkedHashMap<>();
    a.put("input_shape", npyInts(2));
    byte[] w = npyDoubles(new int[] {1, 2}, 1, Double.NaN);
    a.put("layer0.dense.weight", w);
    a.put("layer0.dense.bias", npyDoubles(new int[] {1}, 0.5));
    assertError(a, "finite");
    byte[] whole = npyDoubles(new int[] {1, 2}, 1, 2);
    a.put("layer0.dense.weight", java.util.Arrays.copyOf(whole, whole.length - 6));
    assertError(a, "data bytes");
    a.put("layer0.dense.weight", npyDoubles(new int[] {1, 3}, 1, 2, 3));
    assertError(a, "array 'layer0.dense.weight' has shape (1, 3), but layer 0 receives 2 values"
        + " (input [2]): expected (out, 2)");
    Files.writeString(dir.resolve("junk.npz"), "not a zip");
    assertThrows(ModelFormatException.class, () -> NpzImporter.load(dir.resolve("junk.npz"), "x"));
  }

  @Test
  void layoutErrorsNameTheArrayAndTheExpectedShape() throws Exception {
    Map<String, byte[]> a = new LinkedHashMap<>();
    a.put("input_shape", npyInts(3));
    a.put("layer0.dense.weight", npyDoubles(new int[] {3, 2}, 1, 2, 3, 4, 5, 6)); // (in, out)
    a.put("layer0.dense.bias", npyDoubles(new int[] {2}, 0, 0));
    assertError(a, "array 'layer0.dense.weight' has shape (3, 2), but layer 0 receives 3 values");
    assertError(a, "expected (out, 3); it looks transposed: weights are (out, in)");
    a.put("layer0.dense.weight", npyDoubles(new int[] {2, 3}, 1, 2, 3, 4, 5, 6));
    a.put("layer0.dense.bias", npyDoubles(new int[] {3}, 0, 0, 0));
    assertError(a, "array 'layer0.dense.bias' has 3 values; the weight 'layer0.dense.weight' (2, 3)"
        + " has 2 outputs, so expected (2,)");
    a.put("layer0.dense.bias", npyDoubles(new int[] {2}, 0, 0));
    a.put("layer1.maxpool.kernel", npyInts(2));
    assertError(a, "layer 1: arrays [layer1.maxpool.kernel] are of kind 'maxpool'");
    assertError(a, "max pooling is kind 'maxpool2d' (arrays layer1.maxpool2d.kernel and .stride)");
    a.remove("layer1.maxpool.kernel");
    a.put("layer1.batchnorm.running_mean", npyDoubles(new int[] {2}, 0, 0));
    assertError(a, "fold batch normalization into the dense or conv2d layer before it");
    a.remove("layer1.batchnorm.running_mean");
    a.put("fc1.weight", npyDoubles(new int[] {2, 3}, 1, 2, 3, 4, 5, 6));
    assertError(a, "array 'fc1.weight' does not follow the layout");
    assertError(a, "it looks like a PyTorch state_dict key");
    assertError(a, "torch.onnx.export");
    a.remove("fc1.weight");
    assertEquals(1, NpzImporter.load(write(a), "ok").layers().size());

    Map<String, byte[]> c = new LinkedHashMap<>();
    c.put("input_shape", npyInts(1, 4, 4));
    byte[] keras = npyDoubles(new int[] {3, 3, 1, 2}, new double[18]); // (k, k, in, out)
    c.put("layer0.conv2d.weight", keras);
    c.put("layer0.conv2d.bias", npyDoubles(new int[] {2}, 0, 0));
    c.put("layer0.conv2d.stride", npyInts(1));
    c.put("layer0.conv2d.padding", npyInts(0));
    assertError(c, "array 'layer0.conv2d.weight' has shape (3, 3, 1, 2); expected (out, in, k, k)");
    assertError(c, "a Keras/TensorFlow kernel (k, k, in, out) is saved as w.transpose(3, 2, 0, 1)");
    c.put("layer0.conv2d.weight", npyDoubles(new int[] {3, 3, 2, 2}, new double[36]));
    assertError(c, "receives 1 channels (input [1x4x4]): expected (out, 1, k, k); it looks like a"
        + " Keras/TensorFlow kernel (k, k, in, out): save it as w.transpose(3, 2, 0, 1)");
  }

  @Test
  void otherModelFormatsAreRecognisedAndPointToOnnx() throws Exception {
    // torch.save since PyTorch 1.6: a zip of <name>/data.pkl, <name>/data/0, <name>/version
    Path ckpt = dir.resolve("model.pt");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(ckpt))) {
      for (String e : new String[] {"model/data.pkl", "model/data/0", "model/version"}) {
        z.putNextEntry(new ZipEntry(e));
        z.write(new byte[] {0x80 - 256, 2, '.'});
        z.closeEntry();
      }
    }
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(ckpt, "m"));
    assertTrue(e.getMessage().contains("this is a PyTorch checkpoint (torch.save; entry 'model/data.pkl')")
        && e.getMessage().contains("torch.onnx.export(model.eval()"), e.getMessage());
    assertTrue(e.getMessage().startsWith(ckpt.toString()), e.getMessage());
    // torch.save before 1.6, or pickle.dump: a bare pickle
    Path pickle = dir.resolve("model.pth");
    Files.write(pickle, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc});
    e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(pickle, "m"));
    assertTrue(e.getMessage().contains("Python pickle") && e.getMessage().contains("torch.onnx.export"),
        e.getMessage());
    Path h5 = dir.resolve("model.h5");
    Files.write(h5, new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'});
    e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(h5, "m"));
    assertTrue(e.getMessage().contains("HDF5 file (a Keras .h5 model)"), e.getMessage());
    Path onnx = dir.resolve("model.onnx");
    Files.write(onnx, new byte[] {8, 8});
    e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(onnx, "m"));
    assertTrue(e.getMessage().contains("import it as './oml import model.onnx'"), e.getMessage());
  }

  /**
   * A zip bomb: 100 MiB of zeros that compress to about 100 KB. It is refused once the inflated
   * bytes pass the cap, without holding the whole entry in memory.
   */
  @Test
  void anEntryInflatingBeyondTheCapIsRefused() throws Exception {
    Path p = dir.resolve("bomb.npz");
    int mib = 100;
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      z.putNextEntry(new ZipEntry("input_shape.npy"));
      z.write(npyInts(2));
      z.closeEntry();
      z.putNextEntry(new ZipEntry("layer0.dense.weight.npy"));
      z.write(npy("<f8", new int[] {mib << 17}, new byte[0]));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < mib; i++) {
        z.write(zeros);
      }
      z.closeEntry();
    }
    assertTrue(Files.size(p) < (1 << 20), "the archive itself is small");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(p, "m"));
    assertTrue(e.getMessage().contains("larger than the limit of " + NpzImporter.MAX_ENTRY_BYTES),
        e.getMessage());
  }

  /** An entry whose local header declares more than the cap is refused before any inflating. */
  @Test
  void anEntryDeclaringMoreThanTheCapIsRefusedUpFront() throws Exception {
    byte[] name = "layer0.dense.weight.npy".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer loc = ByteBuffer.allocate(30 + name.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    loc.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8)
        .putShort((short) 0).putShort((short) 0).putInt(0).putInt(16)
        .putInt(Integer.MAX_VALUE).putShort((short) name.length).putShort((short) 0).put(name);
    // No real data: a reader that inflated before checking would fail differently.
    loc.put(new byte[16]);
    Path p = dir.resolve("declared.npz");
    Files.write(p, loc.array());
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(p, "m"));
    assertTrue(e.getMessage().contains("declares " + Integer.MAX_VALUE + " bytes"), e.getMessage());
  }

  private void assertError(Map<String, byte[]> arrays, String part) throws Exception {
    Path p = write(arrays);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> NpzImporter.load(p, "m"));
    assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' lacks '" + part + "'");
  }

  private int files;

  private Path write(Map<String, byte[]> arrays) throws Exception {
    Path p = dir.resolve("m" + (files++) + ".npz");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      for (var e : arrays.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return p;
  }

  private static byte[] npy(String descr, int[] shape, byte[] data) {
    StringBuilder s = new StringBuilder("(");
    for (int d : shape) {
      s.append(d).append(", ");
    }
    s.append(")");
    String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + s + ", }";
    while ((10 + header.length() + 1) % 64 != 0) {
      header += " ";
    }
    header += "\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x93);
    out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
    out.write(1);
    out.write(0);
    out.write(header.length() & 0xff);
    out.write(header.length() >> 8);
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data);
    return out.toByteArray();
  }

  private static byte[] npyDoubles(int[] shape, double... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (double d : v) {
      b.putDouble(d);
    }
    return npy("<f8", shape, b.array());
  }

  private static byte[] npyInts(int... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int d : v) {
      b.putLong(d);
    }
    return npy("<i8", new int[] {v.length}, b.array());
  }
}
