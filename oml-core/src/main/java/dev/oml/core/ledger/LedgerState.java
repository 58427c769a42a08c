package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import dev.oml.core.permission.PermissionExpiredException;
import dev.oml.core.permission.PermissionPolicy;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Spent nonces (with their permissions' expiry) and charges per licensee; callers hold the
 * ledger's lock.
 *
 * <p>Memory stays bounded by the permissions that are still valid: once the set reaches its
 * pruning size, nonces of permissions that expired more than the largest allowed clock skew ago
 * are dropped, and the <em>horizon</em> moves to that cutoff. From then on every permission that
 * expires at or before the horizon is refused at spend time, whatever the clock says later, so a
 * forgotten nonce can never be spent again. No verifier accepts such a permission anyway.
 */
final class LedgerState {
  /** Default number of remembered nonces at which expired ones are dropped. */
  static final int DEFAULT_PRUNE_AT = 1 << 20;

  private final Map<ByteBuffer, Long> nonces = new HashMap<>();
  private final Map<KeyId, Long> charged = new HashMap<>();
  private final Map<KeyId, AbortRecord> aborts = new HashMap<>();
  private final int pruneAt;
  private int nextPrune;
  private long horizon = Long.MIN_VALUE;

  LedgerState(int pruneAt) {
    this.pruneAt = pruneAt;
    this.nextPrune = pruneAt;
  }

  boolean spent(byte[] nonce) {
    return nonces.containsKey(ByteBuffer.wrap(nonce.clone()));
  }

  long charged(KeyId licensee) {
    return charged.getOrDefault(licensee, 0L);
  }

  /** Checks a spend against the horizon, replay and quota without changing anything. */
  void check(byte[] nonce, KeyId licensee, long n, long quota, Instant expiresAt) {
    if (expiresAt.getEpochSecond() <= horizon) {
      throw new PermissionExpiredException("the permission expired at " + expiresAt
          + "; the ledger no longer accepts it");
    }
    if (spent(nonce)) {
      throw new PermissionReplayedException("this permission was already spent; a permission pays "
          + "for its inferences once");
    }
    long c = charged(licensee);
    if (n > quota || c > quota - n) {
      throw new QuotaExceededException(licensee, quota, c, n);
    }
  }

  long apply(byte[] nonce, KeyId licensee, long n, long expiresAtEpochSecond) {
    nonces.put(ByteBuffer.wrap(nonce.clone()), expiresAtEpochSecond);
    return charged.merge(licensee, n, Long::sum);
  }

  AbortRecord aborts(KeyId licensee) {
    return aborts.getOrDefault(licensee, AbortRecord.none(licensee));
  }

  /**
   * The record that one more abort would make, without changing anything; its time is kept to
   * the second, as the durable ledgers store it.
   */
  AbortRecord nextAbort(KeyId licensee, int reasonCode, Instant at) {
    return new AbortRecord(licensee, aborts(licensee).count() + 1, reasonCode,
        Instant.ofEpochSecond(at.getEpochSecond()));
  }

  void setAborts(AbortRecord r) {
    aborts.put(r.licensee(), r);
  }

  /** Drops expired nonces if the set has grown to its pruning size. */
  void maybePrune(Instant now) {
    if (nonces.size() < nextPrune) {
      return;
    }
    long cutoff = now.getEpochSecond() - PermissionPolicy.MAX_SKEW.toSeconds();
    if (cutoff > horizon) {
      horizon = cutoff;
    }
    long h = horizon;
    nonces.values().removeIf(expiry -> expiry <= h);
    nextPrune = Math.max(pruneAt, 2 * nonces.size());
  }

  int size() {
    return nonces.size();
  }
}
