package dev.oml.core.ledger;

import dev.oml.core.keys.KeyId;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Spent nonces and charges per licensee; callers hold the ledger's lock. */
final class LedgerState {
  private final Set<ByteBuffer> nonces = new HashSet<>();
  private final Map<KeyId, Long> charged = new HashMap<>();

  boolean spent(byte[] nonce) {
    return nonces.contains(ByteBuffer.wrap(nonce.clone()));
  }

  long charged(KeyId licensee) {
    return charged.getOrDefault(licensee, 0L);
  }

  /** Checks a spend against replay and quota without changing anything. */
  void check(byte[] nonce, KeyId licensee, long n, long quota) {
    if (spent(nonce)) {
      throw new PermissionReplayedException("this permission was already spent; a permission pays "
          + "for its inferences once");
    }
    long c = charged(licensee);
    if (n > quota || c > quota - n) {
      throw new QuotaExceededException(licensee, quota, c, n);
    }
  }

  long apply(byte[] nonce, KeyId licensee, long n) {
    nonces.add(ByteBuffer.wrap(nonce.clone()));
    return charged.merge(licensee, n, Long::sum);
  }

  int size() {
    return nonces.size();
  }
}
