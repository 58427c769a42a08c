package dev.oml.service.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.OmlException;
import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.LedgerException;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.permission.InvalidSignatureException;
import dev.oml.core.permission.LicenseeProofException;
import dev.oml.core.permission.LicenseeSuspendedException;
import dev.oml.core.permission.MalformedPermissionException;
import dev.oml.core.permission.PermissionExpiredException;
import dev.oml.core.permission.PermissionMismatchException;
import dev.oml.core.permission.PermissionNotYetValidException;
import dev.oml.core.permission.PolicyViolationException;
import dev.oml.core.permission.UnknownLicenseeException;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.ContextMismatchException;
import dev.oml.he.HeException;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.InvalidParametersException;
import dev.oml.he.MalformedDataException;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.inference.ImageCountException;
import dev.oml.he.inference.MalformedQueryException;
import dev.oml.he.inference.UnsupportedModelException;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.UnsupportedLayerException;
import dev.oml.service.transport.AbortReason;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every error code travels through a real abort frame and comes back as the exception type the
 * sender raised, with its message and fields; foreign exceptions travel without their message.
 */
class ErrorCodeTest {
  private static final TransportConfig FAST = new TransportConfig(1 << 20, Duration.ofSeconds(5),
      Duration.ofSeconds(5), Duration.ofSeconds(5));
  private static final KeyId LICENSEE = KeyId.of(new byte[KeyId.BYTES]);
  private static ExecutorService pool;

  @BeforeAll
  static void startPool() {
    pool = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stopPool() throws InterruptedException {
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
  }

  /** What the owner's side might raise for each code (a switch expression: a new code must be added here). */
  private static Throwable sample(ErrorCode c) {
    return switch (c) {
      case PROTOCOL_ABORT -> new ProtocolAbortException("flight 2 is malformed");
      case SERVER_BUSY -> new ServerBusyException("server shutting down");
      case UNKNOWN_SERVICE -> new UnknownServiceException("unknown service");
      case INTERNAL_ERROR -> new IllegalStateException("seed 0x5ec2e7 leaked by a bug");
      case OTHER -> new OmlException("something of this library");
      case MALFORMED_PERMISSION -> new MalformedPermissionException("bad tag");
      case INVALID_SIGNATURE -> new InvalidSignatureException("signature does not verify");
      case PERMISSION_EXPIRED -> new PermissionExpiredException("expired at noon");
      case PERMISSION_NOT_YET_VALID -> new PermissionNotYetValidException("issued tomorrow");
      case PERMISSION_MISMATCH -> new PermissionMismatchException(
          PermissionMismatchException.Field.BINDING, "bound to another first message");
      case LICENSEE_PROOF -> new LicenseeProofException("no proof of possession");
      case UNKNOWN_LICENSEE -> new UnknownLicenseeException("not on the allow-list");
      case POLICY_VIOLATION -> new PolicyViolationException("mode not allowed");
      case PERMISSION_REPLAYED -> new PermissionReplayedException("nonce spent before");
      case QUOTA_EXCEEDED -> new QuotaExceededException(LICENSEE, 10, 8, 5);
      case LEDGER_FAILURE -> new LedgerException("disk full");
      case PERMIT_REFUSED -> new PermitRefusedException("closed for the night");
      case LICENSEE_SUSPENDED -> new LicenseeSuspendedException(LICENSEE, 4, 3);
      case MODE_NOT_ALLOWED ->
          new dev.oml.core.permission.ModeNotAllowedException("no HE for this licensee");
      case MODEL_NOT_SERVED -> new ModelNotServedException("no key share for m");
      case UNSUPPORTED_MODEL -> new UnsupportedModelException("too deep");
      case UNSUPPORTED_LAYER -> new UnsupportedLayerException("square");
      case BUNDLE_EXHAUSTED -> new BundleExhaustedException("no query left");
      case HE_FAILURE -> new HeException("an HE failure");
      case MALFORMED_QUERY -> new MalformedQueryException("short ciphertext");
      case IMAGE_COUNT -> new ImageCountException("too many images");
      case CONTEXT_MISMATCH -> new ContextMismatchException("other context");
      case INVALID_PARAMETERS -> new InvalidParametersException("N too small");
      case NOISE_BUDGET -> new NoiseBudgetException("budget exhausted");
      case MALFORMED_DATA -> new MalformedDataException("bad bytes");
      case INCOMPATIBLE_OPERANDS -> new IncompatibleOperandsException("scales differ");
      case HE_MODEL_NOT_SERVED ->
          new dev.oml.he.inference.HeModelNotServedException("no HE model m");
    };
  }

  private static InetSocketAddress addr(ServerSocket s) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
  }

