package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.field.MacKeyDerivation;
import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.PrimeField;
import dev.oml.mpc.auth.internal.FieldSampler;
import java.security.SecureRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** MAC relation {@code M = K + alpha v} under every linear operation, checked entry by entry. */
class MacTest {
  static final SecureRandom RNG = new SecureRandom();

  /** The oracle: recompute the relation from scratch for every entry. */
  static void assertValid(AuthenticatedVector u, MacKeyVector k, MacKey alpha) {
    assertEquals(u.length(), k.length());
    for (int i = 0; i < u.length(); i++) {
      assertEquals(PrimeField.add(k.key(i), PrimeField.mul(alpha.alpha(), u.value(i))),
          u.tag(i), "entry " + i);
    }
  }

  static long[] rand(int n) {
    return FieldSampler.fromRandom(RNG).next(n);
  }

  @Property(tries = 40)
  void linearOperationsKeepTheRelation(@ForAll @IntRange(min = 1, max = 12) int n,
      @ForAll @IntRange(min = 1, max = 6) int rows) {
    byte[] seed = new byte[16];
    RNG.nextBytes(seed);
    MacKey alpha = MacKey.derive(new MacKeyDerivation(seed));
    long[] x = rand(n);
    long[] y = rand(n);
    MacKeyVector kx = MacKeyVector.of(rand(n));
    MacKeyVector ky = MacKeyVector.of(rand(n));
    AuthenticatedVector ux = AuthenticatedVector.deal(x, alpha, kx);
    AuthenticatedVector uy = AuthenticatedVector.deal(y, alpha, ky);
    assertValid(ux, kx, alpha);
    long c = rand(1)[0];
    long[] pub = rand(n);
    long[] a = rand(rows * n);
    assertValid(ux.add(uy), kx.add(ky), alpha);
    assertValid(ux.sub(uy), kx.sub(ky), alpha);
    assertValid(ux.scale(c), kx.scale(c), alpha);
    AuthenticatedVector shifted = ux.addConstant(pub);
    assertArrayEquals(ux.tags(), shifted.tags(), "a public constant leaves the tags alone");
    assertValid(shifted, kx.addConstant(alpha, pub), alpha);
    AuthenticatedVector prod = ux.matVec(a, rows);
    assertArrayEquals(PrimeField.matVec(a, rows, x, null), prod.values());
    assertValid(prod, kx.matVec(a, rows), alpha);
    long[] d = rand(n);
    AuthenticatedVector wd = ux.timesPublic(1, d);
    assertEquals(PrimeField.dot(x, d), wd.value(0));
    assertValid(wd, kx.timesPublic(1, d), alpha);
    if (n % rows == 0) {
      long[] dd = rand(n / rows);
      assertValid(ux.timesPublic(rows, dd), kx.timesPublic(rows, dd), alpha);
      long[] s = rand(rows);
      assertValid(ux.combineRows(s, n / rows), kx.combineRows(s, n / rows), alpha);
    }
    assertValid(ux.concat(uy).slice(n - 1, 2), kx.concat(ky).slice(n - 1, 2), alpha);
  }

  @Test
  void badInputIsRejected() {
    assertThrows(FieldElementException.class, () -> new MacKey(0));
    assertThrows(FieldElementException.class, () -> new MacKey(PrimeField.P));
    assertThrows(FieldElementException.class,
        () -> AuthenticatedVector.of(new long[] {PrimeField.P}, new long[] {0}));
    assertThrows(IllegalArgumentException.class,
        () -> AuthenticatedVector.of(new long[] {1}, new long[] {0, 0}));
    assertThrows(FieldElementException.class, () -> MacKeyVector.of(new long[] {-5}));
    assertEquals("MacKey[secret]", new MacKey(7).toString());
  }
}
