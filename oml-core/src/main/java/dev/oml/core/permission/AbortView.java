package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;

/**
 * A read-only view of how many aborted queries each licensee has, usually
 * {@code licensee -> ledger.aborts(licensee).count()}. The permit desk uses it to refuse a
 * suspended licensee before signing anything; the gate reads the ledger itself.
 */
@FunctionalInterface
public interface AbortView {
  /** Aborts recorded for {@code licensee} so far. */
  long aborts(KeyId licensee);
}
