package dev.oml.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  @Test
  void readsTheShippedSubset() {
    Dataset d = FashionMnist.test(TestPaths.subset());
    assertEquals(1000, d.size());
    assertEquals(784, d.shape().size());
    int[] counts = new int[10];
    for (int i = 0; i < d.size(); i++) {
      counts[d.label(i)]++;
      for (double v : d.image(i)) {
        assertTrue(v >= 0 && v <= 1);
      }
    }
    // Every class is present in the subset in roughly equal numbers.
    for (int c : counts) {
      assertTrue(c > 60 && c < 140, Arrays.toString(counts));
    }
  }

  @Test
  void readsUncompressedFilesWithKnownContent() throws Exception {
    ByteBuffer im = ByteBuffer.allocate(16 + 2 * 4);
    im.putInt(0x803).putInt(2).putInt(2).putInt(2).put(new byte[] {0, (byte) 255, 51, 102, 1, 2, 3, 4});
    ByteBuffer lb = ByteBuffer.allocate(8 + 2).putInt(0x801).putInt(2).put(new byte[] {7, 3});
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), im.array());
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), lb.array());
    Dataset d = FashionMnist.test(dir);
    assertEquals(2, d.size());
    assertEquals(7, d.label(0));
    assertEquals(3, d.label(1));
    assertEquals(1.0, d.image(0)[1]);
    assertEquals(0.2, d.image(0)[2], 1e-12);
  }

  @Test
  void aLimitedReadGivesTheFirstExamplesAndStillChecksTheCounts() throws Exception {
    ByteBuffer im = ByteBuffer.allocate(16 + 3 * 4);
    im.putInt(0x803).putInt(3).putInt(2).putInt(2)
        .put(new byte[] {0, (byte) 255, 51, 102, 1, 2, 3, 4, 9, 9, 9, 9});
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), im.array());
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"),
        ByteBuffer.allocate(8 + 3).putInt(0x801).putInt(3).put(new byte[] {7, 3, 5}).array());
    Dataset d = FashionMnist.split(dir, "t10k", 2);
    assertEquals(2, d.size());
    assertEquals(3, d.label(1));
    assertEquals(4 / 255.0, d.image(1)[3], 1e-12);
    assertEquals(3, FashionMnist.split(dir, "t10k", 10).size());
    assertTrue(FashionMnist.hasSplit(dir, "t10k") && !FashionMnist.hasSplit(dir, "train"));
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"),
        ByteBuffer.allocate(8 + 2).putInt(0x801).putInt(2).put(new byte[] {7, 3}).array());
    DatasetException e = assertThrows(DatasetException.class,
        () -> FashionMnist.split(dir, "t10k", 1));
    assertTrue(e.getMessage().contains("has 3 images but"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> IdxReader.read(dir.resolve("t10k-images-idx3-ubyte"),
            dir.resolve("t10k-labels-idx1-ubyte"), 0));
  }

  @Test
  void truncatedAndMalformedFilesGiveTypedErrors() throws Exception {
    byte[] full;
    try (var in = new GZIPInputStream(Files.newInputStream(TestPaths.subset().resolve("t10k-images-idx3-ubyte.gz")))) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      full = out.toByteArray();
    }
    Path labels = TestPaths.subset().resolve("t10k-labels-idx1-ubyte.gz");
    Path cut = dir.resolve("cut");
    Files.write(cut, Arrays.copyOf(full, full.length - 100));
    DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(cut, labels));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());

    Path bad = dir.resolve("bad");
    byte[] b = full.clone();
    b[0] = 1;
    Files.write(bad, b);
    assertThrows(DatasetException.class, () -> IdxReader.read(bad, labels));

    Path huge = dir.resolve("huge");
    byte[] h = Arrays.copyOf(full, 64);
    ByteBuffer.wrap(h).putInt(4, Integer.MAX_VALUE);
    Files.write(huge, h);
    e = assertThrows(DatasetException.class, () -> IdxReader.read(huge, labels));
    assertTrue(e.getMessage().contains("implausible"), e.getMessage());

    e = assertThrows(DatasetException.class, () -> FashionMnist.test(dir.resolve("nowhere")));
    assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
  }

  @Test
  void aGzipTrailerThatDoesNotMatchTheDataIsRefused() throws Exception {
    byte[] gz;
    try (var in = Files.newInputStream(TestPaths.subset().resolve("t10k-images-idx3-ubyte.gz"))) {
      gz = in.readAllBytes();
    }
    Path labels = TestPaths.subset().resolve("t10k-labels-idx1-ubyte.gz");
    Path images = dir.resolve("images.gz");
    Files.write(images, gz);
    assertEquals(1000, IdxReader.read(images, labels).size());
    // The trailer: CRC-32 of the data, then its length mod 2^32. The pixels themselves decode
    // fine either way; only the trailer check notices.
    for (int at : new int[] {gz.length - 8, gz.length - 5, gz.length - 4, gz.length - 1}) {
      byte[] b = gz.clone();
      b[at] ^= 0x01;
      Files.write(images, b);
      DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(images, labels),
          "byte " + at);
      assertTrue(e.getMessage().contains("corrupted gzip"), e.getMessage());
    }
  }

  @Test
  void emptyFilesAndTrailingBytesAreRefused() throws Exception {
    ByteBuffer im = ByteBuffer.allocate(16).putInt(0x803).putInt(0).putInt(2).putInt(2);
    ByteBuffer lb = ByteBuffer.allocate(8).putInt(0x801).putInt(0);
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), im.array());
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), lb.array());
    DatasetException e = assertThrows(DatasetException.class, () -> FashionMnist.test(dir));
    assertTrue(e.getMessage().contains("no labels"), e.getMessage());
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"),
        ByteBuffer.allocate(9).putInt(0x801).putInt(1).put((byte) 3).array());
    e = assertThrows(DatasetException.class, () -> FashionMnist.test(dir));
    assertTrue(e.getMessage().contains("no images"), e.getMessage());

    ByteBuffer one = ByteBuffer.allocate(16 + 4 + 1).putInt(0x803).putInt(1).putInt(2).putInt(2)
        .put(new byte[] {1, 2, 3, 4, 5});
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), one.array());
    e = assertThrows(DatasetException.class, () -> FashionMnist.test(dir));
    assertTrue(e.getMessage().contains("after the data"), e.getMessage());
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), Arrays.copyOf(one.array(), 20));
    assertEquals(1, FashionMnist.test(dir).size());
  }
}
