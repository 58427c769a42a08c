package dev.oml.core.data;

import dev.oml.core.model.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format used by MNIST and Fashion-MNIST (big-endian magic {@code 0x0000 type
 * rank}, then the dimensions, then the data), gzip-compressed or not. Only unsigned bytes
 * ({@code type 0x08}) are accepted, which is what image and label files use. Sizes are capped so
 * a malformed header cannot make the reader allocate without bound; a file with no items, bytes
 * beyond the declared data, or a gzip stream whose CRC-32 or length does not match is refused.
 */
public final class IdxReader {
  /** Largest number of items read from one file. */
  public static final int MAX_ITEMS = 1_000_000;
  /** Largest image side accepted. */
  public static final int MAX_SIDE = 4096;

  private IdxReader() {}

  /** Reads an image file ({@code rank 3}) and a label file ({@code rank 1}) into a dataset. */
  public static Dataset read(Path images, Path labels) {
    return read(images, labels, Integer.MAX_VALUE);
  }

  /**
   * Reads the first {@code limit} images and their labels (all of them if there are fewer). The
   * headers and the image count are checked as by {@link #read(Path, Path)}; the images after the
   * first {@code limit} are not read, so a damaged tail goes unnoticed when the limit is below
   * the count.
   *
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  public static Dataset read(Path images, Path labels, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    int[] lab = readLabels(labels);
    double[][] im;
    int[] dims = new int[3];
    try (DataInputStream in = open(images)) {
      int rank = header(in, images);
      if (rank != 3) {
        throw new DatasetException(images + ": an image file has rank 3, this one has " + rank);
      }
      for (int i = 0; i < 3; i++) {
        dims[i] = in.readInt();
      }
      if (dims[0] == 0) {
        throw new DatasetException(images + ": the file holds no images");
      }
      if (dims[0] < 0 || dims[0] > MAX_ITEMS || dims[1] <= 0 || dims[1] > MAX_SIDE
          || dims[2] <= 0 || dims[2] > MAX_SIDE) {
        throw new DatasetException(images + ": implausible dimensions " + dims[0] + "x" + dims[1]
            + "x" + dims[2]);
      }
      if (dims[0] != lab.length) {
        throw new DatasetException(images + " has " + dims[0] + " images but " + labels + " has "
            + lab.length + " labels");
      }
      int pixels = dims[1] * dims[2];
      im = new double[Math.min(limit, dims[0])][];
      byte[] buf = new byte[pixels];
      for (int n = 0; n < im.length; n++) {
        in.readFully(buf);
        double[] x = new double[pixels];
        for (int p = 0; p < pixels; p++) {
          x[p] = (buf[p] & 0xff) / 255.0;
        }
        im[n] = x;
      }
      if (im.length == dims[0]) {
        requireEnd(in, images);
      }
    } catch (EOFException e) {
      throw new DatasetException(images + ": file is truncated", e);
    } catch (ZipException e) {
      throw corrupted(images, e);
    } catch (IOException e) {
      throw new DatasetException(images + ": " + e.getMessage(), e);
    }
    return new Dataset(new Shape(1, dims[1], dims[2]), im, Arrays.copyOf(lab, im.length));
  }

  /** Reads a label file ({@code rank 1}). */
  public static int[] readLabels(Path labels) {
    try (DataInputStream in = open(labels)) {
      int rank = header(in, labels);
      if (rank != 1) {
        throw new DatasetException(labels + ": a label file has rank 1, this one has " + rank);
      }
      int n = in.readInt();
      if (n == 0) {
        throw new DatasetException(labels + ": the file holds no labels");
      }
      if (n < 0 || n > MAX_ITEMS) {
        throw new DatasetException(labels + ": implausible label count " + n);
      }
      byte[] buf = new byte[n];
      in.readFully(buf);
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = buf[i] & 0xff;
      }
      requireEnd(in, labels);
      return out;
    } catch (EOFException e) {
      throw new DatasetException(labels + ": file is truncated", e);
    } catch (ZipException e) {
      throw corrupted(labels, e);
    } catch (IOException e) {
      throw new DatasetException(labels + ": " + e.getMessage(), e);
    }
  }

  /**
   * The data must end where the header says. Reading on to the end is also what makes
   * {@link GZIPInputStream} check the gzip trailer, its CRC-32 and length: without it a corrupted
   * archive whose damage lies in the pixels would be read without complaint.
   */
  private static void requireEnd(DataInputStream in, Path p) throws IOException {
    if (in.read() != -1) {
      throw new DatasetException(p + ": unexpected bytes after the data the header declares");
    }
  }

  private static DatasetException corrupted(Path p, ZipException e) {
    return new DatasetException(p + ": corrupted gzip data (" + e.getMessage() + ")", e);
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream raw;
    try {
      raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
    } catch (NoSuchFileException e) {
      throw new DatasetException(p + ": no such file");
    }
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      raw = new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
    }
    return new DataInputStream(raw);
  }

  private static int header(DataInputStream in, Path p) throws IOException {
    int magic = in.readInt();
    if ((magic >>> 16) != 0) {
      throw new DatasetException(p + ": not an IDX file (bad magic)");
    }
    int type = (magic >>> 8) & 0xff;
    if (type != 0x08) {
      throw new DatasetException(p + ": IDX element type 0x" + Integer.toHexString(type)
          + " is not supported; only unsigned bytes (0x08)");
    }
    return magic & 0xff;
  }
}
