package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import dev.oml.core.permission.PermissionException;

/**
 * Spending the permission would charge the licensee beyond its quota: {@code charged + n >
 * quota}. Nothing was charged and the nonce stays unspent. The fields record the state the
 * decision was made on, so that a caller (and a test) can see that the refusal was necessary.
 */
public final class QuotaExceededException extends PermissionException {
  private static final long serialVersionUID = 1L;

  private final transient KeyId licensee;
  private final long quota;
  private final long charged;
  private final long requested;

  public QuotaExceededException(KeyId licensee, long quota, long charged, long requested) {
    super("licensee " + licensee + " has used " + charged + " of its " + quota
        + " inferences; " + requested + " more would exceed its quota");
    this.licensee = licensee;
    this.quota = quota;
    this.charged = charged;
    this.requested = requested;
  }

  public KeyId licensee() {
    return licensee;
  }

  public long quota() {
    return quota;
  }

  /** Inferences already charged when the spend was refused. */
  public long charged() {
    return charged;
  }

  /** The {@code n} of the refused permission. */
  public long requested() {
    return requested;
  }
}
