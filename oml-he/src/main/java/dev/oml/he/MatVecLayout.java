package dev.oml.he;

/**
 * How the coefficient-encoded (Cheetah) matrix-vector product packs a {@code rows x cols}
 * matrix and a length-{@code cols} vector into degree-{@code N} polynomials. The vector is cut
 * into {@link #inputCount()} blocks of {@link #blockCols()} entries, block {@code j} in the low
 * coefficients of input ciphertext {@code j}; the matrix into {@code blockRows x blockCols}
 * tiles, tile entry {@code (i, k)} at coefficient {@code i * blockCols + blockCols - 1 - k}, so
 * that the product's coefficient {@code i * blockCols + blockCols - 1} is the inner product of
 * row {@code i} with the block and no wrap-around reaches it ({@code blockRows * blockCols <= N}).
 * Output ciphertext {@code o} holds rows {@code o * blockRows ...}. The layout depends only on
 * public sizes, so both parties compute it alike; it minimizes the ciphertexts exchanged.
 */
public final class MatVecLayout {
  private final int rows;
  private final int cols;
  private final int n;
  private final int blockCols;
  private final int blockRows;
  private final int inputCount;
  private final int outputCount;

  private MatVecLayout(int rows, int cols, int n, int blockCols, int blockRows) {
    this.rows = rows;
    this.cols = cols;
    this.n = n;
    this.blockCols = blockCols;
    this.blockRows = blockRows;
    this.inputCount = (cols + blockCols - 1) / blockCols;
    this.outputCount = (rows + blockRows - 1) / blockRows;
  }

  /** The layout for a {@code rows x cols} matrix under parameters with degree {@code N}. */
  public static MatVecLayout of(int rows, int cols, HeParameters params) {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("matrix dimensions must be positive");
    }
    int n = params.polyModulusDegree();
    int inputWeight = params.coeffModulusCount();
    MatVecLayout best = null;
    long bestCost = Long.MAX_VALUE;
    for (int inputs = 1; inputs <= cols; inputs++) {
      int bc = (cols + inputs - 1) / inputs;
      if (bc > n) {
        continue;
      }
      if ((cols + bc - 1) / bc != inputs) {
        continue;
      }
      int br = Math.min(rows, n / bc);
      int outputs = (rows + br - 1) / br;
      // Bytes sent: a seeded query holds one component at every level; an answer two at the
      // lowest level. Ties go to fewer plaintext products.
      long cost = ((long) inputs * inputWeight + 2L * outputs) * 1_000_000L + (long) inputs * outputs;
      if (cost < bestCost) {
        bestCost = cost;
        best = new MatVecLayout(rows, cols, n, bc, br);
      }
    }
    return best;
  }

  /**
   * The layout for a {@code rows x cols} matrix whose tiles are encrypted once and answered
   * many times ({@link CoefficientMatVec#encryptMatrix}, the tiles reused for every vector):
   * what is sent per vector is one answer per output block, so this takes the fewest output
   * blocks, ties going to fewer tiles (fewer plaintext products), then to fewer input blocks.
   */
  public static MatVecLayout ofEncryptedMatrix(int rows, int cols, HeParameters params) {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("matrix dimensions must be positive");
    }
    int n = params.polyModulusDegree();
    MatVecLayout best = null;
    long bestCost = Long.MAX_VALUE;
    for (int inputs = 1; inputs <= cols; inputs++) {
      int bc = (cols + inputs - 1) / inputs;
      if (bc > n || (cols + bc - 1) / bc != inputs) {
        continue;
      }
      int br = Math.min(rows, n / bc);
      long outputs = (rows + br - 1) / br;
      long cost = (outputs << 40) + ((outputs * inputs) << 20) + inputs;
      if (cost < bestCost) {
        bestCost = cost;
        best = new MatVecLayout(rows, cols, n, bc, br);
      }
    }
    return best;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public int polyModulusDegree() {
    return n;
  }

  public int blockCols() {
    return blockCols;
  }

  public int blockRows() {
    return blockRows;
  }

  /** Number of query ciphertexts ({@code Enc(r)} blocks). */
  public int inputCount() {
    return inputCount;
  }
  /**
   * Splits the receiver's vector {@code r} into the coefficient blocks of the query's
   * {@link #inputCount()} ciphertexts, {@link #blockCols()} values each, the last zero-padded.
   *
   * @throws IllegalArgumentException if {@code r} does not have {@link #cols()} values
   */
  public long[][] queryBlocks(long[] r) {
    if (r.length != cols()) {
      throw new IllegalArgumentException("vector length " + r.length + ", layout needs " + cols());
    }
    int bc = blockCols();
    long[][] blocks = new long[inputCount()][bc];
    for (int j = 0; j < blocks.length; j++) {
      System.arraycopy(r, j * bc, blocks[j], 0, Math.min(bc, r.length - j * bc));
    }
    return blocks;
  }


  /** Number of answer ciphertexts. */
  public int outputCount() {
    return outputCount;
  }

  /** Coefficient of output ciphertext {@code row / blockRows} that holds {@code row}'s result. */
  public int outputCoefficient(int row) {
    return (row % blockRows) * blockCols + blockCols - 1;
  }

  @Override
  public String toString() {
    return "MatVecLayout[" + rows + "x" + cols + ", N=" + n + ", tiles " + blockRows + "x"
        + blockCols + ", " + inputCount + " in, " + outputCount + " out]";
  }
}
