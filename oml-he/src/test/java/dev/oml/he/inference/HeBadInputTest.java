package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.permission.PermissionException;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.HeBackends;
import dev.oml.he.HeException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Malformed queries get a typed error before the permission is spent (nothing charged, nonce
 * unspent), and the owner session still answers a good query afterwards: ciphertexts for other
 * parameters, wrong sizes and counts, garbage, tampered coefficients, a permission bound to
 * another message, a permission for fewer images than sent, keys for another plan.
 */
class HeBadInputTest {
  private static final HeFixture FX = Shared.FX;

  private static long charged() {
    return FX.ledger.charged(FX.licensee.keyId());
  }

  /** Runs {@code bad}, expects {@code type}, and checks that nothing was spent. */
  private static <T extends Throwable> void refusedUnspent(Class<T> type, PermissionToken t,
      Executable bad) {
    long before = charged();
    assertThrows(type, bad);
    assertEquals(before, charged(), "nothing charged");
    if (t != null) {
      assertFalse(FX.ledger.isSpent(t.unverifiedClaims().nonce()), "nonce not spent");
    }
  }

  private static byte[] first(PermissionToken t, byte[] payload) {
    return PermittedQuery.create(FX.licensee, t, payload).encode();
  }

  @Test
  void malformedQueriesAreRefusedBeforeSpendingAndTheOwnerGoesOn() {
    HeOwnerSession owner = Shared.owner();
    double[][] one = HeFixture.images(Shared.DATA, 0, 1);
    HeQuery good = Shared.USER.encrypt(one);
    byte[] p = good.payload();

    // Truncated, extended, garbage.
    byte[] cut = Arrays.copyOf(p, p.length - 100);
    PermissionToken t1 = FX.permit(1, cut);
    refusedUnspent(MalformedQueryException.class, t1, () -> owner.answer(first(t1, cut)));
    byte[] longer = Arrays.copyOf(p, p.length + 8);
    PermissionToken t2 = FX.permit(1, longer);
    refusedUnspent(MalformedQueryException.class, t2, () -> owner.answer(first(t2, longer)));
    byte[] garbage = new byte[5000];
    FX.random.nextBytes(garbage);
    PermissionToken t3 = FX.permit(1, garbage);
    refusedUnspent(MalformedQueryException.class, t3, () -> owner.answer(first(t3, garbage)));
    refusedUnspent(ProtocolAbortException.class, null, () -> owner.answer(new byte[10]));

    // A coefficient pushed beyond its prime inside the first ciphertext.
    byte[] bad = p.clone();
    int at = 4 + 32 + 32 + 4 + 4 + 4 + 200;
    Arrays.fill(bad, at, at + 8, (byte) 0xff);
    PermissionToken t4 = FX.permit(1, bad);
    refusedUnspent(MalformedQueryException.class, t4, () -> owner.answer(first(t4, bad)));

    // Image count that needs another number of ciphertexts (3 images need 2 of them).
    byte[] count = p.clone();
    count[4 + 64] = 3;
    PermissionToken t5 = FX.permit(3, count);
    refusedUnspent(MalformedQueryException.class, t5, () -> owner.answer(first(t5, count)));

    // A permission bound to another message.
    PermissionToken other = FX.permit(1, Shared.USER.encrypt(one).payload());
    refusedUnspent(PermissionException.class, other, () -> owner.answer(first(other, p)));

    // A permission for fewer images than the query carries.
    HeQuery two = Shared.USER.encrypt(HeFixture.images(Shared.DATA, 0, 2));
    PermissionToken fewer = FX.permit(1, two.payload());
    refusedUnspent(ImageCountException.class, fewer,
        () -> owner.answer(first(fewer, two.payload())));

    // The owner is unaffected: a good query is answered and charged once.
    long before = charged();
    byte[] goodFirst = first(FX.permit(good), p);
    HeResult r = Shared.USER.decrypt(good, owner.answer(goodFirst));
    assertEquals(before + 1, charged());
    assertEquals(1, r.size());
    // Replaying the same first message is refused by the ledger, before any evaluation.
    assertThrows(dev.oml.core.ledger.PermissionReplayedException.class,
        () -> owner.answer(goodFirst));
    assertEquals(before + 1, charged());
  }

  @Test
  void ciphertextsAndKeysForOtherParametersAreRefused() {
    // Same model, another plan (an INSECURE N = 2048 ring: other primes, one image per ciphertext).
    HeCompiledModel small = HeCompiledModel.compile(Shared.MODEL, FX.modelId,
        HeBackends.pureJava(), HePlanOptions.builder().withoutFloodingForMeasurement()
            .insecureRingForTesting(2048).build());
    HeUserSession stranger = HeUserSession.openInsecureForTesting(HeBackends.pureJava(), small.plan().encode());
    HeOwnerSession owner = Shared.owner();
    HeQuery q = stranger.encrypt(HeFixture.images(Shared.DATA, 0, 1));
    PermissionToken t = FX.permit(q);
    refusedUnspent(MalformedQueryException.class, t, () -> owner.answer(first(t, q.payload())));
    HeOwnerSession fresh = new HeOwnerSession(Shared.COMPILED, FX.gate);
    assertThrows(MalformedQueryException.class, () -> fresh.acceptKeys(stranger.sessionKeys()));
    // A query before any keys.
    HeQuery g = Shared.USER.encrypt(HeFixture.images(Shared.DATA, 0, 1));
    PermissionToken tg = FX.permit(g);
    refusedUnspent(MalformedQueryException.class, tg, () -> fresh.answer(first(tg, g.payload())));
    // Keys whose Galois part is garbage.
    byte[] keys = Shared.USER.sessionKeys();
    byte[] broken = Arrays.copyOf(keys, keys.length - 1000);
    assertThrows(HeException.class, () -> fresh.acceptKeys(broken));
  }
}
