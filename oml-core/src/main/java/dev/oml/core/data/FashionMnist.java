package dev.oml.core.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST: 28x28 grey-level images of clothing in 10 classes. The full set is read from
 * the directory of the Debian package {@code dataset-fashion-mnist}; the repository ships a
 * fixed subset (the first 1,000 images of the test set) for tests and quick runs.
 */
public final class FashionMnist {
  /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
  public static final Path SYSTEM_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  /** Number of classes. */
  public static final int CLASSES = 10;

  private FashionMnist() {}

  /** True if the full dataset is installed at {@link #SYSTEM_DIR}. */
  public static boolean systemInstalled() {
    return Files.isRegularFile(SYSTEM_DIR.resolve("t10k-images-idx3-ubyte.gz"));
  }

  /** The test split found in {@code dir} ({@code t10k-images-idx3-ubyte[.gz]} and labels). */
  public static Dataset test(Path dir) {
    return split(dir, "t10k");
  }

  /** The training split found in {@code dir}. */
  public static Dataset train(Path dir) {
    return split(dir, "train");
  }

  private static Dataset split(Path dir, String prefix) {
    return IdxReader.read(find(dir, prefix + "-images-idx3-ubyte"), find(dir, prefix + "-labels-idx1-ubyte"));
  }

  /**
   * The first {@code limit} examples of split {@code prefix} ({@code "train"} or {@code "t10k"})
   * in {@code dir}, read as by {@link IdxReader#read(Path, Path, int)}.
   *
   * @throws DatasetException if the files are missing or malformed
   */
  public static Dataset split(Path dir, String prefix, int limit) {
    return IdxReader.read(find(dir, prefix + "-images-idx3-ubyte"),
        find(dir, prefix + "-labels-idx1-ubyte"), limit);
  }

  /** True if {@code dir} holds the image file of split {@code prefix}, compressed or not. */
  public static boolean hasSplit(Path dir, String prefix) {
    String base = prefix + "-images-idx3-ubyte";
    return Files.isRegularFile(dir.resolve(base + ".gz")) || Files.isRegularFile(dir.resolve(base));
  }

  private static Path find(Path dir, String base) {
    Path gz = dir.resolve(base + ".gz");
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    Path plain = dir.resolve(base);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    throw new DatasetException("no " + base + "[.gz] in " + dir
        + "; install the Debian package dataset-fashion-mnist or pass --data DIR");
  }
}
