package dev.oml.mpc.inference.internal;

import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PublicKey;
import dev.oml.he.SecretKey;
import dev.oml.mpc.inference.TwoPartyParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One party's HE keys for one bundle (fresh per bundle, so nothing encrypted for one bundle can
 * be decrypted with another's key) over a shared context, and the wire form of ciphertext lists.
 * Everything received is loaded through the validating serializer: a malformed or foreign
 * ciphertext or key aborts the protocol.
 */
public final class HeSide {
  private static final ConcurrentHashMap<String, HeContext> CONTEXTS = new ConcurrentHashMap<>();
  /** Largest serialized ciphertext or key accepted (a level-3 N = 8192 ciphertext is 0.5 MB). */
  public static final int MAX_OBJECT_BYTES = 1 << 24;

  private final TwoPartyParameters params;
  private final HeContext ctx;
  private final KeyGenerator keys;
  private final PublicKey publicKey;
  private final Encryptor symmetric;
  private final Decryptor decryptor;

  public HeSide(TwoPartyParameters params) {
    this.params = params;
    this.ctx = context(params);
    this.keys = ctx.keyGenerator();
    this.publicKey = keys.createPublicKey();
    this.symmetric = ctx.encryptor(keys.secretKey());
    this.decryptor = ctx.decryptor(keys.secretKey());
  }

  /** The context for {@code params}, created once per JVM (contexts are thread-safe). */
  public static HeContext context(TwoPartyParameters params) {
    return CONTEXTS.computeIfAbsent(params.he().parameterId(),
        id -> HeBackends.pureJava().createContext(params.he()));
  }

  /**
   * The layout of stage {@code s}, checked up front against the flooding budget, so parameters
   * that cannot hide this layer's answers are refused when a party is built, not at its first
   * query (where the failure would look like the peer's fault).
   *
   * @throws NoiseBudgetException naming the layer, if kappa-flooding does not fit the modulus
   */
  public static MatVecLayout checkedLayout(TwoPartyParameters params, Plan.Stage s) {
    MatVecLayout layout = context(params).coefficientMatVec().layout(s.rows(), s.cols());
    try {
      FloodingBudget.forMatVec(params.he(), layout.inputCount(), layout.outputCount(),
          params.kappa());
    } catch (NoiseBudgetException e) {
      throw new NoiseBudgetException("layer " + s.layer() + " (" + s.rows() + " x " + s.cols()
          + ", " + layout.inputCount() + " query and " + layout.outputCount()
          + " answer ciphertexts) cannot be flooded at " + params + ": " + e.getMessage());
    }
    return layout;
  }

  public MatVecLayout layout(int rows, int cols) {
    return ctx.coefficientMatVec().layout(rows, cols);
  }

  /**
   * This side's own bundle secret key. Only the user's test seam reads it
   * ({@link UserProtocol.Preparation#heSecretKeyForTesting}); it never leaves the process.
   */
  SecretKey secretKey() {
    return keys.secretKey();
  }

  public byte[] publicKeyBytes() {
    return ctx.serializer().save(publicKey);
  }

  /** Loads the peer's public key. */
  public PublicKey loadPublicKey(byte[] b, String step) {
    try {
      return ctx.serializer().loadPublicKey(b);
    } catch (HeException | IllegalArgumentException e) {
      throw new ProtocolAbortException(step + ": the peer's HE public key is malformed: "
          + e.getMessage(), e);
    }
  }

  /** {@code Enc(v)} under this side's key, serialized, one entry per ciphertext. */
  public List<byte[]> encryptQuery(MatVecLayout layout, long[] v) {
    List<byte[]> out = new ArrayList<>();
    for (Ciphertext c : ctx.coefficientMatVec().encryptQuery(symmetric, layout, v)) {
      out.add(ctx.serializer().save(c));
    }
    return out;
  }

  /**
   * {@code Enc(W v - mask)} for the peer's query, under the peer's key: re-randomized, flooded at
   * kappa, switched down (all inside {@link CoefficientMatVec#answer}).
   */
  public List<byte[]> answer(MatVecLayout layout, List<byte[]> query, long[][] w, long[] mask,
      PublicKey peer, String step) {
    List<Ciphertext> q = load(query, layout.inputCount(), step);
    List<byte[]> out = new ArrayList<>();
    try {
      for (Ciphertext c : ctx.coefficientMatVec().answer(layout, q, w, mask, peer, params.kappa())) {
        out.add(ctx.serializer().save(c));
      }
    } catch (HeException e) {
      throw new ProtocolAbortException(step + ": the peer's query cannot be answered: "
          + e.getMessage(), e);
    }
    return out;
  }

  /** Decrypts an answer to this side's query. */
  public long[] decryptAnswer(MatVecLayout layout, List<byte[]> answer, String step) {
    List<Ciphertext> a = load(answer, layout.outputCount(), step);
    try {
      return ctx.coefficientMatVec().decryptAnswer(decryptor, layout, a);
    } catch (HeException e) {
      throw new ProtocolAbortException(step + ": the peer's answer cannot be decrypted: "
          + e.getMessage(), e);
    }
  }

  private List<Ciphertext> load(List<byte[]> bytes, int expected, String step) {
    if (bytes.size() != expected) {
      throw new ProtocolAbortException(step + ": " + bytes.size() + " ciphertexts, expected "
          + expected);
    }
    List<Ciphertext> out = new ArrayList<>();
    for (byte[] b : bytes) {
      try {
        out.add(ctx.serializer().loadCiphertext(b));
      } catch (HeException | IllegalArgumentException e) {
        throw new ProtocolAbortException(step + ": a ciphertext is malformed: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** Writes a ciphertext list: count, then each as a blob. */
  public static void write(Codec.Writer w, List<byte[]> cts) {
    w.u32(cts.size());
    for (byte[] c : cts) {
      w.blob(c);
    }
  }

  /** Reads a ciphertext list of exactly {@code expected} entries. */
  public static List<byte[]> read(Codec.Reader r, int expected, String what) {
    r.u32(expected, what + " ciphertext count");
    List<byte[]> out = new ArrayList<>(expected);
    for (int i = 0; i < expected; i++) {
      out.add(r.blob(MAX_OBJECT_BYTES));
    }
    return out;
  }
}
