package dev.oml.he.seal.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.KeyGenerator;
import dev.oml.he.conformance.TestParameters;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One owner per native pointer: freed exactly once (by close or by the cleaner), and refusing
 * use after close. The first tests need no native library; the last one runs against SEAL.
 */
class NativeHandleTest {
  private static final class Counted extends NativeHandle {
    Counted(Pointer p, AtomicInteger frees) {
      this(p, frees, 0);
    }

    Counted(Pointer p, AtomicInteger frees, long bytes) {
      super(p, x -> frees.incrementAndGet(), "test object", bytes);
    }
  }

  @Test
  void forgottenHandlesCannotPileUpNativeMemoryWithoutBound() {
    // 4 GiB claimed in 16 MiB handles, none closed, none kept: collections requested by the
    // handles themselves keep the unreleased total near the threshold, not at 4 GiB.
    AtomicInteger frees = new AtomicInteger();
    long most = 0;
    for (int i = 0; i < 256; i++) {
      new Counted(new Pointer(0x2000 + i), frees, 16L << 20);
      most = Math.max(most, NativeHandle.unreleasedBytes());
    }
    assertTrue(most < (1L << 30), "unreleased native bytes reached " + most);
    assertTrue(frees.get() > 100, "only " + frees.get() + " handles were cleaned");
  }

  @Test
  void closeFreesOnceAndRefusesLaterUse() {
    AtomicInteger frees = new AtomicInteger();
    Counted h = new Counted(new Pointer(0x1000), frees);
    assertFalse(h.isClosed());
    assertEquals(0x1000, Pointer.nativeValue(h.pointer()));
    h.close();
    h.close();
    assertEquals(1, frees.get());
    assertTrue(h.isClosed());
    IllegalStateException e = assertThrows(IllegalStateException.class, h::pointer);
    assertTrue(e.getMessage().contains("test object has been closed"));
  }

  @Test
  void unreachableHandlesAreFreedByTheCleaner() throws InterruptedException {
    AtomicInteger frees = new AtomicInteger();
    for (int i = 0; i < 100; i++) {
      new Counted(new Pointer(0x1000 + i), frees);
    }
    for (int tries = 0; tries < 100 && frees.get() < 100; tries++) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(100, frees.get());
  }

  @Test
  void nullPointersAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Counted(null, new AtomicInteger()));
  }

  @Test
  void aClosedSealCiphertextIsRefusedNotDereferenced() {
    Assumptions.assumeTrue(SealNative.isAvailable(), "SEAL native library not found: set "
        + "OML_SEAL_LIBRARY; " + SealNative.unavailableReason());
    HeContext ctx = SealBackend.INSTANCE.createContext(TestParameters.INSECURE_BFV_BATCHING);
    KeyGenerator kg = ctx.keyGenerator();
    Ciphertext c = ctx.encryptor(kg.createPublicKey()).encrypt(
        ctx.bfvEncoder().encode(new long[] {7}));
    assertEquals(7, ctx.bfvEncoder().decode(ctx.decryptor(kg.secretKey()).decrypt(c))[0]);
    ((NativeHandle) c).close();
    assertThrows(IllegalStateException.class, () -> ctx.evaluator().add(c, c));
    assertThrows(IllegalStateException.class, () -> ctx.serializer().save(c));
  }
}
