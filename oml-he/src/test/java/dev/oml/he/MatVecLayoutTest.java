package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.conformance.TestParameters;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class MatVecLayoutTest {
  @Property(tries = 300)
  void tilesFitAndOutputsAreDistinct(@ForAll @IntRange(min = 1, max = 1200) int rows,
      @ForAll @IntRange(min = 1, max = 1200) int cols) {
    HeParameters p = TestParameters.INSECURE_BFV_COEFF;
    MatVecLayout l = MatVecLayout.of(rows, cols, p);
    int n = p.polyModulusDegree();
    assertTrue((long) l.blockRows() * l.blockCols() <= n);
    assertTrue((long) l.inputCount() * l.blockCols() >= cols);
    assertTrue((long) l.outputCount() * l.blockRows() >= rows);
    assertTrue((long) (l.inputCount() - 1) * l.blockCols() < cols, "an empty input block");
    Set<Integer> seen = new HashSet<>();
    for (int r = 0; r < Math.min(rows, l.blockRows()); r++) {
      int c = l.outputCoefficient(r);
      assertTrue(c >= 0 && c < n);
      assertTrue(seen.add(c));
    }
  }

  @Property(tries = 300)
  void encryptedMatrixLayoutTakesTheFewestOutputBlocks(
      @ForAll @IntRange(min = 1, max = 1200) int rows,
      @ForAll @IntRange(min = 1, max = 1200) int cols) {
    HeParameters p = TestParameters.INSECURE_BFV_COEFF;
    MatVecLayout l = MatVecLayout.ofEncryptedMatrix(rows, cols, p);
    int n = p.polyModulusDegree();
    assertTrue((long) l.blockRows() * l.blockCols() <= n);
    assertTrue((long) l.inputCount() * l.blockCols() >= cols);
    assertTrue((long) l.outputCount() * l.blockRows() >= rows);
    assertTrue((long) (l.inputCount() - 1) * l.blockCols() < cols, "an empty input block");
    // one column per block fits N rows per block: no layout has fewer than ceil(rows / N)
    assertEquals((rows + n - 1) / n, l.outputCount());
    assertTrue(l.outputCount() <= MatVecLayout.of(rows, cols, p).outputCount());
  }

  @Property(tries = 1)
  void encryptedMatrixLayoutsOfNetworkA() {
    HeParameters p = PredefinedParameters.bfvPrimeField(40);
    MatVecLayout first = MatVecLayout.ofEncryptedMatrix(128, 784, p);
    assertEquals(1, first.outputCount());
    assertEquals(13, first.inputCount()); // 13 tiles of 128 x 61 instead of 14 of 20 x 392
    assertEquals(1, MatVecLayout.ofEncryptedMatrix(128, 128, p).outputCount());
    assertEquals(2, MatVecLayout.ofEncryptedMatrix(128, 128, p).inputCount());
    assertEquals(1, MatVecLayout.ofEncryptedMatrix(10, 128, p).inputCount());
  }

  @Property(tries = 200)
  void noWrapAroundReachesAnOutputCoefficient(@ForAll @IntRange(min = 1, max = 64) int rows,
      @ForAll @IntRange(min = 1, max = 64) int cols) {
    // Every product term r_k * W[i][k'] lands at i*bc + bc-1 - k' + k (mod N, negated on wrap);
    // it reaches an output coefficient only when k = k' and the row matches.
    HeParameters p = TestParameters.INSECURE_BFV_TINY;
    MatVecLayout l = MatVecLayout.of(rows, cols, p);
    int n = p.polyModulusDegree();
    int bc = l.blockCols();
    Set<Integer> outputs = new HashSet<>();
    for (int r = 0; r < Math.min(rows, l.blockRows()); r++) {
      outputs.add(l.outputCoefficient(r));
    }
    for (int i = 0; i < l.blockRows(); i++) {
      for (int kp = 0; kp < bc; kp++) {
        for (int k = 0; k < bc; k++) {
          int deg = i * bc + bc - 1 - kp + k;
          int pos = deg % n;
          if (outputs.contains(pos)) {
            assertEquals(k, kp);
            assertTrue(deg < n);
          }
        }
      }
    }
  }

  @Property(tries = 1)
  void twoPartyShapes() {
    HeParameters p = PredefinedParameters.bfvTwoParty(37, 40);
    MatVecLayout a = MatVecLayout.of(128, 784, p);
    assertEquals(2, a.inputCount());
    assertEquals(7, a.outputCount());
    MatVecLayout b = MatVecLayout.of(128, 128, p);
    assertEquals(1, b.inputCount());
  }
}
