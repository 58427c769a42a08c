package dev.oml.he;

import dev.oml.he.java.internal.Modulus;
import dev.oml.he.java.internal.NttTable;
import dev.oml.he.java.internal.Primes;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Quick single-threaded timings of the pure-Java backend (median of repeated runs after
 * warm-up). Not a benchmark harness: the JMH benchmarks belong to oml-bench. Run with
 * {@code java -cp <test and main classes> dev.oml.he.HeTimings}.
 */
public final class HeTimings {
  private HeTimings() {}

  static double medianMicros(int reps, Runnable r) {
    for (int i = 0; i < Math.max(3, reps / 3); i++) {
      r.run();
    }
    double[] t = new double[reps];
    for (int i = 0; i < reps; i++) {
      long s = System.nanoTime();
      r.run();
      t[i] = (System.nanoTime() - s) / 1000.0;
    }
    java.util.Arrays.sort(t);
    return t[reps / 2];
  }

  static void print(String what, double micros) {
    System.out.printf("%-55s %12.1f us%n", what, micros);
  }

  static <T> T keep(Supplier<T> s) {
    return s.get();
  }

  public static void main(String[] args) {
    Random rnd = new Random(1);
    for (int n : new int[] {4096, 8192, 16384}) {
      Modulus m = new Modulus(Primes.nttPrimes(n, new int[] {60}, Set.of())[0]);
      NttTable t = new NttTable(n, m);
      long[] a = new long[n];
      for (int i = 0; i < n; i++) {
        a[i] = Math.floorMod(rnd.nextLong(), m.q);
      }
      print("NTT forward, one 60-bit prime, N=" + n, medianMicros(200, () -> t.forward(a)));
      print("NTT inverse, one 60-bit prime, N=" + n, medianMicros(200, () -> t.inverse(a)));
    }
    HeBackend be = HeBackends.pureJava();
    HeContext bfv = be.createContext(PredefinedParameters.BFV_N8192_BATCHING);
    KeyGenerator kg = bfv.keyGenerator();
    PublicKey pk = kg.createPublicKey();
    RelinKeys rk = kg.createRelinKeys();
    GaloisKeys gk = kg.createGaloisKeys(1);
    long[] v = new long[8192];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextInt(65537);
    }
    Plaintext p = bfv.bfvEncoder().encode(v);
    Encryptor enc = bfv.encryptor(pk);
    Ciphertext c = enc.encrypt(p);
    Evaluator ev = bfv.evaluator();
    String b = "BFV N=8192 3x54+54, ";
    print(b + "encode (batching)", medianMicros(30, () -> bfv.bfvEncoder().encode(v)));
    print(b + "encrypt (public key)", medianMicros(30, () -> enc.encrypt(p)));
    print(b + "add", medianMicros(30, () -> ev.add(c, c)));
    print(b + "multiply by plaintext", medianMicros(30, () -> ev.multiplyPlain(c, p)));
    print(b + "multiply + relinearize", medianMicros(5, () -> ev.multiplyAndRelinearize(c, c, rk)));
    print(b + "rotate rows one step", medianMicros(10, () -> ev.rotateRows(c, 1, gk)));
    print(b + "modulus switch to next", medianMicros(30, () -> ev.modSwitchToNext(c)));
    Decryptor dec = bfv.decryptor(kg.secretKey());
    print(b + "decrypt + decode", medianMicros(10, () -> bfv.bfvEncoder().decode(dec.decrypt(c))));
    System.out.println(b + "ciphertext bytes: " + bfv.serializer().savedSize(c));

    HeContext ck = be.createContext(PredefinedParameters.CKKS_N8192);
    KeyGenerator ckg = ck.keyGenerator();
    PublicKey cpk = ckg.createPublicKey();
    RelinKeys crk = ckg.createRelinKeys();
    GaloisKeys cgk = ckg.createGaloisKeys(1, 2, 3, 4, 5, 6, 7, 8);
    double[] x = new double[4096];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextDouble();
    }
    Plaintext cp = ck.ckksEncoder().encode(x, 0x1p40);
    Encryptor cenc = ck.encryptor(cpk);
    Ciphertext cc = cenc.encrypt(cp);
    Evaluator cev = ck.evaluator();
    String k = "CKKS N=8192 {60,40,40}+60, ";
    print(k + "encode", medianMicros(30, () -> ck.ckksEncoder().encode(x, 0x1p40)));
    print(k + "encrypt (public key)", medianMicros(30, () -> cenc.encrypt(cp)));
    print(k + "multiply by plaintext", medianMicros(30, () -> cev.multiplyPlain(cc, cp)));
    print(k + "multiply + relinearize", medianMicros(20, () -> cev.multiplyAndRelinearize(cc, cc, crk)));
    Ciphertext prod = cev.multiplyPlain(cc, cp);
    print(k + "rescale", medianMicros(30, () -> cev.rescale(prod)));
    print(k + "rotate one step", medianMicros(20, () -> cev.rotate(cc, 1, cgk)));
    int[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
    print(k + "8 rotations, hoisted", medianMicros(10, () -> cev.rotateHoisted(cc, eight, cgk)));
    Decryptor cdec = ck.decryptor(ckg.secretKey());
    print(k + "decrypt + decode", medianMicros(20, () -> ck.ckksEncoder().decode(cdec.decrypt(cc))));
    System.out.println(k + "ciphertext bytes: " + ck.serializer().savedSize(cc));

    for (int l : new int[] {45}) {
      HeContext tp = be.createContext(PredefinedParameters.bfvTwoParty(l, 40));
      KeyGenerator tkg = tp.keyGenerator();
      PublicKey tpk = tkg.createPublicKey();
      Encryptor tsym = tp.encryptor(tkg.secretKey());
      Decryptor tdec = tp.decryptor(tkg.secretKey());
      CoefficientMatVec mv = tp.coefficientMatVec();
      for (int[] shape : new int[][] {{128, 784}, {128, 128}, {10, 128}}) {
        MatVecLayout lay = mv.layout(shape[0], shape[1]);
        long[] r = new long[shape[1]];
        long[][] w = new long[shape[0]][shape[1]];
        long[] s = new long[shape[0]];
        long mask = (1L << l) - 1;
        for (int i = 0; i < r.length; i++) {
          r[i] = rnd.nextLong() & mask;
        }
        for (long[] row : w) {
          for (int j = 0; j < row.length; j++) {
            row[j] = rnd.nextLong() & mask;
          }
        }
        List<Ciphertext> q = mv.encryptQuery(tsym, lay, r);
        List<Ciphertext> ans = mv.answer(lay, q, w, s, tpk, 40);
        String h = "2PC l=" + l + " " + shape[0] + "x" + shape[1] + " " + lay.inputCount() + " in/"
            + lay.outputCount() + " out, ";
        print(h + "encrypt query", medianMicros(10, () -> mv.encryptQuery(tsym, lay, r)));
        print(h + "answer", medianMicros(10, () -> mv.answer(lay, q, w, s, tpk, 40)));
        print(h + "decrypt answer", medianMicros(10, () -> mv.decryptAnswer(tdec, lay, ans)));
        long qb = 0;
        for (Ciphertext c1 : q) {
          qb += tp.serializer().savedSize(c1);
        }
        long ab = 0;
        for (Ciphertext c1 : ans) {
          ab += tp.serializer().savedSize(c1);
        }
        System.out.println(h + "query bytes " + qb + ", answer bytes " + ab + ", answer level "
            + ans.get(0).level() + ", " + FloodingBudget.forMatVec(tp.parameters(), lay, 40));
      }
    }
  }
}
