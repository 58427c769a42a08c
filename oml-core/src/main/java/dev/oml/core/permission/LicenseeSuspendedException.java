package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;

/**
 * The licensee is suspended: its ledger holds at least as many aborted queries as the owner's
 * policy allows ({@link PermissionPolicy#maxAborts()}), so the permit desk issues it nothing and
 * the gate admits none of its permissions. Each abort may have been a failed guess of a
 * licence-long MAC key, which is why the count is bounded. The fields and message carry the
 * licensee id, the count and the limit only; the owner lifts a suspension by raising the limit.
 */
public final class LicenseeSuspendedException extends PermissionException {
  private static final long serialVersionUID = 1L;

  private final transient KeyId licensee;
  private final long aborts;
  private final int limit;

  public LicenseeSuspendedException(KeyId licensee, long aborts, int limit) {
    super("licensee " + licensee + " is suspended: " + aborts + " aborted queries recorded, the"
        + " owner's policy suspends at " + limit);
    this.licensee = licensee;
    this.aborts = aborts;
    this.limit = limit;
  }

  public KeyId licensee() {
    return licensee;
  }

  /** Aborts recorded for the licensee when it was refused. */
  public long aborts() {
    return aborts;
  }

  /** The policy's {@code maxAborts} it was refused under. */
  public int limit() {
    return limit;
  }
}
