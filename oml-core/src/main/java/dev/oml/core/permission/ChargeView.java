package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;

/**
 * A read-only view of how much of each licensee's quota is already charged, usually
 * {@code ledger::charged}. The issuer uses it only to refuse early a request that cannot fit
 * in what remains; the ledger's spend stays the one authoritative, atomic check.
 */
@FunctionalInterface
public interface ChargeView {
  /** Inferences charged to {@code licensee} so far. */
  long charged(KeyId licensee);
}
