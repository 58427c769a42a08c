package dev.oml.bench.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes a two-input, one-output dense model as an .npz archive in NumPy's .npy layout. */
final class TinyNpz {
  private TinyNpz() {}

  static void write(Path p) throws Exception {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      entry(z, "input_shape", "<i8", "(1,)", longs(2));
      entry(z, "layer0.dense.weight", "<f8", "(1, 2)", doubles(0.5, -0.25));
      entry(z, "layer0.dense.bias", "<f8", "(1,)", doubles(0.125));
    }
  }

  /**
   * Writes a model on 1x28x28 images: Dense(784 -> 2) whose first output is {@code w} times the
   * sum of the pixels (the second minus half that), {@code squares} Square layers, and a
   * Dense(2 -> 2) scaling by 1e-3. It declares no format, so the importer picks the default.
   */
  static void writeSquare(Path p, double w, int squares) throws Exception {
    double[] w0 = new double[2 * 784];
    java.util.Arrays.fill(w0, 0, 784, w);
    java.util.Arrays.fill(w0, 784, 2 * 784, -w / 2);
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
      entry(z, "input_shape", "<i8", "(3,)", longs(1, 28, 28));
      entry(z, "layer0.dense.weight", "<f8", "(2, 784)", doubles(w0));
      entry(z, "layer0.dense.bias", "<f8", "(2,)", doubles(0, 0));
      for (int k = 1; k <= squares; k++) {
        entry(z, "layer" + k + ".square", "<f8", "(0,)", doubles());
      }
      String last = "layer" + (squares + 1) + ".dense.";
      entry(z, last + "weight", "<f8", "(2, 2)", doubles(1e-3, 0, 0, 1e-3));
      entry(z, last + "bias", "<f8", "(2,)", doubles(0, 0));
    }
  }

  private static void entry(ZipOutputStream z, String name, String descr, String shape, byte[] data)
      throws Exception {
    String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    StringBuilder h = new StringBuilder(header);
    while ((10 + h.length() + 1) % 64 != 0) {
      h.append(' ');
    }
    h.append('\n');
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x93);
    out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
    out.write(1);
    out.write(0);
    out.write(h.length() & 0xff);
    out.write(h.length() >> 8);
    out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data);
    z.putNextEntry(new ZipEntry(name + ".npy"));
    z.write(out.toByteArray());
    z.closeEntry();
  }

  private static byte[] doubles(double... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double d : v) {
      b.putDouble(d);
    }
    return b.array();
  }

  private static byte[] longs(long... v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long d : v) {
      b.putLong(d);
    }
    return b.array();
  }
}
