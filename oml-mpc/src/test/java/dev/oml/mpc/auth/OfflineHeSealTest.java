package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.oml.core.field.PrimeField;
import dev.oml.he.HeBackends;
import dev.oml.he.HeParameters;
import dev.oml.he.PredefinedParameters;
import dev.oml.mpc.auth.OfflineHe.EncryptedMask;
import dev.oml.mpc.auth.OfflineHe.EncryptedMatrix;
import dev.oml.mpc.auth.OfflineHe.OwnerShare;
import dev.oml.mpc.auth.OfflineHe.ProductAnswer;
import dev.oml.mpc.auth.OfflineHe.UserAnswer;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/**
 * The offline HE step with the licensee on SEAL and the owner on pure Java, over the wire
 * format: in both directions the owner's decryption and the licensee's share add up to the
 * plain product in {@code F_p} (the oracle), the licensee's share is authenticated under the
 * owner's keys, exactly as with the pure-Java licensee on the same inputs. Skipped where the
 * SEAL native library is absent.
 */
class OfflineHeSealTest {
  private final SecureRandom rng = new SecureRandom();
  private final MacKey alpha = new MacKey(OfflineHe.uniform(rng));

  private long[] rand(int n) {
    return OfflineHeTest.uniform(rng, n);
  }

  private void assertAuthenticated(AuthenticatedVector u, MacKeyVector k) {
    for (int i = 0; i < u.length(); i++) {
      assertEquals(PrimeField.add(k.key(i), PrimeField.mul(alpha.alpha(), u.value(i))), u.tag(i),
          "entry " + i);
    }
  }

  private AuthenticatedVector dealt(long[] v, MacKeyVector k) {
    return AuthenticatedVector.deal(v, alpha, k);
  }

  /** Both directions, the owner on {@code owner}'s step, the licensee on {@code licensee}'s. */
  private void bothDirections(OfflineHe owner, OfflineHe licensee, int rows, int cols) {
    OfflineHe.Owner o = owner.new Owner(alpha, rng);
    OfflineHe.User u = licensee.new User(OfflineHe.BundleKey.decode(o.bundleKey().encode()), rng);

    long[][] wO = new long[rows][];
    long[] flatWo = new long[rows * cols];
    for (int i = 0; i < rows; i++) {
      wO[i] = rand(cols);
      System.arraycopy(wO[i], 0, flatWo, i * cols, cols);
    }
    MacKeyVector kR = MacKeyVector.of(rand(cols));
    AuthenticatedVector r = dealt(rand(cols), kR);
    OfflineHe.Owner.EncryptedTiles tiles = o.encryptMatrix(wO);
    EncryptedMatrix m = EncryptedMatrix.decode(tiles.message().encode(), tiles.layout());
    long[] want = PrimeField.matVec(flatWo, rows, r.values(), null);
    // two queries on the same tiles (the licensee loads them once)
    for (int query = 0; query < 2; query++) {
      OfflineHe.Owner.MatrixSent sent = tiles.forMask(kR);
      UserAnswer a = u.answerMatrix(m, r, rows);
      OwnerShare s = sent.receive(ProductAnswer.decode(a.message().encode(), sent.layout()));
      assertArrayEquals(want, PrimeField.add(s.share(), a.share().values(), null));
      assertAuthenticated(a.share(), s.keys());
    }

    MacKeyVector kW = MacKeyVector.of(rand(rows * cols));
    AuthenticatedVector wU = dealt(rand(rows * cols), kW);
    OfflineHe.Owner.MaskSent sent = o.sendMask(rows, cols, kW);
    UserAnswer a = u.answerMask(EncryptedMask.decode(sent.message().encode(), sent.layout()), wU,
        rows, cols);
    OwnerShare s = sent.receive(ProductAnswer.decode(a.message().encode(), sent.layout()));
    assertArrayEquals(PrimeField.matVec(wU.values(), rows, sent.mask(), null),
        PrimeField.add(s.share(), a.share().values(), null));
    assertAuthenticated(a.share(), s.keys());
  }

  @Test
  void sealLicenseeAgainstPureJavaOwnerAtNetworkAShapes() {
    assumeTrue(HeBackends.isSealAvailable(), "SEAL native library not loaded");
    HeParameters p = PredefinedParameters.bfvPrimeField(OfflineHe.STANDARD_KAPPA);
    OfflineHe java = new OfflineHe(p, OfflineHe.STANDARD_KAPPA, HeBackends.pureJava());
    OfflineHe seal = new OfflineHe(p, OfflineHe.STANDARD_KAPPA, HeBackends.seal());
    assertSame(HeBackends.seal(), seal.productBackend());
    assertSame(HeBackends.pureJava(), java.productBackend());
    bothDirections(java, seal, 128, 784);
    bothDirections(java, seal, 10, 128);
  }

  @Test
  void sealLicenseeAtSmallParametersWithSeveralBlocks() {
    assumeTrue(HeBackends.isSealAvailable(), "SEAL native library not loaded");
    HeParameters p = OfflineHeTest.INSECURE_FP;
    bothDirections(new OfflineHe(p, 40, HeBackends.pureJava()),
        new OfflineHe(p, 40, HeBackends.seal()), OfflineHeTest.ROWS, OfflineHeTest.COLS);
  }
}