  @Test
  void everyCodeRoundTripsThroughAnAbortFrameAsTheSameType() throws Exception {
    Set<Integer> numbers = new HashSet<>();
    try (ServerSocket server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      for (ErrorCode code : ErrorCode.values()) {
        assertTrue(numbers.add(code.code()), "code number used twice: " + code);
        Throwable sent = sample(code);
        assertEquals(code, ErrorCode.of(sent));
        Future<?> owner = pool.submit(() -> {
          FramedChannel.over(server.accept(), FAST).abort(ErrorCode.reasonFor(sent));
          return null;
        });
        try (FramedChannel licensee = FramedChannel.connect(addr(server), null, FAST)) {
          PeerAbortedException aborted = assertThrows(PeerAbortedException.class, licensee::receive);
          assertEquals(code.code(), aborted.reason().code());
          OmlException got = ErrorCode.toException(aborted);
          assertSame(aborted, got.getCause(), code.toString());
          if (code == ErrorCode.INTERNAL_ERROR) {
            // a foreign exception's message might name anything: it stays on the owner's side
            assertEquals(ProtocolAbortException.class, got.getClass());
            assertFalse(got.getMessage().contains("5ec2e7"), got.getMessage());
            assertTrue(got.getMessage().contains("internal error"), got.getMessage());
          } else {
            assertEquals(sent.getClass(), got.getClass(), code.toString());
            assertEquals(sent.getMessage(), got.getMessage(), code.toString());
          }
          if (sent instanceof QuotaExceededException q) {
            QuotaExceededException r = (QuotaExceededException) got;
            assertEquals(q.licensee(), r.licensee());
            assertEquals(q.quota(), r.quota());
            assertEquals(q.charged(), r.charged());
            assertEquals(q.requested(), r.requested());
          }
          if (sent instanceof LicenseeSuspendedException x) {
            LicenseeSuspendedException r = (LicenseeSuspendedException) got;
            assertEquals(x.licensee(), r.licensee());
            assertEquals(x.aborts(), r.aborts());
            assertEquals(x.limit(), r.limit());
          }
          if (sent instanceof PermissionMismatchException m) {
            assertEquals(m.field(), ((PermissionMismatchException) got).field());
          }
        }
        owner.get(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void subclassesTravelAsTheirNearestRegisteredTypeAndUnknownCodesStayAborts() {
    HeException sub = new HeException("a new kind of HE failure") { };
    assertEquals(ErrorCode.HE_FAILURE, ErrorCode.of(sub));
    PeerAbortedException future = new PeerAbortedException(AbortReason.of(999, new byte[0], "from a newer owner"));
    assertSame(future, ErrorCode.toException(future));
    PeerAbortedException plain = new PeerAbortedException(AbortReason.plain("timed out"));
    assertSame(plain, ErrorCode.toException(plain));
    // malformed details of a typed refusal are a protocol error, not a made-up quota
    PeerAbortedException bad = new PeerAbortedException(
        AbortReason.of(ErrorCode.QUOTA_EXCEEDED.code(), new byte[3], "quota"));
    assertEquals(ProtocolAbortException.class, ErrorCode.toException(bad).getClass());
  }

  @Test
  void reasonsEncodeDecodeAndOldPlainReasonsStillRead() {
    byte[] details = new byte[40];
    new Random(3).nextBytes(details);
    AbortReason r = AbortReason.of(19, details, "line one\nline two");
    AbortReason back = AbortReason.decode(r.encode());
    assertEquals(19, back.code());
    assertArrayEquals(details, back.details());
    assertEquals("line one?line two", back.message());
    AbortReason old = AbortReason.decode("timed out waiting for a message".getBytes(StandardCharsets.US_ASCII));
    assertEquals(0, old.code());
    assertEquals("timed out waiting for a message", old.message());
    assertNull(ErrorCode.toException(old));
    assertThrows(ProtocolAbortException.class, () -> AbortReason.decode(new byte[] {0, 0, 19, 9, 1}));
    assertThrows(IllegalArgumentException.class, () -> AbortReason.of(70_000, new byte[0], "x"));
    assertThrows(IllegalArgumentException.class, () -> AbortReason.of(1, new byte[256], "x"));
    assertEquals(AbortReason.MAX_MESSAGE, AbortReason.plain("x".repeat(5000)).message().length());
  }
}
