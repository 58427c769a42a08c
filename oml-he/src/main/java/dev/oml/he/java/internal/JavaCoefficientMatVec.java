package dev.oml.he.java.internal;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.CompactAnswer;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.IncompatibleOperandsException;
import dev.oml.he.MatVecLayout;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.Plaintext;
import dev.oml.he.PublicKey;
import dev.oml.he.java.internal.JavaObjects.Ct;
import dev.oml.he.java.internal.JavaObjects.Pk;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

  private void checkLevel(int level) {
    if (level < 0 || level > ctx.k - 1) {
      throw new IllegalArgumentException("level " + level + " outside [0, " + (ctx.k - 1) + "]");
    }
  }

  /** A seeded secret-key encryption at {@code level}. */
  private Ciphertext seeded(Encryptor encryptor, dev.oml.he.Plaintext p, int level) {
    if (level == ctx.k - 1) {
      return encryptor.encryptSeeded(p);
    }
    if (!(encryptor instanceof JavaEncryptor je)) {
      throw new IncompatibleOperandsException("the encryptor is not of this backend");
    }
    return je.encryptSeeded(p, level);
  }

  private void checkLayout(MatVecLayout layout) {
    if (layout.polyModulusDegree() != ctx.n) {
      throw new IncompatibleOperandsException("layout made for another ring degree");
    }
  }

  @Override
  public List<Ciphertext> encryptQuery(Encryptor encryptor, MatVecLayout layout, long[] r) {
    return encryptQuery(encryptor, layout, r, ctx.k - 1);
  }

  @Override
  public List<Ciphertext> encryptQuery(Encryptor encryptor, MatVecLayout layout, long[] r,
      int level) {
    checkLayout(layout);
    checkLevel(level);
    if (!encryptor.isSymmetric()) {
      throw new IncompatibleOperandsException("the query is encrypted with the secret key");
    }
    JavaBfvEncoder enc = new JavaBfvEncoder(ctx);
    List<Ciphertext> out = new ArrayList<>();
    for (long[] block : layout.queryBlocks(r)) {
      out.add(seeded(encryptor, enc.encode(block), level));
    }
    return out;
  }

  @Override
  public List<Ciphertext> answer(MatVecLayout layout, List<Ciphertext> query, long[][] w,
      long[] mask, PublicKey receiverKey, int kappa) {
    List<Ciphertext> out = new ArrayList<>();
    queryProducts(layout, query, w, mask, receiverKey, kappa,
        (o, flooded, budget) -> out.add(extract(
            (Ct) ctx.evaluator().modSwitchTo(flooded, budget.answerLevel()), layout, o)));
    return out;
  }

  @Override
  public List<CompactAnswer> answerCompact(MatVecLayout layout, List<Ciphertext> query,
      long[][] w, long[] mask, PublicKey receiverKey, int kappa) {
    List<CompactAnswer> out = new ArrayList<>();
    queryProducts(layout, query, w, mask, receiverKey, kappa,
        (o, flooded, budget) -> out.add(compact(flooded, layout, o, budget)));
    return out;
  }

  /** What becomes of one flooded output block at the top level. */
  private interface BlockSink {
    void accept(int block, Ct flooded, FloodingBudget budget);
  }

  private void queryProducts(MatVecLayout layout, List<Ciphertext> query, long[][] w,
      long[] mask, PublicKey receiverKey, int kappa, BlockSink sink) {
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
    // the operands' level (every one the same; the top level unless the owner chose a lower)
    int top = query.isEmpty() ? ctx.k - 1 : ctx.evalCt(query.get(0)).level;
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
    FloodingBudget budget = top == ctx.k - 1
        ? FloodingBudget.forMatVec(ctx.params, layout, kappa)
        : FloodingBudget.forMatVec(ctx.params, layout, kappa, top);
    int cnt = top + 1;
    Prg prg = Prg.fresh();
    for (int o = 0; o < layout.outputCount(); o++) {
      long[][] acc0 = ctx.ring.newRows(cnt);
      long[][] acc1 = ctx.ring.newRows(cnt);
      for (int j = 0; j < q.length; j++) {
        long[][] tileNtt = ctx.bfvPlainNtt(tile(layout, w, o, j), top);
        long[][] tileShoup = ctx.ring.shoupRows(tileNtt, cnt);
        ctx.ring.mulAddShoupInto(acc0, q[j].c[0], tileNtt, tileShoup, cnt);
        ctx.ring.mulAddShoupInto(acc1, q[j].c[1], tileNtt, tileShoup, cnt);
      }
      sink.accept(o, flood(layout, o, top, acc0, acc1, mask, pk, budget, prg), budget);
    }
  }

  @Override
  public List<Ciphertext> encryptMatrix(Encryptor encryptor, MatVecLayout layout, long[][] w) {
    return encryptMatrix(encryptor, layout, w, ctx.k - 1);
  }

  @Override
  public List<Ciphertext> encryptMatrix(Encryptor encryptor, MatVecLayout layout, long[][] w,
      int level) {
    checkLayout(layout);
    checkLevel(level);
    if (!encryptor.isSymmetric()) {
      throw new IncompatibleOperandsException("the tiles are encrypted with the secret key");
    }
    checkMatrix(layout, w);
    JavaBfvEncoder enc = new JavaBfvEncoder(ctx);
    List<Ciphertext> out = new ArrayList<>();
    for (int o = 0; o < layout.outputCount(); o++) {
      for (int j = 0; j < layout.inputCount(); j++) {
        out.add(seeded(encryptor, enc.encode(tile(layout, w, o, j)), level));
      }
    }
    return out;
  }

  @Override
  public List<Ciphertext> answerEncryptedMatrix(MatVecLayout layout, List<Ciphertext> tiles,
      long[] r, long[] mask, PublicKey ownerKey, int kappa) {
    List<Ciphertext> out = new ArrayList<>();
    matrixProducts(layout, tiles, r, mask, ownerKey, kappa,
        (o, flooded, budget) -> out.add(extract(
            (Ct) ctx.evaluator().modSwitchTo(flooded, budget.answerLevel()), layout, o)));
    return out;
  }

  @Override
  public List<CompactAnswer> answerEncryptedMatrixCompact(MatVecLayout layout,
      List<Ciphertext> tiles, long[] r, long[] mask, PublicKey ownerKey, int kappa) {
    List<CompactAnswer> out = new ArrayList<>();
    matrixProducts(layout, tiles, r, mask, ownerKey, kappa,
        (o, flooded, budget) -> out.add(compact(flooded, layout, o, budget)));
    return out;
  }

  private void matrixProducts(MatVecLayout layout, List<Ciphertext> tiles, long[] r,
      long[] mask, PublicKey ownerKey, int kappa, BlockSink sink) {
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
    int top = tiles.isEmpty() ? ctx.k - 1 : ctx.evalCt(tiles.get(0)).level;
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
    FloodingBudget budget = top == ctx.k - 1
        ? FloodingBudget.forMatVec(ctx.params, layout, kappa)
        : FloodingBudget.forMatVec(ctx.params, layout, kappa, top);
    Prg prg = Prg.fresh();
    for (int o = 0; o < layout.outputCount(); o++) {
      long[][] acc0 = ctx.ring.newRows(cnt);
      long[][] acc1 = ctx.ring.newRows(cnt);
      for (int j = 0; j < in; j++) {
        Ct tile = c[o * in + j];
        ctx.ring.mulAddShoupInto(acc0, tile.c[0], rNtt[j], rShoup[j], cnt);
        ctx.ring.mulAddShoupInto(acc1, tile.c[1], rNtt[j], rShoup[j], cnt);
      }
      sink.accept(o, flood(layout, o, top, acc0, acc1, mask, pk, budget, prg), budget);
    }
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
   * re-randomizes under {@code pk} and floods output block {@code o}; the result stays at the
   * operands' level {@code top}, to be switched down and extracted or made compact.
   */
  private Ct flood(MatVecLayout layout, int o, int top, long[][] acc0, long[][] acc1,
      long[] mask, Pk pk, FloodingBudget budget, Prg prg) {
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
    return ev.addFreshAndFlood(product, pk, maskScaled, budget.floodBits());
  }

  /** The kept positions of output block {@code block}, in the layout's order. */
  private static int[] keptPositions(MatVecLayout layout, int block) {
    int br = layout.blockRows();
    int count = Math.min(br, layout.rows() - block * br);
    int[] kept = new int[count];
    for (int i = 0; i < count; i++) {
      kept[i] = layout.outputCoefficient(block * br + i);
    }
    return kept;
  }

  /**
   * The word-arithmetic switch from level {@code level} to {@code 2^bits}, per prime: the CRT
   * factor {@code (Q/q_i)^-1 mod q_i} with its Shoup companion, and
   * {@code floor(2^(bits + 64) / q_i)} in two words.
   */
  record PowerOfTwoSwitch(int bits, long[] q, long[] hatInv, long[] hatInvShoup,
      long[] ratioHi, long[] ratioLo) {
    /**
     * {@code x' = round(sum_i y_i 2^bits / q_i) mod 2^bits} with {@code y_i = a_i (Q/q_i)^-1
     * mod q_i}, i.e. {@code 2^bits x / Q} up to a multiple of {@code 2^bits}, off by less than
     * {@code 1/2 + sum(q_i) / 2^64} (each product {@code y_i floor(2^(bits+64)/q_i) / 2^64}
     * falls short of {@code y_i 2^bits / q_i} by less than {@code q_i / 2^64}).
     */
    long apply(long[][] rows, int j) {
      long whole = 0;
      long frac = 0;
      for (int i = 0; i < q.length; i++) {
        long y = Modulus.mulShoup(rows[i][j], hatInv[i], hatInvShoup[i], q[i]);
        long lo = y * ratioLo[i];
        whole += y * ratioHi[i] + Modulus.umulhi(y, ratioLo[i]);
        long f = frac + lo;
        if (Long.compareUnsigned(f, frac) < 0) {
          whole++;
        }
        frac = f;
      }
      whole += frac >>> 63;
      return whole & ((1L << bits) - 1);
    }
  }

  private final Map<Integer, PowerOfTwoSwitch> switches = new ConcurrentHashMap<>();

  PowerOfTwoSwitch powerOfTwoSwitch(int level, int bits) {
    return switches.computeIfAbsent(level * 64 + bits, key -> {
      int cnt = level + 1;
      long[] q = new long[cnt];
      long[] inv = new long[cnt];
      long[] invShoup = new long[cnt];
      long[] hi = new long[cnt];
      long[] lo = new long[cnt];
      for (int i = 0; i < cnt; i++) {
        Modulus mod = ctx.ring.mods[i];
        q[i] = mod.q;
        inv[i] = ctx.ring.crtHatInv[level][i];
        invShoup[i] = mod.shoup(inv[i]);
        BigInteger ratio = BigInteger.ONE.shiftLeft(bits + 64).divide(mod.big());
        lo[i] = ratio.longValue();
        hi[i] = ratio.shiftRight(64).longValue();
      }
      return new PowerOfTwoSwitch(bits, q, inv, invShoup, hi, lo);
    });
  }

  /**
   * Output block {@code o} of a flooded top-level answer switched to {@code 2^bits}: {@code c_0}
   * only at the kept positions, {@code c_1} whole, both in coefficient form.
   */
  private CompactAnswer compact(Ct flooded, MatVecLayout layout, int o, FloodingBudget budget) {
    int bits = budget.compactBits();
    if (bits == 0) {
      throw new NoiseBudgetException("no power-of-two modulus up to 2^63 leaves room for the "
          + "compact answer's rounding under " + ctx.params.name());
    }
    int cnt = flooded.level + 1;
    PowerOfTwoSwitch sw = powerOfTwoSwitch(flooded.level, bits);
    long[][] c0 = RnsRing.copy(flooded.c[0], cnt);
    ctx.ring.fromNtt(c0, cnt);
    long[][] c1 = RnsRing.copy(flooded.c[1], cnt);
    ctx.ring.fromNtt(c1, cnt);
    int[] kept = keptPositions(layout, o);
    long[] k0 = new long[kept.length];
    for (int i = 0; i < kept.length; i++) {
      k0[i] = sw.apply(c0, kept[i]);
    }
    long[] k1 = new long[ctx.n];
    for (int j = 0; j < ctx.n; j++) {
      k1[j] = sw.apply(c1, j);
    }
    return new CompactAnswer(bits, k0, k1);
  }

  @Override
  public long[] decryptCompactAnswer(Decryptor decryptor, MatVecLayout layout,
      List<CompactAnswer> answer) {
    checkLayout(layout);
    if (!(decryptor instanceof JavaDecryptor jd) || jd.context() != ctx) {
      throw new IncompatibleOperandsException("the decryptor is not of this context");
    }
    if (answer.size() != layout.outputCount()) {
      throw new IncompatibleOperandsException(
          "answer has " + answer.size() + " blocks, layout needs " + layout.outputCount());
    }
    int n = ctx.n;
    long t = ctx.t;
    long[] sRev = jd.reversedKey();
    long[] y = new long[layout.rows()];
    long[] d = new long[2 * n];
    int br = layout.blockRows();
    for (int o = 0; o < answer.size(); o++) {
      CompactAnswer a = answer.get(o);
      int[] kept = keptPositions(layout, o);
      long[] c0 = a.c0();
      long[] c1 = a.c1();
      if (c0.length != kept.length || c1.length != n) {
        throw new IncompatibleOperandsException("compact answer block " + o + " has "
            + c0.length + " + " + c1.length + " coefficients, expected " + kept.length + " + "
            + n);
      }
      int bits = a.bits();
      // d[v + N] = c_1[v], d[v] = -c_1[v]: (c_1 s)[pos] = sum_w s[N-1-w] d[pos + 1 + w]
      for (int v = 0; v < n; v++) {
        d[v] = -c1[v];
        d[v + n] = c1[v];
      }
      long mask = (1L << bits) - 1;
      for (int i = 0; i < kept.length; i++) {
        int from = kept[i] + 1;
        long acc = c0[i];
        for (int w = 0; w < n; w++) {
          acc += sRev[w] * d[from + w];
        }
        long x = acc & mask;
        // round(t x / 2^bits) mod t, t x < 2^126
        long hi = Math.multiplyHigh(t, x);
        long lo = t * x;
        long m = (hi << (64 - bits)) | (lo >>> bits);
        m += (lo >>> (bits - 1)) & 1;
        y[o * br + i] = m >= t ? m - t : m;
      }
    }
    return y;
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
