package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;

/**
 * Where a ledger reads each licensee's total quota of inferences; usually
 * {@code policy::quotaOf} of the owner's {@code PermissionPolicy}. Read at each spend, so a
 * changed policy takes effect at once.
 */
@FunctionalInterface
public interface QuotaSource {
  /** The licensee's total quota; 0 refuses every spend. */
  long quotaOf(KeyId licensee);
}
