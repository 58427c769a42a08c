package dev.oml.he.java.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NttTableTest {
  /** Negacyclic schoolbook product, the oracle. */
  static long[] schoolbook(long[] a, long[] b, Modulus m) {
    int n = a.length;
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        long p = m.mul(a[i], b[j]);
        int k = i + j;
        if (k < n) {
          r[k] = m.add(r[k], p);
        } else {
          r[k - n] = m.sub(r[k - n], p);
        }
      }
    }
    return r;
  }

  @Test
  void productViaNttMatchesSchoolbook() {
    Random rnd = new Random(1);
    for (int n : new int[] {2, 4, 8, 64, 256, 1024}) {
      for (int bits : new int[] {30, 50, 60}) {
        Modulus m = new Modulus(Primes.nttPrimes(n, new int[] {bits}, Set.of())[0]);
        NttTable t = new NttTable(n, m);
        long[] a = new long[n];
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = Math.floorMod(rnd.nextLong(), m.q);
          b[i] = Math.floorMod(rnd.nextLong(), m.q);
        }
        long[] expect = schoolbook(a, b, m);
        long[] x = a.clone();
        long[] y = b.clone();
        t.forward(x);
        t.forward(y);
        for (int i = 0; i < n; i++) {
          x[i] = m.mul(x[i], y[i]);
        }
        t.inverse(x);
        assertArrayEquals(expect, x, "n=" + n + " bits=" + bits);
        long[] z = a.clone();
        t.forward(z);
        t.inverse(z);
        assertArrayEquals(a, z);
      }
    }
  }

  @Test
  void forwardOutputIsEvaluationAtOddPowersInBitReversedOrder() {
    int n = 16;
    Modulus m = new Modulus(Primes.nttPrimes(n, new int[] {30}, Set.of())[0]);
    NttTable t = new NttTable(n, m);
    long[] a = new long[n];
    Random rnd = new Random(2);
    for (int i = 0; i < n; i++) {
      a[i] = Math.floorMod(rnd.nextLong(), m.q);
    }
    long[] f = a.clone();
    t.forward(f);
    for (int i = 0; i < n; i++) {
      long x = m.pow(t.psi, 2L * NttTable.bitReverse(i, 4) + 1);
      long v = 0;
      for (int j = n - 1; j >= 0; j--) {
        v = m.add(m.mul(v, x), a[j]);
      }
      assertEquals(v, f[i]);
    }
  }
}
