package dev.oml.mpc.attacks;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.he.Ciphertext;
import dev.oml.he.HeContext;
import dev.oml.he.MatVecLayout;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.internal.Codec;
import dev.oml.mpc.inference.internal.HeSide;
import dev.oml.mpc.inference.internal.Msg;
import dev.oml.mpc.inference.internal.Plan;
import dev.oml.mpc.inference.internal.UserProtocol;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Attack (c) of issue #14 as a component: the owner's decryption of the offline answers as a
 * key-recovery oracle under LOGITS. Installed on a {@link ModifiedLicensee}, it adds
 * {@code gamma X^e} to {@code c_1} of the licensee's answer {@code Enc_O(W_U q - t)} for the last
 * layer of query {@code e + 1}, with {@code gamma = round(q 2^b / t)}; the owner's decryption
 * moves by {@code 2^b} times one coefficient of its secret key at each output row, and the
 * shift reaches the logits through {@code z_O}. Query 0 stays honest as the baseline. It also
 * keeps what the owner sent beside: its public key, and query 0's {@code Enc_O(q)} and
 * {@code h_O - q} of stage 1, which the recovered key opens.
 */
final class OwnerKeyRecoveryAttack {
  private final ModifiedLicensee licensee;
  private final Plan plan;
  private final HeContext ctx;
  private final CiphertextSurgery surgery;
  private final MatVecLayout[] layouts;
  private final FixedPointFormat fmt;
  private final int shiftBits;
  private final int n;
  private byte[] ownerPublicKey;
  private List<byte[]> ownerQuery;
  private long[] ownerMasked;

  /**
   * @param shiftBits {@code b}: the logits move by {@code 2^(b - f)} per unit of a key
   *     coefficient; it must leave the honest pre-truncation logits below {@code 2^(b - 1)}
   * @throws IllegalArgumentException if the last layer's answer is not a single ciphertext
   */
  OwnerKeyRecoveryAttack(ModifiedLicensee licensee, int shiftBits) {
    this.licensee = licensee;
    this.plan = licensee.engine().plan();
    this.ctx = HeSide.context(licensee.params());
    this.surgery = new CiphertextSurgery(ctx);
    this.fmt = plan.format();
    this.shiftBits = shiftBits;
    int k = plan.stageCount();
    layouts = new MatVecLayout[k];
    for (int i = 0; i < k; i++) {
      layouts[i] = ctx.coefficientMatVec().layout(plan.stage(i).rows(), plan.stage(i).cols());
    }
    if (k < 2 || layouts[k - 1].outputCount() != 1) {
      throw new IllegalArgumentException("the attack reads one answer ciphertext of a last layer"
          + " after the first");
    }
    this.n = 1 + layouts[k - 1].polyModulusDegree() / plan.outputs();
    licensee.watchReply(this::keep).rewriteFinish(this::tamper);
  }

  /** Queries of the bundle: one baseline, then N / (number of logits). */
  int queriesNeeded() {
    return n;
  }

  UserProtocol.Bundle prepare(TwoPartyOwner.Session session) {
    return licensee.prepare(session, n);
  }

  /**
   * Runs the bundle's queries on {@code input} and returns the owner's secret key of the bundle,
   * one ternary coefficient per entry.
   *
   * @throws IllegalStateException if a logit moved by something other than a key coefficient
   */
  long[] recoverKey(TwoPartyOwner.Session session, UserProtocol.Bundle bundle, long[] input) {
    MatVecLayout out = layouts[plan.stageCount() - 1];
    int degree = out.polyModulusDegree();
    long[] baseline = licensee.infer(session, bundle, input).logits();
    long[] key = new long[degree];
    long unit = 1L << (shiftBits - fmt.fractionalBits());
    for (int e = 0; e < n - 1; e++) {
      long[] logits = licensee.infer(session, bundle, input).logits();
      for (int r = 0; r < plan.outputs(); r++) {
        long diff = fmt.signed(fmt.reduce(logits[r] - baseline[r]));
        if (diff % unit != 0 || Math.abs(diff / unit) > 1) {
          throw new IllegalStateException("logit " + r + " moved by " + diff);
        }
        int idx = out.outputCoefficient(r) - e;
        long sign = 1;
        if (idx < 0) {
          idx += degree;
          sign = -1; // X^N = -1
        }
        key[idx] = sign * (diff / unit);
      }
    }
    return key;
  }

