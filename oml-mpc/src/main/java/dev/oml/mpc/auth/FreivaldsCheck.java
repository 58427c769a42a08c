package dev.oml.mpc.auth;

import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;

/**
 * Binds the licensee's offline product {@code c = W_U r} to its authenticated factors. MACs are
 * linear, so the licensee cannot derive a tag for a product of two authenticated values; instead
 * it authenticates its claimed {@code c} itself (a {@link VoleReceiver} run, which commits it),
 * and this check, a Freivalds test over MACs, shows that {@code c} is the product.
 *
 * <p>Steps. After {@code W_U} (artifact tags), {@code r} and {@code c} (VOLE) are authenticated,
 * (1) the owner draws {@code s} uniform in {@code F_p^rows} ({@link Owner#challenge()}); (2) the
 * licensee sends {@code w = s^T W_U} ({@link Licensee#respond(byte[])}), a public combination
 * of authenticated values, so it carries a MAC; (3) both register with the batched MAC check
 * that {@code w} is what was sent and that {@code e = s . c - w . r} is zero. {@code e} is linear
 * in authenticated values ({@code w} is public by then), so both sides compute its tag and key
 * locally.
 *
 * <p>Soundness: if {@code c != W_U r}, then {@code s . (c - W_U r) = 0} with probability
 * {@code 1/p} because {@code s} is drawn after {@code c}, {@code r} and {@code W_U} are fixed by
 * their MACs; a wrong {@code w} (which could make {@code e} vanish: the licensee knows {@code r}
 * and {@code s}) is an opened value with a wrong MAC; a nonzero {@code e} claimed zero is a wrong
 * MAC. With {@link MacCheckVerifier}'s bound the total is below {@code 3/(p - 1) < 2^-44}.
 * Privacy: {@code e = 0} reveals nothing; {@code w = s^T W_U} reveals one random combination of
 * the rows of the licensee's share to the owner's service. {@code W_U} does not depend on the
 * licensee's input, so the licensee loses nothing, but the service (which otherwise holds only
 * {@code k_O}) learns {@code s^T W} per check; {@code docs/2pc-tier2.md} discusses masking it.
 */
public final class FreivaldsCheck {
  static final int TAG_CHALLENGE = 0x61;
  static final int TAG_RESPONSE = 0x62;
  private static final int SEED_BYTES = 16;

  private FreivaldsCheck() {}

  private static long[] expand(byte[] seed, int rows) {
    return new FieldSampler(new Prg(seed)).next(rows);
  }

  private static void checkShapes(int wLen, int rows, int cols, int rLen, int cLen) {
    if (rows < 1 || cols < 1 || wLen != (long) rows * cols || rLen != cols || cLen != rows) {
      throw new IllegalArgumentException("shapes do not fit: W is " + rows + " x " + cols
          + " (" + wLen + " entries), r has " + rLen + ", c has " + cLen);
    }
  }

  /** The owner's side: keys of {@code W_U} (row-major), of {@code r} and of {@code c}. */
  public static final class Owner {
    private final MacKeyVector w;
    private final MacKeyVector r;
    private final MacKeyVector c;
    private final int rows;
    private final int cols;
    private final SecureRandom rng;
    private long[] s;
    private long[] combination;
    // Test hook for the attack test: with false, the product check is not registered, which
    // shows what a wrong product achieves without it. Never set in production.
    boolean checkEnabled = true;

    /**
     * The owner's keys for a {@code rows x cols} share {@code W_U}, the mask {@code r} and the
     * claimed product {@code c}.
     *
     * @throws IllegalArgumentException if the shapes do not fit
     */
    public Owner(MacKeyVector w, int rows, int cols, MacKeyVector r, MacKeyVector c,
        SecureRandom rng) {
      checkShapes(w.length(), rows, cols, r.length(), c.length());
      this.w = w;
      this.r = r;
      this.c = c;
      this.rows = rows;
      this.cols = cols;
      this.rng = rng;
    }

    /** Message 1, owner to licensee: the seed of {@code s}, drawn now. */
    public byte[] challenge() {
      if (s != null) {
        throw new IllegalStateException("challenge was already drawn");
      }
      byte[] seed = new byte[SEED_BYTES];
      rng.nextBytes(seed);
      s = expand(seed, rows);
      return new MessageWriter(TAG_CHALLENGE, SEED_BYTES).putBytes(seed).toByteArray();
    }

    /**
     * Consumes message 2 ({@code w = s^T W_U}) and registers both claims with {@code check}.
     *
     * @throws ProtocolAbortException if message 2 is malformed
     */
    public void receive(byte[] response, MacCheckVerifier check) {
      if (s == null || combination != null) {
        throw new IllegalStateException("call challenge once, then receive once");
      }
      MessageReader m = new MessageReader(response, TAG_RESPONSE, 8 * cols,
          "Freivalds response");
      long[] v = new long[cols];
      m.getLongs(v, 0, cols);
      for (long x : v) {
        if (!PrimeField.isCanonical(x)) {
          throw new ProtocolAbortException("Freivalds response: a value is not in F_p");
        }
      }
      combination = v;
      check.expectKnown(w.combineRows(s, cols), v);
      if (checkEnabled) {
        check.expectZero(c.timesPublic(1, s).sub(r.timesPublic(1, v)));
      }
    }
  }

  /** The licensee's side: authenticated {@code W_U} (row-major), {@code r} and {@code c}. */
  public static final class Licensee {
    private final AuthenticatedVector w;
    private final AuthenticatedVector r;
    private final AuthenticatedVector c;
    private final int rows;
    private final int cols;
    private boolean responded;

    /**
     * The licensee's authenticated {@code rows x cols} share {@code W_U}, mask {@code r} and
     * claimed product {@code c}.
     *
     * @throws IllegalArgumentException if the shapes do not fit
     */
    public Licensee(AuthenticatedVector w, int rows, int cols, AuthenticatedVector r,
        AuthenticatedVector c) {
      checkShapes(w.length(), rows, cols, r.length(), c.length());
      this.w = w;
      this.r = r;
      this.c = c;
      this.rows = rows;
      this.cols = cols;
    }

    /**
     * Consumes message 1, registers both claims with {@code check} and returns message 2.
     *
     * @throws ProtocolAbortException if message 1 is malformed
     */
    public byte[] respond(byte[] challenge, MacCheckProver check) {
      if (responded) {
        throw new IllegalStateException("respond was already called");
      }
      responded = true;
      MessageReader m = new MessageReader(challenge, TAG_CHALLENGE, SEED_BYTES,
          "Freivalds challenge");
      long[] s = expand(m.getBytes(SEED_BYTES), rows);
      AuthenticatedVector comb = w.combineRows(s, cols);
      check.known(comb);
      check.zero(c.timesPublic(1, s).sub(r.timesPublic(1, comb.valuesView())));
      return new MessageWriter(TAG_RESPONSE, 8 * cols).putLongs(comb.valuesView(), 0, cols)
          .toByteArray();
    }
  }
}
