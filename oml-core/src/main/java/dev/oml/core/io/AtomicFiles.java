package dev.oml.core.io;

import dev.oml.core.OmlException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes files so that a reader sees either the old content or the whole new content, never a
 * half-written file: the bytes go to a temporary file in the same directory, are forced to disk,
 * and the temporary file is renamed over the target atomically. Files holding secrets are
 * created owner-readable only ({@code rw-------}) before any byte is written.
 */
public final class AtomicFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private AtomicFiles() {}

  /**
   * Atomically replaces {@code target} with {@code content}.
   *
   * @param ownerOnly create the file with permissions {@code rw-------} (for key material)
   * @throws OmlException if the file cannot be written; the target is then unchanged
   */
  public static void write(Path target, byte[] content, boolean ownerOnly) {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = createTemp(dir, abs.getFileName().toString(), ownerOnly);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new OmlException("cannot atomically replace " + abs + ": the file system does not support it");
      }
      tmp = null;
      forceDirectory(dir);
    } catch (IOException e) {
      throw new OmlException("cannot write " + abs + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: a stray temporary file is harmless and never read
        }
      }
    }
  }

  private static Path createTemp(Path dir, String name, boolean ownerOnly) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path tmp = dir.resolve("." + name + "." + Long.toHexString(System.nanoTime()) + attempt + ".tmp");
      try {
        if (ownerOnly && supportsPosix(dir)) {
          return Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
        return Files.createFile(tmp);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  private static boolean supportsPosix(Path dir) {
    return dir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static void forceDirectory(Path dir) {
    // Makes the rename itself durable; not every platform lets a directory be opened.
    try (FileChannel ch = FileChannel.open(dir, EnumSet.of(StandardOpenOption.READ))) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // the content is already on disk; only the rename's durability is best effort here
    }
  }
}
