package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.MatVecLayout;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Pk;
import java.util.ArrayList;
import java.util.List;

/** The Cheetah-packed matrix-vector product with circuit privacy, pure Java. */
final class JavaCoefficientMatVec implements CoefficientMatVec {
  private final JavaContext ctx;

  JavaCoefficientMatVec(JavaContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public MatVecLayout layout(int rows, int cols) {
    return MatVecLayout.of(rows, cols, ctx.params);
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
    JavaBfvEncoder enc = new JavaBfvEncoder(ctx);
    List<Ciphertext> out = new ArrayList<>();
    for (long[] block : layout.queryBlocks(r)) {
      out.add(encryptor.encryptSeeded(enc.encode(block)));
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
    for (long[] row : w) {
      if (row.length != cols) {
        throw new IllegalArgumentException("matrix rows must have " + cols + " entries");
      }
    }
    if (query.size() != layout.inputCount()) {
      throw new IncompatibleOperandsException(
          "query has " + query.size() + " ciphertexts, layout needs " + layout.inputCount());
    }
    int top = ctx.k - 1;
    Ct[] q = new Ct[query.size()];
    for (int j = 0; j < q.length; j++) {
      q[j] = ctx.evalCt(query.get(j));
      // The flooding budget assumes fresh symmetric noise (at most 21): only seeded
      // ciphertexts, which encryptQuery makes and serialization preserves, are that.
      if (q[j].level != top || q[j].c.length != 2 || q[j].seed == null) {
        throw new IncompatibleOperandsException(
            "query ciphertexts must be fresh seeded symmetric encryptions from encryptQuery");
      }
    }
    FloodingBudget budget = FloodingBudget.forMatVec(ctx.params, layout, kappa);
    JavaEvaluator ev = (JavaEvaluator) ctx.evaluator();
    int cnt = top + 1;
    int bc = layout.blockCols();
    int br = layout.blockRows();
    long t = ctx.t;
    List<Ciphertext> out = new ArrayList<>();
    Prg prg = Prg.fresh();
    for (int o = 0; o < layout.outputCount(); o++) {
      long[][] acc0 = ctx.newRows(cnt);
      long[][] acc1 = ctx.newRows(cnt);
      for (int j = 0; j < q.length; j++) {
        long[] tile = new long[ctx.n];
        for (int i = 0; i < br && o * br + i < rows; i++) {
          long[] wr = w[o * br + i];
          for (int k = 0; k < bc && j * bc + k < cols; k++) {
            tile[i * bc + bc - 1 - k] = Math.floorMod(wr[j * bc + k], t);
          }
        }
        long[][] tileNtt = ctx.bfvPlainNtt(tile, top);
        long[][] tileShoup = ctx.shoupRows(tileNtt, cnt);
        ctx.mulAddShoupInto(acc0, q[j].c[0], tileNtt, tileShoup, cnt);
        ctx.mulAddShoupInto(acc1, q[j].c[1], tileNtt, tileShoup, cnt);
      }
      // Every coefficient that is not a wanted output carries a partial sum of W's entries:
      // mask them all with fresh uniform values, and the wanted ones with -s.
      long[] m = new long[ctx.n];
      for (int x = 0; x < ctx.n; x++) {
        m[x] = prg.uniformBelow(t);
      }
      for (int i = 0; i < br && o * br + i < rows; i++) {
        m[i * bc + bc - 1] = Math.floorMod(-mask[o * br + i], t);
      }
      long[][] maskScaled = ctx.bfvScale(m, top);
      ctx.toNtt(maskScaled, cnt);
      Ct product = new Ct(ctx.id, ctx.scheme, top, 1.0, new long[][][] {acc0, acc1}, null);
      Ct flooded = ev.addFreshAndFlood(product, pk, maskScaled, budget.floodBits());
      Ct low = (Ct) ev.modSwitchTo(flooded, budget.answerLevel());
      out.add(extract(low, layout, o));
    }
    return out;
  }

  /**
   * Keeps only the output coefficients of the first component: the receiver needs nothing else
   * to decrypt them, the answer shrinks to about half, and the flooding only has to cover what
   * is sent.
   */
  private Ct extract(Ct c, MatVecLayout layout, int block) {
    int cnt = c.level + 1;
    int br = layout.blockRows();
    int count = Math.min(br, layout.rows() - block * br);
    int[] kept = new int[count];
    for (int i = 0; i < count; i++) {
      kept[i] = layout.outputCoefficient(block * br + i);
    }
    long[][] full = JavaContext.copy(c.c[0], cnt);
    ctx.fromNtt(full, cnt);
    long[][] c0 = ctx.newRows(cnt);
    for (int r = 0; r < cnt; r++) {
      for (int pos : kept) {
        c0[r][pos] = full[r][pos];
      }
    }
    return new Ct(ctx.id, ctx.scheme, c.level, c.scale, new long[][][] {c0, c.c[1]}, null, kept);
  }

  @Override
  public long[] decryptAnswer(Decryptor decryptor, MatVecLayout layout, List<Ciphertext> answer) {
    checkLayout(layout);
    if (answer.size() != layout.outputCount()) {
      throw new IncompatibleOperandsException(
          "answer has " + answer.size() + " ciphertexts, layout needs " + layout.outputCount());
    }
    long[] y = new long[layout.rows()];
    int br = layout.blockRows();
    for (int o = 0; o < answer.size(); o++) {
      Plaintext p = decryptor.decrypt(answer.get(o));
      long[] m = ctx.pt(p).bfv;
      for (int i = 0; i < br && o * br + i < y.length; i++) {
        y[o * br + i] = m[layout.outputCoefficient(o * br + i)];
      }
    }
    return y;
  }
}
