package dev.oml.service.server;

import dev.oml.core.OmlException;
import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.LedgerException;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.permission.InvalidSignatureException;
import dev.oml.core.permission.LicenseeProofException;
import dev.oml.core.permission.LicenseeSuspendedException;
import dev.oml.core.permission.MalformedPermissionException;
import dev.oml.core.permission.ModeNotAllowedException;
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
import dev.oml.he.inference.HeModelNotServedException;
import dev.oml.he.inference.ImageCountException;
import dev.oml.he.inference.MalformedQueryException;
import dev.oml.he.inference.UnsupportedModelException;
import dev.oml.mpc.inference.BundleExhaustedException;
import dev.oml.mpc.inference.UnsupportedLayerException;
import dev.oml.service.transport.AbortReason;
import dev.oml.service.transport.PeerAbortedException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The registry of error codes on the wire: every failure the owner reports to a licensee (in an
 * abort frame, or as a refusal of the permit desk) travels as one of these codes, with its
 * message and, where the exception has fields, a few bytes of details; the licensee's side
 * raises the same exception type again with {@link #toException}. The owner's side picks the
 * code with {@link #reasonFor}: the exception's own class, else its nearest registered
 * superclass; a failure that is not an {@link OmlException} travels as {@link #INTERNAL_ERROR}
 * without its message (it might name anything). Codes are stable: new ones are appended, none
 * is reused; a code this side does not know comes back as the {@link PeerAbortedException}
 * itself.
 */
public enum ErrorCode {
  /** A message was missing, malformed or out of order, or a session timed out. */
  PROTOCOL_ABORT(1, ProtocolAbortException.class, r -> new ProtocolAbortException(r.message())),
  /** The server is at its session limit or shutting down. */
  SERVER_BUSY(2, ServerBusyException.class, r -> new ServerBusyException(r.message())),
  /** The client asked for a service this server does not host. */
  UNKNOWN_SERVICE(3, UnknownServiceException.class, r -> new UnknownServiceException(r.message())),
  /** The owner failed for a reason that is not this library's (a bug); no details travel. */
  INTERNAL_ERROR(4, null, r -> new ProtocolAbortException("the owner failed: " + r.message())),
  /** Any other failure of this library. */
  OTHER(5, OmlException.class, r -> new OmlException(r.message())),

  /** {@link MalformedPermissionException}. */
  MALFORMED_PERMISSION(10, MalformedPermissionException.class,
      r -> new MalformedPermissionException(r.message())),
  /** {@link InvalidSignatureException}. */
  INVALID_SIGNATURE(11, InvalidSignatureException.class,
      r -> new InvalidSignatureException(r.message())),
  /** {@link PermissionExpiredException}. */
  PERMISSION_EXPIRED(12, PermissionExpiredException.class,
      r -> new PermissionExpiredException(r.message())),
  /** {@link PermissionNotYetValidException}. */
  PERMISSION_NOT_YET_VALID(13, PermissionNotYetValidException.class,
      r -> new PermissionNotYetValidException(r.message())),
  /** {@link PermissionMismatchException}; the details are the mismatched claim. */
  PERMISSION_MISMATCH(14, PermissionMismatchException.class, ErrorCode::mismatch),
  /** {@link LicenseeProofException}. */
  LICENSEE_PROOF(15, LicenseeProofException.class, r -> new LicenseeProofException(r.message())),
  /** {@link UnknownLicenseeException}. */
  UNKNOWN_LICENSEE(16, UnknownLicenseeException.class,
      r -> new UnknownLicenseeException(r.message())),
  /** {@link PolicyViolationException}. */
  POLICY_VIOLATION(17, PolicyViolationException.class,
      r -> new PolicyViolationException(r.message())),
  /** {@link PermissionReplayedException}. */
  PERMISSION_REPLAYED(18, PermissionReplayedException.class,
      r -> new PermissionReplayedException(r.message())),
  /** {@link QuotaExceededException}; the details are its licensee and numbers. */
  QUOTA_EXCEEDED(19, QuotaExceededException.class, ErrorCode::quota),
  /** {@link LedgerException}: the owner's ledger could not record a spend. */
  LEDGER_FAILURE(20, LedgerException.class, r -> new LedgerException(r.message())),
  /** {@link PermitRefusedException}. */
  PERMIT_REFUSED(21, PermitRefusedException.class, ErrorCode::permitRefused),
  /** {@link LicenseeSuspendedException}; the details are its licensee, abort count and limit. */
  LICENSEE_SUSPENDED(22, LicenseeSuspendedException.class, ErrorCode::suspended),
  /** {@link ModeNotAllowedException}: the policy does not allow this licensee the mode. */
  MODE_NOT_ALLOWED(23, ModeNotAllowedException.class,
      r -> new ModeNotAllowedException(r.message())),

  /** {@link ModelNotServedException}. */
  MODEL_NOT_SERVED(30, ModelNotServedException.class,
      r -> new ModelNotServedException(r.message())),
  /** {@link UnsupportedModelException}: the HE mode cannot run the model. */
  UNSUPPORTED_MODEL(31, UnsupportedModelException.class,
      r -> new UnsupportedModelException(r.message())),
  /** {@link UnsupportedLayerException}: the two-party mode cannot run the model. */
  UNSUPPORTED_LAYER(32, UnsupportedLayerException.class,
      r -> new UnsupportedLayerException(r.message())),
  /** {@link BundleExhaustedException}. */
  BUNDLE_EXHAUSTED(33, BundleExhaustedException.class,
      r -> new BundleExhaustedException(r.message())),

  /** Any other {@link HeException}. */
  HE_FAILURE(40, HeException.class, r -> new HeException(r.message())),
  /** {@link MalformedQueryException}. */
  MALFORMED_QUERY(41, MalformedQueryException.class, r -> new MalformedQueryException(r.message())),
  /** {@link ImageCountException}. */
  IMAGE_COUNT(42, ImageCountException.class, r -> new ImageCountException(r.message())),
  /** {@link ContextMismatchException}. */
  CONTEXT_MISMATCH(43, ContextMismatchException.class,
      r -> new ContextMismatchException(r.message())),
  /** {@link InvalidParametersException}. */
  INVALID_PARAMETERS(44, InvalidParametersException.class,
      r -> new InvalidParametersException(r.message())),
  /** {@link NoiseBudgetException}. */
  NOISE_BUDGET(45, NoiseBudgetException.class, r -> new NoiseBudgetException(r.message())),
  /** {@link MalformedDataException}. */
  MALFORMED_DATA(46, MalformedDataException.class, r -> new MalformedDataException(r.message())),
  /** {@link IncompatibleOperandsException}. */
  INCOMPATIBLE_OPERANDS(47, IncompatibleOperandsException.class,
      r -> new IncompatibleOperandsException(r.message())),
  /** {@link HeModelNotServedException}: no HE model of the id a session request names. */
  HE_MODEL_NOT_SERVED(48, HeModelNotServedException.class,
      r -> new HeModelNotServedException(r.message()));

  private static final Map<Integer, ErrorCode> BY_CODE = new HashMap<>();
  private static final Map<Class<?>, ErrorCode> BY_TYPE = new HashMap<>();

  static {
    for (ErrorCode c : values()) {
      if (BY_CODE.put(c.code, c) != null || (c.type != null && BY_TYPE.put(c.type, c) != null)) {
        throw new ExceptionInInitializerError("duplicate error code or type: " + c);
      }
    }
  }

  private final int code;
  private final Class<? extends Throwable> type;
  private final Function<AbortReason, OmlException> rebuild;

  ErrorCode(int code, Class<? extends Throwable> type, Function<AbortReason, OmlException> rebuild) {
    this.code = code;
    this.type = type;
    this.rebuild = rebuild;
  }

  /** The number on the wire. */
  public int code() {
    return code;
  }

  /** The exception type this code stands for ({@code null} for {@link #INTERNAL_ERROR}). */
  public Class<? extends Throwable> type() {
    return type;
  }

  /** The code of a failure: its class's, else its nearest registered superclass's. */
  public static ErrorCode of(Throwable failure) {
    for (Class<?> c = failure.getClass(); c != null; c = c.getSuperclass()) {
      ErrorCode e = BY_TYPE.get(c);
      if (e != null) {
        return e;
      }
    }
    return INTERNAL_ERROR;
  }

  /**
   * What to tell the peer about {@code failure}: its code, details and message (an exception
   * that is not an {@link OmlException} travels as "internal error", without its message).
   */
  public static AbortReason reasonFor(Throwable failure) {
    ErrorCode c = of(failure);
    if (c == INTERNAL_ERROR) {
      return AbortReason.of(c.code, new byte[0], "internal error");
    }
    byte[] details = new byte[0];
    if (failure instanceof QuotaExceededException q && q.licensee() != null) {
      details = ByteBuffer.allocate(KeyId.BYTES + 24).put(q.licensee().bytes()).putLong(q.quota())
          .putLong(q.charged()).putLong(q.requested()).array();
    } else if (failure instanceof LicenseeSuspendedException x) {
      details = ByteBuffer.allocate(KeyId.BYTES + 12).put(x.licensee().bytes()).putLong(x.aborts())
          .putInt(x.limit()).array();
    } else if (failure instanceof PermissionMismatchException m) {
      details = new byte[] {(byte) m.field().ordinal()};
    }
    String message = failure.getMessage();
    return AbortReason.of(c.code, details, message == null ? c.name() : message);
  }

  /**
   * The exception the peer raised, rebuilt from what it said: same type, same message, with
   * {@code aborted} as its cause. A code this side does not know, or code 0, gives back {@code
   * aborted} itself.
   */
  public static OmlException toException(PeerAbortedException aborted) {
    OmlException e = toException(aborted.reason());
    if (e == null) {
      return aborted;
    }
    e.initCause(aborted);
    return e;
  }

  /** As {@link #toException(PeerAbortedException)} for a reason without an abort; null if unknown. */
  static OmlException toException(AbortReason reason) {
    ErrorCode c = BY_CODE.get(reason.code());
    return c == null ? null : c.rebuild.apply(reason);
  }

  private static OmlException mismatch(AbortReason r) {
    byte[] d = r.details();
    PermissionMismatchException.Field[] fields = PermissionMismatchException.Field.values();
    if (d.length != 1 || (d[0] & 0xFF) >= fields.length) {
      return new ProtocolAbortException("malformed details of a permission mismatch: " + r.message());
    }
    return new PermissionMismatchException(fields[d[0] & 0xFF], r.message());
  }

  private static OmlException quota(AbortReason r) {
    byte[] d = r.details();
    if (d.length != KeyId.BYTES + 24) {
      return new ProtocolAbortException("malformed details of a quota refusal: " + r.message());
    }
    ByteBuffer b = ByteBuffer.wrap(d);
    byte[] id = new byte[KeyId.BYTES];
    b.get(id);
    return new QuotaExceededException(KeyId.of(id), b.getLong(), b.getLong(), b.getLong());
  }

  private static OmlException suspended(AbortReason r) {
    byte[] d = r.details();
    if (d.length != KeyId.BYTES + 12) {
      return new ProtocolAbortException("malformed details of a suspension: " + r.message());
    }
    ByteBuffer b = ByteBuffer.wrap(d);
    byte[] id = new byte[KeyId.BYTES];
    b.get(id);
    return new LicenseeSuspendedException(KeyId.of(id), b.getLong(), b.getInt());
  }

  private static OmlException permitRefused(AbortReason r) {
    String prefix = "the owner refused the permit request: ";
    String m = r.message();
    return new PermitRefusedException(m.startsWith(prefix) ? m.substring(prefix.length()) : m);
  }
}
