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
      long[][] acc0 = ctx.ring.newRows(cnt);
      long[][] acc1 = ctx.ring.newRows(cnt);
      for (int j = 0; j < q.length; j++) {
        long[] tile = new long[ctx.n];
        for (int i = 0; i < br && o * br + i < rows; i++) {
          long[] wr = w[o * br + i];
          for (int k = 0; k < bc && j * bc + k < cols; k++) {
            tile[i * bc + bc - 1 - k] = Math.floorMod(wr[j * bc + k], t);
          }
        }
        long[][] tileNtt = ctx.bfvPlainNtt(tile, top);
        long[][] tileShoup = ctx.ring.shoupRows(tileNtt, cnt);
        ctx.ring.mulAddShoupInto(acc0, q[j].c[0], tileNtt, tileShoup, cnt);
        ctx.ring.mulAddShoupInto(acc1, q[j].c[1], tileNtt, tileShoup, cnt);
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
      ctx.ring.toNtt(maskScaled, cnt);
      Ct product = new Ct(ctx.id, ctx.scheme, top, 1.0, new long[][][] {acc0, acc1}, null);
      Ct flooded = ev.addFreshAndFlood(product, pk, maskScaled, budget.floodBits());
      Ct low = (Ct) ev.modSwitchTo(flooded, budget.answerLevel());
      out.add(extract(low, layout, o));
    }
    return out;
  }

  @Override
  public List<Ciphertext> encryptMatrix(Encryptor encryptor, MatVecLayout layout, long[][] w) {
    checkLayout(layout);
    if (!encryptor.isSymmetric()) {
      throw new IncompatibleOperandsException("the tiles are encrypted with the secret key");
    }
    checkMatrix(layout, w);
    JavaBfvEncoder enc = new JavaBfvEncoder(ctx);
    List<Ciphertext> out = new ArrayList<>();
    for (int o = 0; o < layout.outputCount(); o++) {
      for (int j = 0; j < layout.inputCount(); j++) {
        out.add(encryptor.encryptSeeded(enc.encode(tile(layout, w, o, j))));
      }
    }
    return out;
  }

  @Override
  public List<Ciphertext> answerEncryptedMatrix(MatVecLayout layout, List<Ciphertext> tiles,
      long[] r, long[] mask, PublicKey ownerKey, int kappa) {
    checkLayout(layout);
    Pk pk = ctx.pk(ownerKey);
    if (mask.length != layout.rows()) {
      throw new IllegalArgumentException("mask does not have " + layout.rows() + " rows");
    }
    long[][] blocks = layout.queryBlocks(r);
    int in = layout.inputCount();
    if (tiles.size() != in * layout.outputCount()) {
      throw new IncompatibleOperandsException("encrypted matrix has " + tiles.size()
          + " tiles, layout needs " + in * layout.outputCount());
    }
    int top = ctx.k - 1;
    int cnt = top + 1;
    Ct[] c = new Ct[tiles.size()];
    for (int i = 0; i < c.length; i++) {
      c[i] = ctx.evalCt(tiles.get(i));
      // Same noise assumption as answer(): each tile is a fresh seeded symmetric encryption.
      if (c[i].level != top || c[i].c.length != 2 || c[i].seed == null) {
        throw new IncompatibleOperandsException(
            "matrix tiles must be fresh seeded symmetric encryptions from encryptMatrix");
      }
    }
    long t = ctx.t;
    long[][][] rNtt = new long[in][][];
    long[][][] rShoup = new long[in][][];
    for (int j = 0; j < in; j++) {
      long[] b = new long[ctx.n];
      for (int k = 0; k < blocks[j].length; k++) {
        b[k] = Math.floorMod(blocks[j][k], t);
      }
      rNtt[j] = ctx.bfvPlainNtt(b, top);
      rShoup[j] = ctx.ring.shoupRows(rNtt[j], cnt);
    }
    FloodingBudget budget = FloodingBudget.forMatVec(ctx.params, layout, kappa);
    List<Ciphertext> out = new ArrayList<>();
    Prg prg = Prg.fresh();
    for (int o = 0; o < layout.outputCount(); o++) {
      long[][] acc0 = ctx.ring.newRows(cnt);
      long[][] acc1 = ctx.ring.newRows(cnt);
      for (int j = 0; j < in; j++) {
        Ct tile = c[o * in + j];
        ctx.ring.mulAddShoupInto(acc0, tile.c[0], rNtt[j], rShoup[j], cnt);
        ctx.ring.mulAddShoupInto(acc1, tile.c[1], rNtt[j], rShoup[j], cnt);
      }
      out.add(finishAnswer(layout, o, acc0, acc1, mask, pk, budget, prg));
    }
    return out;
  }

  private void checkMatrix(MatVecLayout layout, long[][] w) {
    if (w.length != layout.rows()) {
      throw new IllegalArgumentException("matrix does not have " + layout.rows() + " rows");
    }
    for (long[] row : w) {
      if (row.length != layout.cols()) {
        throw new IllegalArgumentException("matrix rows must have " + layout.cols() + " entries");
      }
    }
  }

  /** Tile {@code (o, j)} of {@code w} as a plaintext polynomial with coefficients in [0, t). */
  private long[] tile(MatVecLayout layout, long[][] w, int o, int j) {
    int bc = layout.blockCols();
    int br = layout.blockRows();
    long[] tile = new long[ctx.n];
    for (int i = 0; i < br && o * br + i < layout.rows(); i++) {
      long[] wr = w[o * br + i];
      for (int k = 0; k < bc && j * bc + k < layout.cols(); k++) {
        tile[i * bc + bc - 1 - k] = Math.floorMod(wr[j * bc + k], ctx.t);
      }
    }
    return tile;
  }

  /**
   * Masks every coefficient (fresh uniform values, the wanted outputs with {@code -s}),
   * re-randomizes under {@code pk}, floods, switches down and extracts output block {@code o}.
   */
  private Ct finishAnswer(MatVecLayout layout, int o, long[][] acc0, long[][] acc1, long[] mask,
      Pk pk, FloodingBudget budget, Prg prg) {
    int top = ctx.k - 1;
    int cnt = top + 1;
    int bc = layout.blockCols();
    int br = layout.blockRows();
    long t = ctx.t;
    long[] m = new long[ctx.n];
    for (int x = 0; x < ctx.n; x++) {
      m[x] = prg.uniformBelow(t);
    }
    for (int i = 0; i < br && o * br + i < layout.rows(); i++) {
      m[i * bc + bc - 1] = Math.floorMod(-mask[o * br + i], t);
    }
    long[][] maskScaled = ctx.bfvScale(m, top);
    ctx.ring.toNtt(maskScaled, cnt);
    JavaEvaluator ev = (JavaEvaluator) ctx.evaluator();
    Ct product = new Ct(ctx.id, ctx.scheme, top, 1.0, new long[][][] {acc0, acc1}, null);
    Ct flooded = ev.addFreshAndFlood(product, pk, maskScaled, budget.floodBits());
    Ct low = (Ct) ev.modSwitchTo(flooded, budget.answerLevel());
    return extract(low, layout, o);
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
    long[][] full = RnsRing.copy(c.c[0], cnt);
    ctx.ring.fromNtt(full, cnt);
    long[][] c0 = ctx.ring.newRows(cnt);
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
