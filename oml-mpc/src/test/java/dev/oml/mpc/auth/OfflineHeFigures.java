package dev.oml.mpc.auth;

import dev.oml.core.field.PrimeField;
import dev.oml.he.HeParameters;
import dev.oml.he.PredefinedParameters;
import dev.oml.mpc.auth.OfflineHe.OwnerShare;
import dev.oml.mpc.auth.OfflineHe.UserAnswer;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Bytes and CPU time of the offline HE step per layer of Network A (784-128-128-10) at the
 * standard parameters ({@link PredefinedParameters#bfvPrimeField}, kappa 40), both directions,
 * every product checked against the plain one in {@code F_p} and every share against its MAC.
 * Printed, not asserted (performance is not a test). Run as a test-scope main:
 * {@code java -cp oml-mpc/target/test-classes:oml-mpc/target/classes:<deps>
 * dev.oml.mpc.auth.OfflineHeFigures}.
 */
public final class OfflineHeFigures {
  /** Process CPU time (all threads, JIT and GC included: an upper bound on the party's own). */
  private static long cpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
  }

  /** One layer's figures: bytes each way, CPU milliseconds of each party. */
  record Layer(int rows, int cols, long keyBytes, long matrixBytes, long maskBytes, long answer1Bytes,
      long answer2Bytes, double ownerEncryptMs, double ownerDecryptCheckMs, double userEvalMs) {}

  private OfflineHeFigures() {}

  private static long[] rand(SecureRandom rng, int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = OfflineHe.uniform(rng);
    }
    return v;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  /**
   * Runs both directions for one {@code rows x cols} layer and checks the results.
   *
   * @throws AssertionError if a share does not add up to the plain product or fails its MAC
   */
  static Layer run(OfflineHe he, int rows, int cols, SecureRandom rng) {
    MacKey alpha = new MacKey(OfflineHe.uniform(rng));
    long[] wO = rand(rng, rows * cols);
    long[] r = rand(rng, cols);
    MacKeyVector kR = MacKeyVector.of(rand(rng, cols));
    AuthenticatedVector rU = AuthenticatedVector.deal(r, alpha, kR);
    MacKeyVector kW = MacKeyVector.of(rand(rng, rows * cols));
    AuthenticatedVector wU = AuthenticatedVector.deal(rand(rng, rows * cols), alpha, kW);

    long c0 = cpuNanos();
    OfflineHe.Owner owner = he.new Owner(alpha, rng);
    OfflineHe.Owner.MatrixSent m = owner.sendMatrix(OfflineHe.rowsOf(wO, rows, cols), kR);
    OfflineHe.Owner.MaskSent q = owner.sendMask(rows, cols, kW);
    byte[] keyMsg = owner.bundleKey().encode();
    byte[] matrixMsg = m.message().encode();
    byte[] maskMsg = q.message().encode();
    long c1 = cpuNanos();
    OfflineHe.User user = he.new User(OfflineHe.BundleKey.decode(keyMsg), rng);
    UserAnswer a1 = user.answerMatrix(OfflineHe.EncryptedMatrix.decode(matrixMsg, m.layout()), rU,
        rows);
    UserAnswer a2 = user.answerMask(OfflineHe.EncryptedMask.decode(maskMsg, q.layout()), wU, rows,
        cols);
    byte[] ans1 = a1.message().encode();
    byte[] ans2 = a2.message().encode();
    long c2 = cpuNanos();
    OwnerShare o1 = m.receive(OfflineHe.ProductAnswer.decode(ans1, m.layout()));
    OwnerShare o2 = q.receive(OfflineHe.ProductAnswer.decode(ans2, q.layout()));
    MacCheckVerifier v = new MacCheckVerifier(alpha, rng).expectOpen(o1.keys())
        .expectOpen(o2.keys());
    MacCheckProver p = new MacCheckProver().open(a1.share()).open(a2.share());
    long c3 = cpuNanos();
    byte[] claims = p.claimMessage();
    long c4 = cpuNanos();
    byte[] challenge = v.challenge(claims);
    long c5 = cpuNanos();
    byte[] response = p.respond(challenge);
    long c6 = cpuNanos();
    v.verify(response);
    long c7 = cpuNanos();

    check(PrimeField.matVec(wO, rows, r, null), PrimeField.add(o1.share(), a1.share().values(),
        null), "W_O r");
    check(PrimeField.matVec(wU.values(), rows, q.mask(), null),
        PrimeField.add(o2.share(), a2.share().values(), null), "W_U q");
    return new Layer(rows, cols, keyMsg.length, matrixMsg.length, maskMsg.length, ans1.length, ans2.length,
        ms(c1 - c0), ms(c3 - c2 + c5 - c4 + c7 - c6), ms(c2 - c1));
  }

  private static void check(long[] expected, long[] actual, String what) {
    if (!Arrays.equals(expected, actual)) {
      throw new AssertionError(what + ": shares do not add up to the plain product");
    }
  }

  public static void main(String[] args) {
    HeParameters params = PredefinedParameters.bfvPrimeField(40);
    OfflineHe he = new OfflineHe(params, 40);
    SecureRandom rng = new SecureRandom();
    int[][] shapes = {{128, 784}, {128, 128}, {10, 128}};
    for (int[] s : shapes) {
      run(he, s[0], s[1], rng); // warm-up: the JIT compiles during it, and process CPU counts that
    }
    System.out.println("params " + params + ", kappa 40");
    long total1 = 0;
    long total2 = 0;
    long key = 0;
    for (int[] s : shapes) {
      Layer l = run(he, s[0], s[1], rng);
      total1 += l.matrixBytes() + l.answer1Bytes();
      total2 += l.maskBytes() + l.answer2Bytes();
      key = l.keyBytes();
      System.out.printf("layer %dx%d layout %s: dir1 O->U %d B, U->O %d B; dir2 O->U %d B,"
          + " U->O %d B; owner encrypt %.0f ms, owner decrypt+check %.0f ms, user eval %.0f ms%n",
          s[0], s[1], he.context().coefficientMatVec().layout(s[0], s[1]), l.matrixBytes(),
          l.answer1Bytes(), l.maskBytes(), l.answer2Bytes(), l.ownerEncryptMs(),
          l.ownerDecryptCheckMs(), l.userEvalMs());
    }
    System.out.printf("per bundle: key %d B once, direction 1 %d B, direction 2 %d B, total %d B%n",
        key, total1, total2, key + total1 + total2);
  }
}
