package dev.oml.he.seal.internal;

import com.sun.jna.Pointer;
import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.CompactAnswer;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.MatVecLayout;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PublicKey;
import dev.oml.he.seal.internal.SealObjects.Ct;
import dev.oml.he.seal.internal.SealObjects.Pk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Cheetah-packed matrix-vector product over SEAL. The sender's whole answer (every tile
 * product accumulated in the NTT domain, the fresh masks, the re-randomizing public-key
 * encryption, the flooding, the switch down and the extraction of the output coefficients of
 * the first component) is one native call; the layout and the flooding budget are the API's,
 * so both backends pack, mask, flood and extract alike. SEAL decrypts an extracted answer as
 * it is (its first component is zero elsewhere), so {@link #decryptAnswer} needs nothing
 * special: only the output coefficients it reads are meaningful.
 */
final class SealCoefficientMatVec implements CoefficientMatVec {
  private final SealContext ctx;

  SealCoefficientMatVec(SealContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public MatVecLayout layout(int rows, int cols) {
    return MatVecLayout.of(rows, cols, ctx.parameters());
  }

  private void checkLayout(MatVecLayout layout) {
    if (layout.polyModulusDegree() != ctx.n) {
      throw new IncompatibleOperandsException("layout made for another ring degree");
    }
  }

  @Override
  public List<Ciphertext> encryptQuery(Encryptor encryptor, MatVecLayout layout, long[] r) {
    checkLayout(layout);
    if (!encryptor.isSymmetric()) {
      throw new IncompatibleOperandsException("the query is encrypted with the secret key");
    }
    SealBfvEncoder enc = new SealBfvEncoder(ctx);
    List<Ciphertext> out = new ArrayList<>();
    for (long[] block : layout.queryBlocks(r)) {
      try (SealObjects.Pt p = (SealObjects.Pt) enc.encode(block)) {
        out.add(encryptor.encryptSeeded(p));
      }
    }
    return out;
  }

  @Override
  public List<Ciphertext> answer(MatVecLayout layout, List<Ciphertext> query, long[][] w,
      long[] mask, PublicKey receiverKey, int kappa) {
    checkLayout(layout);
    Pk pk = ctx.pk(receiverKey);
    int rows = layout.rows();
    int cols = layout.cols();
    if (w.length != rows || mask.length != rows) {
      throw new IllegalArgumentException("matrix or mask does not have " + rows + " rows");
    }
    long t = ctx.parameters().plainModulus();
    long[] flat = new long[Math.multiplyExact(rows, cols)];
    for (int i = 0; i < rows; i++) {
      if (w[i].length != cols) {
        throw new IllegalArgumentException("matrix rows must have " + cols + " entries");
      }
      for (int k = 0; k < cols; k++) {
        flat[i * cols + k] = Math.floorMod(w[i][k], t);
      }
    }
    long[] s = new long[rows];
    for (int i = 0; i < rows; i++) {
      s[i] = Math.floorMod(mask[i], t);
    }
    if (query.size() != layout.inputCount()) {
      throw new IncompatibleOperandsException(
          "query has " + query.size() + " ciphertexts, layout needs " + layout.inputCount());
    }
    Ct[] q = new Ct[query.size()];
    Pointer[] qp = new Pointer[q.length];
    for (int j = 0; j < q.length; j++) {
      q[j] = ctx.evalCt(query.get(j));
      // The flooding budget assumes fresh symmetric noise: only seeded ciphertexts, which
      // encryptQuery makes and serialization preserves, are that.
      if (q[j].level != ctx.top || q[j].size != 2 || !q[j].seeded) {
        throw new IncompatibleOperandsException(
            "query ciphertexts must be fresh seeded symmetric encryptions from encryptQuery");
      }
      qp[j] = q[j].pointer();
    }
    FloodingBudget budget = FloodingBudget.forMatVec(ctx.parameters(), layout, kappa);
    Pointer[] out = new Pointer[layout.outputCount()];
    SealNative.check(ctx.lib.oml_matvec_answer(ctx.ptr(), qp, qp.length, flat, rows, cols,
        layout.blockRows(), layout.blockCols(), s, pk.pointer(), budget.floodBits(),
        budget.answerLevel(), out, out.length));
    ctx.fence(q, pk);
    List<Ciphertext> answer = new ArrayList<>(out.length);
    for (Pointer o : out) {
      answer.add(ctx.newCt(o));
    }
    return answer;
  }

  @Override
  public List<CompactAnswer> answerCompact(MatVecLayout layout, List<Ciphertext> query,
      long[][] w, long[] mask, PublicKey receiverKey, int kappa) {
    checkLayout(layout);
    int in = layout.inputCount();
    int out = layout.outputCount();
    if (w.length != layout.rows()) {
      throw new IllegalArgumentException("matrix does not have " + layout.rows() + " rows");
    }
    for (long[] row : w) {
      if (row.length != layout.cols()) {
        throw new IllegalArgumentException("matrix rows must have " + layout.cols()
            + " entries");
      }
    }
    if (query.size() != in) {
      throw new IncompatibleOperandsException(
          "query has " + query.size() + " ciphertexts, layout needs " + in);
    }
    long[] plains = new long[Math.multiplyExact(out * in, ctx.n)];
    int[] opIndex = new int[out * in];
    int[] plainIndex = new int[out * in];
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < in; j++) {
        tileInto(layout, w, o, j, plains, (o * in + j) * ctx.n);
        opIndex[o * in + j] = j;
        plainIndex[o * in + j] = o * in + j;
      }
    }
    return products(layout, query, plains, opIndex, plainIndex, mask, receiverKey, kappa);
  }

  @Override
  public List<CompactAnswer> answerEncryptedMatrixCompact(MatVecLayout layout,
      List<Ciphertext> tiles, long[] r, long[] mask, PublicKey ownerKey, int kappa) {
    checkLayout(layout);
    int in = layout.inputCount();
    int out = layout.outputCount();
    if (tiles.size() != in * out) {
      throw new IncompatibleOperandsException("encrypted matrix has " + tiles.size()
          + " tiles, layout needs " + in * out);
    }
    long t = ctx.parameters().plainModulus();
    long[][] blocks = layout.queryBlocks(r);
    long[] plains = new long[Math.multiplyExact(in, ctx.n)];
    for (int j = 0; j < in; j++) {
      for (int k = 0; k < blocks[j].length; k++) {
        plains[j * ctx.n + k] = Math.floorMod(blocks[j][k], t);
      }
    }
    int[] opIndex = new int[out * in];
    int[] plainIndex = new int[out * in];
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < in; j++) {
        opIndex[o * in + j] = o * in + j;
        plainIndex[o * in + j] = j;
      }
    }
    return products(layout, tiles, plains, opIndex, plainIndex, mask, ownerKey, kappa);
  }

  /** Tile {@code (o, j)} of {@code w} packed as {@link #answer} packs it, into {@code dst}. */
  private void tileInto(MatVecLayout layout, long[][] w, int o, int j, long[] dst, int at) {
    long t = ctx.parameters().plainModulus();
    int bc = layout.blockCols();
    int br = layout.blockRows();
    for (int i = 0; i < br && o * br + i < layout.rows(); i++) {
      long[] wr = w[o * br + i];
      for (int k = 0; k < bc && j * bc + k < layout.cols(); k++) {
        dst[at + i * bc + bc - 1 - k] = Math.floorMod(wr[j * bc + k], t);
      }
    }
  }

  /**
   * The compact answers of one product in one native call: per output block, the tile
   * products, the fresh masks, a fresh {@code Enc_pk(0)}, the flood and the switch to
   * {@code 2^b}, at the operands' level (which must be one the flooding budget covers).
   */
  private List<CompactAnswer> products(MatVecLayout layout, List<Ciphertext> operands,
      long[] plains, int[] opIndex, int[] plainIndex, long[] mask, PublicKey key, int kappa) {
    Pk pk = ctx.pk(key);
    int rows = layout.rows();
    if (mask.length != rows) {
      throw new IllegalArgumentException("mask does not have " + rows + " rows");
    }
    long t = ctx.parameters().plainModulus();
    long[] s = new long[rows];
    for (int i = 0; i < rows; i++) {
      s[i] = Math.floorMod(mask[i], t);
    }
    Ct[] c = new Ct[operands.size()];
    Pointer[] p = new Pointer[c.length];
    int level = -1;
    for (int j = 0; j < c.length; j++) {
      c[j] = ctx.evalCt(operands.get(j));
      if (j == 0) {
        level = c[0].level;
      }
      if (c[j].level != level || c[j].size != 2) {
        throw new IncompatibleOperandsException(
            "operands must be fresh encryptions of two components at one level");
      }
      p[j] = c[j].pointer();
    }
    FloodingBudget budget = level == ctx.top
        ? FloodingBudget.forMatVec(ctx.parameters(), layout, kappa)
        : FloodingBudget.forMatVec(ctx.parameters(), layout, kappa, level);
    int bits = budget.compactBits();
    if (bits == 0) {
      throw new NoiseBudgetException("no power-of-two modulus up to 2^63 leaves room for the "
          + "compact answer's rounding under " + ctx.parameters().name());
    }
    int outputs = layout.outputCount();
    long[] c0 = new long[rows];
    long[] c1 = new long[Math.multiplyExact(outputs, ctx.n)];
    SealNative.check(ctx.lib.oml_t2_products_compact(ctx.ptr(), p, p.length, plains,
        plains.length / ctx.n, opIndex, plainIndex, layout.inputCount(), rows,
        layout.blockRows(), layout.blockCols(), s, pk.pointer(), budget.floodBits(), bits, c0,
        c1));
    ctx.fence(c, pk);
    List<CompactAnswer> answer = new ArrayList<>(outputs);
    int br = layout.blockRows();
    for (int o = 0; o < outputs; o++) {
      int kept = Math.min(br, rows - o * br);
      answer.add(new CompactAnswer(bits, Arrays.copyOfRange(c0, o * br, o * br + kept),
          Arrays.copyOfRange(c1, o * ctx.n, (o + 1) * ctx.n)));
    }
    return answer;
  }

  @Override
  public long[] decryptAnswer(Decryptor decryptor, MatVecLayout layout, List<Ciphertext> answer) {
    checkLayout(layout);
    if (answer.size() != layout.outputCount()) {
      throw new IncompatibleOperandsException(
          "answer has " + answer.size() + " ciphertexts, layout needs " + layout.outputCount());
    }
    SealBfvEncoder enc = new SealBfvEncoder(ctx);
    long[] y = new long[layout.rows()];
    int br = layout.blockRows();
    for (int o = 0; o < answer.size(); o++) {
      long[] m;
      try (SealObjects.Pt p = (SealObjects.Pt) decryptor.decrypt(answer.get(o))) {
        m = enc.decode(p);
      }
      for (int i = 0; i < br && o * br + i < y.length; i++) {
        y[o * br + i] = m[layout.outputCoefficient(o * br + i)];
      }
    }
    return y;
  }
}
