package dev.oml.core.ledger;

import dev.oml.core.io.AtomicFiles;
import dev.oml.core.io.ByteWriter;
import dev.oml.core.keys.KeyId;
import dev.oml.core.permission.VerifiedPermission;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The durable ledger: an append-only file of fixed-size spend records, each with its own CRC-32C
 * checksum, forced to disk ({@code fsync}) before {@link #spend} returns. On open it replays
 * every record; a torn last record (a crash during its write, so never acknowledged) fails its
 * checksum or is short, and is cut off; damage anywhere else refuses to start, because dropping
 * an acknowledged spend would allow a replay. An exclusive file lock keeps a second process
 * from appending to the same ledger.
 *
 * <p>Why not an embedded database: the ledger needs exactly one atomic, durable operation
 * (append a record, fsync), and a fixed-size record log with per-record checksums gives it with
 * no dependency, a recovery rule that fits in a paragraph, and a crash test that can enumerate
 * every torn state. Owners with several servers share a database-backed ledger instead.
 *
 * <p>File layout: a 16-byte header (magic {@code OMLLEDGR}, version 1, record size, CRC-32C of
 * the header) then records of {@value #RECORD_BYTES} bytes. A spend record: magic {@code OMLR},
 * nonce (16), licensee key id (32), model id (32), {@code n} (4), spend time and permission
 * expiry (8 each, epoch seconds), CRC-32C of the preceding 104 bytes. An abort record: magic
 * {@code OMLA}, licensee key id (32), the licensee's abort count after this abort (8), reason
 * code (4), time (8, epoch seconds), zeros up to byte 104, CRC-32C. An abort record carries the
 * whole count rather than an increment, so the last one of a licensee is its state. All
 * big-endian. Files written before abort records existed are read unchanged.
 */
public final class FileLedger implements PermissionLedger {
  /** Bytes of the file header. */
  public static final int HEADER_BYTES = 16;
  /** Bytes of one spend record. */
  public static final int RECORD_BYTES = 108;
  private static final byte[] MAGIC = {'O', 'M', 'L', 'L', 'E', 'D', 'G', 'R'};
  private static final int RECORD_MAGIC = 0x4F4D4C52;
  private static final int ABORT_MAGIC = 0x4F4D4C41;
  private static final int VERSION = 1;

  private final Path path;
  private final QuotaSource quotas;
  // Classic RandomAccessFile I/O on purpose: a FileChannel is closed for good when a thread
  // blocked in it is interrupted, which would take the ledger down for every other session.
  private final RandomAccessFile file;
  private final FileChannel channel;
  private final FileLock lock;
  private final LedgerState state;
  private final java.time.Clock clock;
  private long size;
  private boolean failed;
  private boolean closed;
  private final long recoveredRecords;
  private final long discardedBytes;
  // Test-only fault: the next append writes this many bytes of its record, then fails.
  private int tearNextAppendAt = -1;

  private FileLedger(Path path, QuotaSource quotas, java.time.Clock clock, int pruneAt)
      throws IOException {
    this.state = new LedgerState(pruneAt);
    this.path = path;
    this.quotas = quotas;
    this.clock = clock;
    if (!Files.exists(path)) {
      create(path);
    }
    this.file = new RandomAccessFile(path.toFile(), "rw");
    this.channel = file.getChannel();
    FileLock l;
    try {
      l = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      file.close();
      throw new LedgerException("ledger " + path + " is in use by another process or ledger; "
          + "one ledger file serves one owner server");
    }
    this.lock = l;
    try {
      long[] r = recover();
      recoveredRecords = r[0];
      discardedBytes = r[1];
    } catch (RuntimeException | IOException e) {
      file.close(); // also releases the lock
      throw e;
    }
  }

  /**
   * Opens (creating if needed) the ledger at {@code path} and recovers its state.
   *
   * @param quotas where each licensee's quota is read at every spend
   * @throws LedgerException if the file is not a ledger, is corrupted before its last record,
   *     or is locked by another process
   */
  public static FileLedger open(Path path, QuotaSource quotas) {
    return open(path, quotas, java.time.Clock.systemUTC());
  }

  /**
   * As {@link #open(Path, QuotaSource)}, with the clock that stamps spend records and decides
   * when nonces of long-expired permissions may be forgotten in memory.
   */
  public static FileLedger open(Path path, QuotaSource quotas, java.time.Clock clock) {
    return open(path, quotas, clock, LedgerState.DEFAULT_PRUNE_AT);
  }

  static FileLedger open(Path path, QuotaSource quotas, java.time.Clock clock, int pruneAt) {
    Objects.requireNonNull(quotas, "quotas");
    Objects.requireNonNull(clock, "clock");
    try {
      return new FileLedger(path.toAbsolutePath(), quotas, clock, pruneAt);
    } catch (IOException e) {
      throw new LedgerException("cannot open ledger " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates the file with its whole header, so the header is never torn: written to a temporary
   * file and fsynced, then hard-linked into place. Unlike a rename, a link never replaces a
   * ledger that another process created (and may hold locked) in the meantime.
   */
  private static void create(Path path) throws IOException {
    Path dir = path.getParent();
    Path tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".new");
    AtomicFiles.write(tmp, header(), true);
    try {
      Files.createLink(path, tmp);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // another process created it first: use theirs
    } catch (UnsupportedOperationException e) {
      // no hard links on this file system: fall back to a rename (no creation race protection)
      if (!Files.exists(path)) {
        Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // best effort: the header itself is already on disk
    }
  }

  private static byte[] header() {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
    b.put(MAGIC).putShort((short) VERSION).putShort((short) RECORD_BYTES);
    b.putInt(crc(b.array(), 0, 12));
    return b.array();
  }

  private long[] recover() throws IOException {
    long fileSize = file.length();
    ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
    readFully(h, 0);
    if (fileSize < HEADER_BYTES || !Arrays.equals(h.array(), header())) {
      throw new LedgerException("ledger " + path + " has no valid header: it is not a ledger file "
          + "of this version; refusing to start rather than lose spends");
    }
    long records = 0;
    long offset = HEADER_BYTES;
    ByteBuffer rec = ByteBuffer.allocate(RECORD_BYTES);
    while (offset < fileSize) {
      long remaining = fileSize - offset;
      boolean last = remaining < 2L * RECORD_BYTES;
      if (remaining < RECORD_BYTES) {
        break; // a short tail: the last append was torn
      }
      rec.clear();
      readFully(rec, offset);
      byte[] r = rec.array();
      ByteBuffer b = ByteBuffer.wrap(r);
      int magic = b.getInt(0);
      boolean ok = (magic == RECORD_MAGIC || magic == ABORT_MAGIC)
          && b.getInt(RECORD_BYTES - 4) == crc(r, 0, RECORD_BYTES - 4);
      if (!ok) {
        if (last) {
          break; // the last record is torn: it was never acknowledged
        }
        throw new LedgerException("ledger " + path + " is corrupted at byte " + offset
            + ", before its last record; refusing to start rather than forget spends. Restore it "
            + "from a backup");
      }
      if (magic == ABORT_MAGIC) {
        state.setAborts(abortOf(b));
        records++;
        offset += RECORD_BYTES;
        continue;
      }
      byte[] nonce = Arrays.copyOfRange(r, 4, 20);
      KeyId licensee = KeyId.of(Arrays.copyOfRange(r, 20, 52));
      long n = Integer.toUnsignedLong(b.getInt(84));
      long expires = b.getLong(96);
      if (state.spent(nonce)) {
        throw new LedgerException("ledger " + path + " records nonce twice at byte " + offset
            + "; refusing to start");
      }
      state.apply(nonce, licensee, n, expires);
      state.maybePrune(clock.instant());
      records++;
      offset += RECORD_BYTES;
    }
    long discarded = fileSize - offset;
    if (discarded > 0) {
      file.setLength(offset);
      file.getFD().sync();
    }
    size = offset;
    return new long[] {records, discarded};
  }

  private void readFully(ByteBuffer buf, long position) throws IOException {
    long p = position;
    file.seek(p);
    while (buf.hasRemaining()) {
      int n = file.read(buf.array(), buf.position(), buf.remaining());
      if (n < 0) {
        return;
      }
      buf.position(buf.position() + n);
    }
  }

  @Override
  public synchronized SpendReceipt spend(VerifiedPermission p) {
    checkUsable();
    long quota = quotas.quotaOf(p.licensee());
    byte[] nonce = p.nonce();
    state.check(nonce, p.licensee(), p.inferences(), quota, p.expiresAt());
    try {
      append(record(p, nonce));
    } catch (IOException e) {
      throw new LedgerException("cannot record the spend in ledger " + path + ": "
          + e.getMessage() + "; the permission was not charged", e);
    }
    long after = state.apply(nonce, p.licensee(), p.inferences(), p.expiresAt().getEpochSecond());
    state.maybePrune(clock.instant());
    return new SpendReceipt(p, after, quota);
  }

  /**
   * Appends one record and forces it to disk. On failure the record may be partly on disk: it is
   * cut off if possible; if not, the ledger stops acknowledging anything, since recovery at the
   * next start discards a torn tail but a later record after it would make it look like damage.
   */
  private void append(byte[] record) throws IOException {
    try {
      file.seek(size);
      if (tearNextAppendAt >= 0) {
        int at = tearNextAppendAt;
        tearNextAppendAt = -1;
        file.write(record, 0, at);
        throw new IOException("injected write failure after " + at + " bytes");
      }
      file.write(record);
      file.getFD().sync();
    } catch (IOException e) {
      try {
        file.setLength(size);
        file.getFD().sync();
      } catch (IOException e2) {
        failed = true;
      }
      throw e;
    }
    size += RECORD_BYTES;
  }

  /** Test-only: the next append writes {@code bytes} bytes of its record, then fails. */
  synchronized void tearNextAppend(int bytes) {
    if (bytes < 0 || bytes >= RECORD_BYTES) {
      throw new IllegalArgumentException("tear at 0.." + (RECORD_BYTES - 1));
    }
    tearNextAppendAt = bytes;
  }

  @Override
  public synchronized AbortRecord recordAbort(KeyId licensee, int reasonCode) {
    AbortRecord.checkReason(reasonCode);
    Objects.requireNonNull(licensee, "licensee");
    checkUsable();
    AbortRecord r = state.nextAbort(licensee, reasonCode, clock.instant());
    ByteWriter w = ByteWriter.bigEndian().u32(ABORT_MAGIC).bytes(licensee.bytes())
        .u64(r.count()).u32(r.lastReason()).u64(r.lastAt().getEpochSecond());
    try {
      append(sealRecord(w));
    } catch (IOException e) {
      throw new LedgerException("cannot record the abort in ledger " + path + ": "
          + e.getMessage() + "; it was not counted", e);
    }
    state.setAborts(r);
    return r;
  }

  private static AbortRecord abortOf(ByteBuffer b) {
    byte[] id = new byte[32];
    b.get(4, id);
    return new AbortRecord(KeyId.of(id), b.getLong(36), b.getInt(44),
        java.time.Instant.ofEpochSecond(b.getLong(48)));
  }

  @Override
  public synchronized AbortRecord aborts(KeyId licensee) {
    return state.aborts(licensee);
  }

  private void checkUsable() {
    if (closed) {
      throw new LedgerException("ledger " + path + " is closed");
    }
    if (failed) {
      throw new LedgerException("ledger " + path + " failed to record a spend or an abort "
          + "earlier; restart the service to recover it");
    }
  }

  private byte[] record(VerifiedPermission p, byte[] nonce) {
    return sealRecord(ByteWriter.bigEndian().u32(RECORD_MAGIC).bytes(nonce)
        .bytes(p.licensee().bytes()).bytes(p.modelId().bytes()).u32(p.inferences())
        .u64(clock.instant().getEpochSecond()).u64(p.expiresAt().getEpochSecond()));
  }

  /** Zero-pads a record's fields to its fixed size and appends their CRC-32C. */
  private static byte[] sealRecord(ByteWriter fields) {
    if (fields.size() > RECORD_BYTES - 4) {
      throw new IllegalStateException("a ledger record's fields take " + fields.size() + " bytes");
    }
    byte[] r = java.util.Arrays.copyOf(fields.toByteArray(), RECORD_BYTES);
    ByteBuffer.wrap(r).putInt(RECORD_BYTES - 4, crc(r, 0, RECORD_BYTES - 4));
    return r;
  }

  private static int crc(byte[] a, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(a, off, len);
    return (int) c.getValue();
  }

  @Override
  public synchronized long charged(KeyId licensee) {
    return state.charged(licensee);
  }

  @Override
  public synchronized boolean isSpent(byte[] nonce) {
    return state.spent(nonce);
  }

  /** Number of spend records replayed when the ledger was opened. */
  public long recoveredRecords() {
    return recoveredRecords;
  }

  /** Bytes of a torn last record cut off when the ledger was opened (0 after a clean stop). */
  public long discardedBytes() {
    return discardedBytes;
  }

  /** The ledger file. */
  public Path path() {
    return path;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      file.close(); // releases the lock with the descriptor
    } catch (IOException e) {
      throw new LedgerException("cannot close ledger " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "FileLedger(" + path + ", " + state.size() + " spends)";
  }
}