  /** The owner's public key of the bundle, as sent in flight 2. */
  byte[] ownerPublicKey() {
    return ownerPublicKey.clone();
  }

  /** Query 0's {@code Enc_O(q)} of stage 1, as sent in flight 2. */
  Ciphertext ownerMaskCiphertext() {
    return ctx.serializer().loadCiphertext(ownerQuery.get(0));
  }

  /** Query 0's {@code h_O - q} of stage 1, as sent in flight 2. */
  long[] ownerMaskedShare() {
    return ownerMasked.clone();
  }

  private void keep(byte[] reply) {
    Codec.Reader rd = new Codec.Reader(reply, Msg.OFFLINE_REPLY, "attack");
    rd.u8();
    ownerPublicKey = rd.blob(HeSide.MAX_OBJECT_BYTES);
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < plan.stageCount(); i++) {
        HeSide.read(rd, layouts[i].outputCount(), "attack");
      }
    }
    ownerQuery = HeSide.read(rd, layouts[1].inputCount(), "attack");
    ownerMasked = rd.ring(plan.stage(1).cols(), fmt.ringBits());
  }

  private byte[] tamper(byte[] finish) {
    int k = plan.stageCount();
    Codec.Reader rd = new Codec.Reader(finish, Msg.OFFLINE_FINISH, "attack");
    Codec.Writer w = new Codec.Writer(Msg.OFFLINE_FINISH, finish.length);
    for (int j = 0; j < n; j++) {
      for (int i = 1; i < k; i++) {
        List<byte[]> cts = new ArrayList<>(HeSide.read(rd, layouts[i].outputCount(), "attack"));
        if (i == k - 1 && j > 0) {
          byte[] c = cts.get(0);
          int level = ctx.serializer().loadCiphertext(c).level();
          BigInteger q = licensee.params().he().modulusAtLevel(level);
          int l = fmt.ringBits();
          BigInteger gamma = q.shiftLeft(shiftBits).add(BigInteger.ONE.shiftLeft(l - 1))
              .shiftRight(l);
          cts.set(0, surgery.addToExtractedC1(c, gamma, j - 1));
        }
        HeSide.write(w, cts);
      }
    }
    w.blob(rd.blob(Msg.MAX_GC_BYTES));
    rd.end();
    return w.toByteArray();
  }

  /**
   * {@code round(t (c_0 + c_1 s) / q) mod t} with the key's coefficients, for a ciphertext at
   * one prime: the licensee's own decryption with a recovered key.
   */
  static long[] decrypt(HeContext ctx, Ciphertext c, long[] s) {
    if (c.level() != 0) {
      throw new IllegalArgumentException("one prime only");
    }
    long[][][] comp = ctx.exportComponents(c);
    int degree = s.length;
    BigInteger q = BigInteger.valueOf(ctx.parameters().coeffModulus()[0]);
    BigInteger t = BigInteger.valueOf(ctx.parameters().plainModulus());
    long[] c0 = comp[0][0];
    long[] c1 = comp[1][0];
    long[] m = new long[degree];
    for (int p = 0; p < degree; p++) {
      BigInteger acc = BigInteger.valueOf(c0[p]);
      for (int i = 0; i < degree; i++) {
        if (s[i] == 0) {
          continue;
        }
        int j = p - i;
        long sign = s[i];
        if (j < 0) {
          j += degree;
          sign = -sign;
        }
        BigInteger term = BigInteger.valueOf(c1[j]);
        acc = sign > 0 ? acc.add(term) : acc.subtract(term);
      }
      m[p] = acc.mod(q).multiply(t).add(q.shiftRight(1)).divide(q).mod(t).longValue();
    }
    return m;
  }
}
