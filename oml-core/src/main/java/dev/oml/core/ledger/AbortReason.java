package dev.oml.core.ledger;

/**
 * Why an owner-side session aborted after its permission was admitted and charged; the code is
 * what {@link PermissionLedger#recordAbort} stores as the last reason. Codes are stable (they are
 * written into durable ledgers), small, and say only which kind of failure happened, never
 * anything about the messages' content.
 */
public enum AbortReason {
  /** A consistency or authentication check failed (KOS correlation check, MAC check, ...). */
  CHECK_FAILED(1),
  /** A message could not be parsed or does not fit the session (wrong shape, size, model). */
  MALFORMED_MESSAGE(2),
  /** A message arrived in a state that does not expect it (replayed stage, skipped flight). */
  OUT_OF_ORDER(3),
  /** The peer hung up or went silent in the middle of the bundle, not between queries. */
  PEER_HUNG_UP(4),
  /** An online query was not signed by the licensee the permission names. */
  BAD_QUERY_SIGNATURE(5);

  private final int code;

  AbortReason(int code) {
    this.code = code;
  }

  /** The reason code stored in the ledger, 1..{@value AbortRecord#MAX_REASON}. */
  public int code() {
    return code;
  }

  /** The reason with this code, or null for a code this version does not know. */
  public static AbortReason ofCode(int code) {
    for (AbortReason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return null;
  }
}
