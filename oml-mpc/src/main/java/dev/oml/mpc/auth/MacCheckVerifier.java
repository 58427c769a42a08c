package dev.oml.mpc.auth;

import dev.oml.core.field.FieldElementException;
import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.auth.internal.FieldSampler;
import dev.oml.mpc.internal.MessageReader;
import dev.oml.mpc.internal.MessageWriter;
import dev.oml.mpc.internal.Prg;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The owner's side of the one batched MAC check per query: it accepts the licensee's claimed
 * values (opened vectors, values it already knows, differences that must be zero) only if they
 * match their MACs, and must run before the owner releases its part of the output.
 *
 * <p>Protocol. (1) Licensee: the claim message, every opened value {@code v'_i}. (2) Owner:
 * a fresh 128-bit seed, drawn only now, which expands (AES-CTR, rejection sampling) into uniform
 * coefficients {@code chi_i}, one per registered entry. (3) Licensee: {@code M = sum chi_i M_i}.
 * The owner accepts iff {@code M = sum chi_i K_i + alpha sum chi_i v'_i}.
 *
 * <p>Soundness. Let the licensee claim {@code v'_i = v_i + delta_i} with {@code delta != 0}.
 * Accepting needs {@code M - sum chi_i M_i = alpha sum chi_i delta_i}. The {@code delta_i} are
 * fixed before {@code chi} is drawn, so {@code sum chi_i delta_i = 0} with probability
 * {@code 1/p}; otherwise the licensee must name {@code alpha} times a known nonzero value, and its
 * view is independent of {@code alpha} (VOLE corrections and label-table entries are masked by
 * hashes of labels and pads it does not hold; keys never travel), so it succeeds with probability
 * at most {@code 1/(p - 1)}. Total {@code < 2/(p - 1) < 2^-44}: {@link #STATISTICAL_BITS} = 44
 * bits in one repetition, above the required 40, so no repetition or field extension is needed
 * with this {@code p}. {@code alpha} lives for the whole licence, so each failed check rules out
 * one guess: after {@code A} aborts the bound is {@code 2/(p - 1 - A)}, which is why aborts are
 * counted per licensee and the licence revoked long before {@code A} matters. The check reveals
 * nothing new to the owner: the combined tag is a function of values it knows.
 */
public final class MacCheckVerifier {
  static final int TAG_CLAIMS = 0x41;
  static final int TAG_CHALLENGE = 0x42;
  static final int TAG_RESPONSE = 0x43;
  static final int SEED_BYTES = 16;
  /** Statistical security of one check against a malicious licensee, in bits. */
  public static final int STATISTICAL_BITS = 44;

  private final MacKey alpha;
  private final SecureRandom rng;
  private final List<MacKeyVector> keys = new ArrayList<>();
  private final List<long[]> values = new ArrayList<>(); // null: comes in the claim message
  private final List<long[]> opened = new ArrayList<>();
  private byte[] seed;
  private boolean verified;
  // Test hook for the attack tests: with false, verify accepts anything, which shows what a
  // forgery would achieve without the check. Never set in production.
  boolean checkEnabled = true;

  /** A verifier under {@code alpha}; {@code rng} draws the challenge. */
  public MacCheckVerifier(MacKey alpha, SecureRandom rng) {
    this.alpha = alpha;
    this.rng = rng;
  }

  /** Registers keys of a vector whose values arrive in the claim message. */
  public MacCheckVerifier expectOpen(MacKeyVector k) {
    requireRegistering();
    keys.add(k);
    values.add(null);
    return this;
  }

  /**
   * Registers keys of a vector whose values the owner already knows (copied).
   *
   * @throws FieldElementException if a value is not canonical
   */
  public MacCheckVerifier expectKnown(MacKeyVector k, long[] knownValues) {
    requireRegistering();
    if (knownValues.length != k.length()) {
      throw new IllegalArgumentException("values and keys have different lengths");
    }
    PrimeField.requireCanonical(knownValues, "known values");
    keys.add(k);
    values.add(knownValues.clone());
    return this;
  }

  /** Registers keys of a vector that must be all zeros. */
  public MacCheckVerifier expectZero(MacKeyVector k) {
    return expectKnown(k, new long[k.length()]);
  }

  private void requireRegistering() {
    if (seed != null) {
      throw new IllegalStateException("all keys must be registered before the claims arrive");
    }
  }

  /**
   * The challenge of a check that opens nothing (every entry registered with
   * {@link #expectKnown} or {@link #expectZero}), drawn now without a claim message: the
   * licensee has nothing to claim, so the challenge can go out as soon as every value it is
   * bound to has been received. Same as {@link #challenge(byte[])} on the empty claim message.
   *
   * @throws IllegalStateException if an entry was registered with {@link #expectOpen}
   */
  public byte[] challengeWithoutClaims() {
    for (long[] v : values) {
      if (v == null) {
        throw new IllegalStateException("a check with opened values needs the claim message");
      }
    }
    return challenge(new MessageWriter(TAG_CLAIMS, 0).toByteArray());
  }

  /**
   * Consumes the claim message and returns the challenge, drawn now.
   *
   * @throws ProtocolAbortException if the claims are malformed or not in {@code F_p}
   */
  public byte[] challenge(byte[] claims) {
    if (seed != null) {
      throw new IllegalStateException("challenge was already called");
    }
    int n = 0;
    for (int i = 0; i < keys.size(); i++) {
      if (values.get(i) == null) {
        n += keys.get(i).length();
      }
    }
    MessageReader r = new MessageReader(claims, TAG_CLAIMS, 8 * n, "MAC check claims");
    // parse and validate everything before keeping any of it, so a bad message changes nothing
    List<long[]> parsed = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (values.get(i) == null) {
        long[] v = new long[keys.get(i).length()];
        r.getLongs(v, 0, v.length);
        for (long x : v) {
          if (!PrimeField.isCanonical(x)) {
            throw new ProtocolAbortException("MAC check claims: a value is not in F_p");
          }
        }
        parsed.add(v);
      }
    }
    int next = 0;
    for (int i = 0; i < keys.size(); i++) {
      if (values.get(i) == null) {
        long[] v = parsed.get(next++);
        values.set(i, v);
        opened.add(v);
      }
    }
    seed = new byte[SEED_BYTES];
    rng.nextBytes(seed);
    return new MessageWriter(TAG_CHALLENGE, SEED_BYTES).putBytes(seed).toByteArray();
  }

  /**
   * Consumes the combined tag and checks it.
   *
   * @throws MacCheckFailedException if the tag does not match; nothing may be released then
   * @throws ProtocolAbortException if the message is malformed
   */
  public void verify(byte[] response) {
    if (seed == null || verified) {
      throw new IllegalStateException("call challenge once, then verify once");
    }
    MessageReader r = new MessageReader(response, TAG_RESPONSE, 8, "MAC check response");
    long m = r.getLong();
    FieldSampler chi = new FieldSampler(new Prg(seed));
    long keySum = 0;
    long valueSum = 0;
    for (int i = 0; i < keys.size(); i++) {
      long[] k = keys.get(i).keysView();
      long[] v = values.get(i);
      for (int j = 0; j < k.length; j++) {
        long c = chi.next();
        keySum = PrimeField.add(keySum, PrimeField.mul(c, k[j]));
        valueSum = PrimeField.add(valueSum, PrimeField.mul(c, v[j]));
      }
    }
    long expected = PrimeField.add(keySum, PrimeField.mul(alpha.alpha(), valueSum));
    if (checkEnabled && expected != m) {
      throw new MacCheckFailedException("MAC check failed: a value the licensee opened or fed"
          + " into a circuit does not match its MAC; the query is aborted and nothing released");
    }
    verified = true;
  }

  /** True once {@link #verify(byte[])} has accepted; what is withheld until then may go out. */
  public boolean accepted() {
    return verified;
  }

  /**
   * The values of the {@link #expectOpen} vectors, in registration order, once
   * {@link #verify(byte[])} has accepted them.
   */
  public List<long[]> openedValues() {
    if (!verified) {
      throw new IllegalStateException("opened values are released only after the check passed");
    }
    List<long[]> out = new ArrayList<>();
    for (long[] v : opened) {
      out.add(v.clone());
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Runs the owner's side over {@code channel}. On failure (a failed check included) the channel
   * is closed and the exception rethrown.
   */
  public List<long[]> run(Channel channel) {
    try {
      channel.send(challenge(channel.receive()));
      verify(channel.receive());
      return openedValues();
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
