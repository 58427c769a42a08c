package dev.oml.mpc.auth;

import dev.oml.core.field.PrimeField;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.CompactAnswer;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.NoiseBudgetException;
import dev.oml.he.PublicKey;
import dev.oml.mpc.internal.Parallel;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The tier-2 offline HE step over {@code F_p} (docs/2pc-tier2.md section 3 step 4 and section 4
 * items 2 and 4), in both directions, under the rule that the owner O only encrypts with a key
 * pair fresh for the bundle, decrypts and derives MAC keys, while the licensee U evaluates on
 * O's ciphertexts and re-randomizes and floods for its own privacy. Direction 1: O sends
 * {@code pk_O} and {@code Enc_O(W_O)} as tiles; U, holding {@code r} with tags {@code M_r},
 * returns {@code Enc_O(W_O r - t)} and {@code Enc_O(W_O M_r - t')}; O decrypts {@code v},
 * {@code v'} and holds {@code K_t = W_O K_r + alpha v - v'}, so that U's {@code (t, t')} is
 * authenticated exactly when U evaluated what it was given. Direction 2: O sends
 * {@code Enc_O(q)}; U returns {@code Enc_O(W_U q - t2)} and {@code Enc_O(T_U q - t2')}; O holds
 * {@code K_t2 = K_W q + alpha u2 - v2'}. Nothing here checks the relation: the shares go into the
 * batched MAC check ({@link MacCheckProver}, {@link MacCheckVerifier}), which catches any
 * deviation with probability {@code 1 - 2/(p-1)}. Steps are local and typed; {@link Owner#run}
 * and {@link User#run} are thin channel drivers.
 */
public final class OfflineHe {
  static final int TAG_KEY = 0x50;
  static final int TAG_MATRIX = 0x51;
  static final int TAG_MASK = 0x52;
  static final int TAG_ANSWER = 0x53;
  /** Largest serialized key or ciphertext accepted (an N = 8192 fresh ciphertext is 0.4 MB). */
  public static final int MAX_OBJECT_BYTES = 1 << 24;
  /** Largest number of ciphertexts in one message. */
  public static final int MAX_CIPHERTEXTS = 4096;

  private final HeParameters params;
  private final int kappa;
  private final HeContext ctx;
  // the licensee's products: SEAL's context when that backend runs them, else null (ctx)
  private final HeContext productCtx;

  /**
   * @param params BFV with plain modulus {@link PrimeField#P} and coefficient encoding
   * @param kappa the statistical parameter of U's flooding (at least 40 unless the parameters
   *     are marked insecure)
   * @throws IllegalArgumentException if the plain modulus is not {@code p}
   */
  public OfflineHe(HeParameters params, int kappa) {
    this(params, kappa, defaultProductBackend());
  }

  /**
   * The same with the licensee's products on {@code productBackend}: pure Java, or SEAL, which
   * takes the owner's ciphertexts and key from the wire format (the pure-Java serialization,
   * which stays the protocol's) through {@link HeContext#importOperand} and
   * {@link HeContext#importPublicKey}. Both give answers of the same form and distribution.
   */
  public OfflineHe(HeParameters params, int kappa, HeBackend productBackend) {
    if (params.plainModulus() != PrimeField.P) {
      throw new IllegalArgumentException("the offline step needs plain modulus p = "
          + PrimeField.P + ", got " + params.plainModulus());
    }
    if (kappa < params.minimumKappa()) {
      throw new IllegalArgumentException("kappa " + kappa + " is below " + params.minimumKappa());
    }
    this.params = params;
    this.kappa = kappa;
    this.ctx = HeBackends.pureJava().createContext(params);
    this.productCtx = productBackend == HeBackends.pureJava() ? null
        : productBackend.createContext(params);
  }

  /** SEAL when it loads and the backend setting allows it ({@link HeBackends#preferred}). */
  private static HeBackend defaultProductBackend() {
    try {
      return HeBackends.preferred();
    } catch (HeException e) {
      return HeBackends.pureJava();
    }
  }

  /** The backend the licensee's products run on. */
  public HeBackend productBackend() {
    return productCtx == null ? ctx.backend() : productCtx.backend();
  }

  /** The statistical parameter of the served protocol's flooding. */
  public static final int STANDARD_KAPPA = 40;

  /**
   * The offline step of the served two-party protocol: BFV at {@code N = 8192} over {@code F_p}
   * (the HE Standard's 128-bit bound for that degree), flooded at kappa {@value
   * #STANDARD_KAPPA}. One instance per process: both sides of a bundle must use these
   * parameters, and building the context (NTT tables) is not free.
   */
  public static OfflineHe standard() {
    return StandardHolder.INSTANCE;
  }

  private static final class StandardHolder {
    static final OfflineHe INSTANCE = new OfflineHe(
        dev.oml.he.PredefinedParameters.bfvPrimeField(STANDARD_KAPPA), STANDARD_KAPPA);
  }

  public HeParameters parameters() {
    return params;
  }

  public int kappa() {
    return kappa;
  }

  /** The context both sides use (public parameters only). */
  public HeContext context() {
    return ctx;
  }

  /**
   * The layout of a {@code rows x cols} product, checked against the flooding budget so that a
   * shape the parameters cannot hide is refused before anything is sent.
   */
  public MatVecLayout layout(int rows, int cols) {
    MatVecLayout l = ctx.coefficientMatVec().layout(rows, cols);
    if (FloodingBudget.compactLevel(params, l, kappa) < 0) {
      throw new NoiseBudgetException("a " + rows + " x " + cols + " answer has no compact form"
          + " under " + params.name());
    }
    return l;
  }

  /**
   * The layout of direction 1's {@code rows x cols} matrix: its tiles go once per bundle and
   * every query gets one answer per output block, so the fewest output blocks
   * ({@link MatVecLayout#ofEncryptedMatrix}) when the flooding budget covers it (more input
   * blocks add evaluation noise), else {@link #layout}'s. Both sides compute it from the shape.
   */
  public MatVecLayout matrixLayout(int rows, int cols) {
    MatVecLayout l = MatVecLayout.ofEncryptedMatrix(rows, cols, params);
    return FloodingBudget.compactLevel(params, l, kappa) >= 0 ? l : layout(rows, cols);
  }

  /**
   * The level at which O encrypts the operands of a product of this layout: the lowest whose
   * modulus still covers U's flood and the compact answer's switch
   * ({@link FloodingBudget#compactLevel}), so that O sends as few primes as the flood allows.
   */
  public int operandLevel(MatVecLayout layout) {
    return FloodingBudget.compactLevel(params, layout, kappa);
  }

  /** Bytes of a list of ciphertexts or keys as sent: a count, then each with its length. */
  private static byte[] encode(int tag, List<byte[]> head, List<byte[]> a, List<byte[]> b) {
    int size = 1 + 12;
    for (List<byte[]> l : List.of(head, a, b)) {
      for (byte[] x : l) {
        size += 4 + x.length;
      }
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) tag);
    for (List<byte[]> l : List.of(head, a, b)) {
      out.putInt(l.size());
      for (byte[] x : l) {
        out.putInt(x.length).put(x);
      }
    }
    return out.array();
  }

  /** Parses what {@link #encode} wrote, with exactly the expected counts. */
  private static List<List<byte[]>> decode(byte[] msg, int tag, int[] counts, String step) {
    if (msg == null || msg.length < 1 || msg[0] != (byte) tag) {
      throw new ProtocolAbortException(step + ": not the expected message");
    }
    ByteBuffer in = ByteBuffer.wrap(msg, 1, msg.length - 1);
    List<List<byte[]>> out = new ArrayList<>();
    for (int expected : counts) {
      if (in.remaining() < 4) {
        throw new ProtocolAbortException(step + ": message truncated");
      }
      int c = in.getInt();
      if (c != expected) {
        throw new ProtocolAbortException(step + ": " + c + " objects, expected " + expected);
      }
      List<byte[]> l = new ArrayList<>(c);
      for (int i = 0; i < c; i++) {
        if (in.remaining() < 4) {
          throw new ProtocolAbortException(step + ": message truncated");
        }
        int len = in.getInt();
        if (len < 1 || len > MAX_OBJECT_BYTES || len > in.remaining()) {
          throw new ProtocolAbortException(step + ": object length " + len + " out of range");
        }
        byte[] x = new byte[len];
        in.get(x);
        l.add(x);
      }
      out.add(l);
    }
    if (in.hasRemaining()) {
      throw new ProtocolAbortException(step + ": " + in.remaining() + " trailing bytes");
    }
    return out;
  }

  /** O to U, once per bundle: O's fresh public key, under which every later ciphertext is. */
  public record BundleKey(byte[] publicKey) {
    public BundleKey {
      publicKey = publicKey.clone();
    }

    @Override
    public byte[] publicKey() {
      return publicKey.clone();
    }

    public byte[] encode() {
      return OfflineHe.encode(TAG_KEY, List.of(publicKey), List.of(), List.of());
    }

    /** @throws ProtocolAbortException if the message is not a bundle key */
    public static BundleKey decode(byte[] msg) {
      return new BundleKey(OfflineHe.decode(msg, TAG_KEY, new int[] {1, 0, 0}, "bundle key")
          .get(0).get(0));
    }
  }

  /** O to U, direction 1: {@code Enc_O(W_O)}, tile by tile. */
  public record EncryptedMatrix(List<byte[]> tiles) {
    public EncryptedMatrix {
      tiles = List.copyOf(tiles);
    }

    public byte[] encode() {
      return OfflineHe.encode(TAG_MATRIX, List.of(), tiles, List.of());
    }

    /** @throws ProtocolAbortException if the message is not one of {@code layout}'s size */
    public static EncryptedMatrix decode(byte[] msg, MatVecLayout layout) {
      List<List<byte[]>> p = OfflineHe.decode(msg, TAG_MATRIX,
          new int[] {0, layout.inputCount() * layout.outputCount(), 0}, "encrypted matrix");
      return new EncryptedMatrix(p.get(1));
    }
  }

  /** O to U, direction 2: {@code Enc_O(q)}. */
  public record EncryptedMask(List<byte[]> query) {
    public EncryptedMask {
      query = List.copyOf(query);
    }

    public byte[] encode() {
      return OfflineHe.encode(TAG_MASK, List.of(), query, List.of());
    }

    /** @throws ProtocolAbortException if the message is not one of {@code layout}'s size */
    public static EncryptedMask decode(byte[] msg, MatVecLayout layout) {
      List<List<byte[]>> p = OfflineHe.decode(msg, TAG_MASK,
          new int[] {0, layout.inputCount(), 0}, "encrypted mask");
      return new EncryptedMask(p.get(1));
    }
  }

  /**
   * U to O, either direction: the masked product ({@code Enc_O(W_O r - t)} or
   * {@code Enc_O(W_U q - t2)}) and its MAC counterpart ({@code Enc_O(W_O M_r - t')} or
   * {@code Enc_O(T_U q - t2')}), one {@link CompactAnswer} per output block each.
   */
  public record ProductAnswer(List<byte[]> value, List<byte[]> tag) {
    public ProductAnswer {
      value = List.copyOf(value);
      tag = List.copyOf(tag);
    }

    public byte[] encode() {
      return OfflineHe.encode(TAG_ANSWER, List.of(), value, tag);
    }

    /** @throws ProtocolAbortException if the message is not one of {@code layout}'s size */
    public static ProductAnswer decode(byte[] msg, MatVecLayout layout) {
      List<List<byte[]>> p = OfflineHe.decode(msg, TAG_ANSWER,
          new int[] {0, layout.outputCount(), layout.outputCount()}, "product answer");
      return new ProductAnswer(p.get(1), p.get(2));
    }
  }

  /**
   * O's result of one product: its additive share of the product ({@code v} or {@code u2}) and
   * its MAC keys for U's share.
   */
  public record OwnerShare(long[] share, MacKeyVector keys) {
    public OwnerShare {
      share = share.clone();
    }

    @Override
    public long[] share() {
      return share.clone();
    }
  }

  /** O's result of direction 2: its mask {@code q} and its share of {@code W_U q}. */
  public record MaskOutcome(long[] mask, OwnerShare share) {
    public MaskOutcome {
      mask = mask.clone();
    }

    @Override
    public long[] mask() {
      return mask.clone();
    }
  }

  /** U's result of one product: the answer to send and its authenticated share ({@code t}, tags). */
  public record UserAnswer(ProductAnswer message, AuthenticatedVector share) {}

  /** O's side for one bundle: one fresh key pair, used for every product of the bundle. */
  public final class Owner {
    private final MacKey alpha;
    private final SecureRandom rng;
    private final KeyGenerator keys;
    private final Encryptor encryptor;
    private final Decryptor decryptor;
    private final BundleKey bundleKey;

    public Owner(MacKey alpha, SecureRandom rng) {
      this.alpha = Objects.requireNonNull(alpha);
      this.rng = Objects.requireNonNull(rng);
      this.keys = ctx.keyGenerator();
      this.encryptor = ctx.encryptor(keys.secretKey());
      this.decryptor = ctx.decryptor(keys.secretKey());
      PublicKey pk = keys.createPublicKey();
      this.bundleKey = new BundleKey(ctx.serializer().save(pk));
    }

    /** The bundle's public key, to send once before any product. */
    public BundleKey bundleKey() {
      return bundleKey;
    }

    /** Driver: sends {@link #bundleKey()} over {@code channel}. */
    public void sendKey(Channel channel) {
      channel.send(bundleKey.encode());
    }

    /**
     * Direction 1: encrypts {@code W_O} ({@code rows x cols}, entries in {@code F_p}); the
     * returned step holds the keys {@code K_r} of U's masks to derive {@code K_t} later.
     */
    public MatrixSent sendMatrix(long[][] wO, MacKeyVector kR) {
      return encryptMatrix(wO).forMask(kR);
    }

    /**
     * Direction 1, once per bundle and layer: encrypts {@code W_O} ({@code rows x cols}). The
     * same tiles then serve every query of the bundle ({@link EncryptedTiles#forMask} per
     * query's mask keys): they are fresh encryptions under the bundle's key, and U only
     * evaluates on them, so sending them once instead of per query changes nothing U sees but
     * their number.
     */
    public EncryptedTiles encryptMatrix(long[][] wO) {
      MatVecLayout layout = matrixLayout(wO.length, wO.length == 0 ? 0 : wO[0].length);
      for (long[] row : wO) {
        PrimeField.requireCanonical(row, "W_O");
      }
      List<byte[]> tiles = new ArrayList<>();
      for (Ciphertext c : ctx.coefficientMatVec().encryptMatrix(encryptor, layout, wO,
          operandLevel(layout))) {
        tiles.add(ctx.serializer().save(c));
      }
      long[] flat = new long[layout.rows() * layout.cols()];
      for (int i = 0; i < layout.rows(); i++) {
        System.arraycopy(wO[i], 0, flat, i * layout.cols(), layout.cols());
      }
      return new EncryptedTiles(layout, new EncryptedMatrix(tiles), flat);
    }

    /** {@code Enc_O(W_O)} of one layer, sent once per bundle, answered once per query. */
    public final class EncryptedTiles {
      private final MatVecLayout layout;
      private final EncryptedMatrix message;
      private final long[] flat;

      private EncryptedTiles(MatVecLayout layout, EncryptedMatrix message, long[] flat) {
        this.layout = layout;
        this.message = message;
        this.flat = flat;
      }

      public EncryptedMatrix message() {
        return message;
      }

      public MatVecLayout layout() {
        return layout;
      }

      /**
       * The step that takes U's answer for a query whose masks have keys {@code kR}.
       *
       * @throws IllegalArgumentException if {@code kR} does not have one key per column
       */
      public MatrixSent forMask(MacKeyVector kR) {
        if (kR.length() != layout.cols()) {
          throw new IllegalArgumentException("K_r has " + kR.length() + " keys, W_O has "
              + layout.cols() + " columns");
        }
        return new MatrixSent(layout, message, kR.matVec(flat, layout.rows()));
      }
    }

    /**
     * Direction 2: draws O's mask {@code q} (length {@code cols}) and encrypts it; {@code kW}
     * are O's keys of {@code W_U} ({@code rows x cols}, row major, from MacKeyDerivation).
     */
    public MaskSent sendMask(int rows, int cols, MacKeyVector kW) {
      MatVecLayout layout = layout(rows, cols);
      if (kW.length() != rows * cols) {
        throw new IllegalArgumentException("K_W has " + kW.length() + " keys, expected "
            + rows * cols);
      }
      long[] q = new long[cols];
      for (int i = 0; i < cols; i++) {
        q[i] = uniform(rng);
      }
      List<byte[]> query = new ArrayList<>();
      for (Ciphertext c : ctx.coefficientMatVec().encryptQuery(encryptor, layout, q,
          operandLevel(layout))) {
        query.add(ctx.serializer().save(c));
      }
      return new MaskSent(layout, new EncryptedMask(query), q, kW.timesPublic(rows, q));
    }

    /**
     * Decrypts an answer after checking that every block is a well-formed compact answer of
     * this layout at the modulus the flooding budget allows ({@link CompactAnswer}: switched to
     * {@code 2^b}, {@code c_1} whole and {@code c_0} only at the kept positions, both in
     * coefficient form), then derives the keys {@code Kx + alpha v - v'}. The phase is computed
     * only at the kept positions. Nothing about the decryption is sent back: what U learns of
     * it is only whether the later MAC check passes.
     */
    private OwnerShare decryptAnswer(MatVecLayout layout, ProductAnswer a, MacKeyVector kx) {
      int bits = FloodingBudget.forMatVec(params, layout, kappa, operandLevel(layout))
          .compactBits();
      List<CompactAnswer> v = load(a.value(), layout, bits);
      List<CompactAnswer> t = load(a.tag(), layout, bits);
      CoefficientMatVec mv = ctx.coefficientMatVec();
      long[] value;
      long[] tag;
      try {
        // on this thread: both lists take about 2.4 ms of CPU for Network A's first layer, and a
        // helper thread measured more CPU and more wall time for them (benchmarks.md)
        value = mv.decryptCompactAnswer(decryptor, layout, v);
        tag = mv.decryptCompactAnswer(decryptor, layout, t);
      } catch (HeException e) {
        throw new ProtocolAbortException("product answer cannot be decrypted: " + e.getMessage(),
            e);
      }
      long[] k = PrimeField.sub(
          PrimeField.addScaled(kx.keys(), alpha.alpha(), value, null), tag, null);
      return new OwnerShare(value, MacKeyVector.of(k));
    }

    private List<CompactAnswer> load(List<byte[]> bytes, MatVecLayout layout, int bits) {
      if (bytes.size() != layout.outputCount()) {
        throw new ProtocolAbortException("product answer: " + bytes.size()
            + " blocks, expected " + layout.outputCount());
      }
      List<CompactAnswer> out = new ArrayList<>();
      int br = layout.blockRows();
      for (int o = 0; o < bytes.size(); o++) {
        int kept = Math.min(br, layout.rows() - o * br);
        try {
          out.add(CompactAnswer.decode(bytes.get(o), params.polyModulusDegree(), kept, bits));
        } catch (HeException e) {
          throw new ProtocolAbortException("product answer: block " + o + " is not a compact "
              + "answer of " + kept + " outputs at 2^" + bits + ": " + e.getMessage(), e);
        }
      }
      return out;
    }

    /** Direction 1 after O's message: waits for U's answer. */
    public final class MatrixSent {
      private final MatVecLayout layout;
      private final EncryptedMatrix message;
      private final MacKeyVector wK;

      private MatrixSent(MatVecLayout layout, EncryptedMatrix message, MacKeyVector wK) {
        this.layout = layout;
        this.message = message;
        this.wK = wK;
      }

      public EncryptedMatrix message() {
        return message;
      }

      /** The key of the bundle this step belongs to. */
      public BundleKey bundleKey() {
        return bundleKey;
      }

      public MatVecLayout layout() {
        return layout;
      }

      /**
       * O's share {@code v} of {@code W_O r} and its keys {@code K_t} for U's share.
       *
       * @throws ProtocolAbortException if the answer is malformed (nothing is kept then)
       */
      public OwnerShare receive(ProductAnswer answer) {
        return decryptAnswer(layout, answer, wK);
      }
    }

    /** Direction 2 after O's message: waits for U's answer. */
    public final class MaskSent {
      private final MatVecLayout layout;
      private final EncryptedMask message;
      private final long[] q;
      private final MacKeyVector kWq;

      private MaskSent(MatVecLayout layout, EncryptedMask message, long[] q, MacKeyVector kWq) {
        this.layout = layout;
        this.message = message;
        this.q = q;
        this.kWq = kWq;
      }

      public EncryptedMask message() {
        return message;
      }

      /** The key of the bundle this step belongs to. */
      public BundleKey bundleKey() {
        return bundleKey;
      }

      public MatVecLayout layout() {
        return layout;
      }

      /** O's mask {@code q}; a copy. */
      public long[] mask() {
        return q.clone();
      }

      /**
       * O's share {@code u2} of {@code W_U q} and its keys {@code K_t2} for U's share.
       *
       * @throws ProtocolAbortException if the answer is malformed (nothing is kept then)
       */
      public OwnerShare receive(ProductAnswer answer) {
        return decryptAnswer(layout, answer, kWq);
      }
    }

    /** Driver of direction 1 over {@code channel}. */
    public OwnerShare runMatrix(Channel channel, long[][] wO, MacKeyVector kR) {
      MatrixSent s = sendMatrix(wO, kR);
      channel.send(s.message().encode());
      return s.receive(ProductAnswer.decode(channel.receive(), s.layout()));
    }

    /** Driver of direction 2 over {@code channel}: O's mask {@code q} and its share. */
    public MaskOutcome runMask(Channel channel, int rows, int cols, MacKeyVector kW) {
      MaskSent s = sendMask(rows, cols, kW);
      channel.send(s.message().encode());
      return new MaskOutcome(s.mask(),
          s.receive(ProductAnswer.decode(channel.receive(), s.layout())));
    }
  }

  /** U's side: evaluates on O's ciphertexts, masks with fresh shares, floods at kappa. */
  public final class User {
    private final SecureRandom rng;
    private final PublicKey ownerKey;
    // the owner's key in the products' backend (ownerKey itself on pure Java)
    private final PublicKey productKey;
    // the owner's tiles as the products' operands, loaded once per bundle and layer
    private final Map<EncryptedMatrix, List<Ciphertext>> tiles = new IdentityHashMap<>();

    /**
     * U for one bundle, under the owner's bundle key.
     *
     * @throws ProtocolAbortException if the key is malformed or of other parameters
     */
    public User(BundleKey key, SecureRandom rng) {
      this.rng = Objects.requireNonNull(rng);
      this.ownerKey = ownerKey(key.publicKey());
      this.productKey = productCtx == null ? ownerKey
          : productCtx.importPublicKey(ctx.exportPublicKey(ownerKey));
    }

    private HeContext products() {
      return productCtx == null ? ctx : productCtx;
    }

    private PublicKey ownerKey(byte[] b) {
      try {
        return ctx.serializer().loadPublicKey(b);
      } catch (HeException | IllegalArgumentException e) {
        throw new ProtocolAbortException("the owner's HE public key is malformed: "
            + e.getMessage(), e);
      }
    }

    private List<Ciphertext> load(List<byte[]> bytes, MatVecLayout layout) {
      int level = operandLevel(layout);
      List<Ciphertext> out = new ArrayList<>();
      for (byte[] b : bytes) {
        Ciphertext c;
        try {
          c = ctx.serializer().loadCiphertext(b);
        } catch (HeException | IllegalArgumentException e) {
          throw new ProtocolAbortException("the owner's ciphertext is malformed: "
              + e.getMessage(), e);
        }
        if (c.level() != level) {
          throw new ProtocolAbortException("the owner's ciphertext is at level " + c.level()
              + ", the flooding budget of this product sets " + level);
        }
        if (!c.isSeeded() || c.size() != 2) {
          // the flooding budget assumes fresh noise, which only the seeded form guarantees
          throw new ProtocolAbortException("the owner's ciphertext is not a fresh seeded "
              + "encryption");
        }
        // in NTT form: both engines order it alike, so neither transforms it (he-backends.md)
        out.add(productCtx == null ? c : productCtx.importOperandNtt(ctx.exportNttComponents(c),
            level));
      }
      return out;
    }

    private List<byte[]> save(List<CompactAnswer> answers) {
      List<byte[]> out = new ArrayList<>();
      for (CompactAnswer c : answers) {
        out.add(c.encode());
      }
      return out;
    }

    /**
     * Loads the owner's tiles of a {@code rows x cols} matrix into the products' backend now
     * (checked as in {@link #answerMatrix}, which then finds them loaded), so that the work runs
     * while the owner still encrypts the next layer's tiles.
     *
     * @throws ProtocolAbortException if a tile is malformed or not a fresh seeded encryption at
     *     the level the flooding budget sets
     */
    public void loadMatrix(EncryptedMatrix m, int rows, int cols) {
      tilesOf(m, matrixLayout(rows, cols));
    }

    private List<Ciphertext> tilesOf(EncryptedMatrix m, MatVecLayout layout) {
      List<Ciphertext> cached = this.tiles.get(m);
      if (cached == null) {
        cached = load(m.tiles(), layout);
        this.tiles.put(m, cached);
      }
      return cached;
    }

    /**
     * Direction 1: {@code Enc_O(W_O r - t)} and {@code Enc_O(W_O M_r - t')} for fresh uniform
     * {@code t, t'}; U keeps {@code (t, t')}, authenticated under O's {@code K_t}.
     */
    public UserAnswer answerMatrix(EncryptedMatrix m, AuthenticatedVector r, int rows) {
      MatVecLayout layout = matrixLayout(rows, r.length());
      PublicKey pk = productKey;
      List<Ciphertext> tiles = tilesOf(m, layout);
      long[] t = uniformVector(rows);
      long[] tTag = uniformVector(rows);
      CoefficientMatVec mv = products().coefficientMatVec();
      try {
        // the value and tag products are independent: one on each core
        List<List<byte[]>> out = Arrays.asList(null, null);
        long[] rv = r.values();
        long[] rt = r.tags();
        Parallel.both(
            () -> out.set(0, save(mv.answerEncryptedMatrixCompact(layout, tiles, rv, t, pk,
                kappa))),
            () -> out.set(1, save(mv.answerEncryptedMatrixCompact(layout, tiles, rt, tTag, pk,
                kappa))));
        return new UserAnswer(new ProductAnswer(out.get(0), out.get(1)),
            AuthenticatedVector.of(t, tTag));
      } catch (HeException e) {
        throw new ProtocolAbortException("the owner's matrix cannot be evaluated: "
            + e.getMessage(), e);
      }
    }

    /**
     * Direction 2: {@code Enc_O(W_U q - t2)} and {@code Enc_O(T_U q - t2')} with U's weights and
     * their tags ({@code rows x cols}, row major).
     */
    public UserAnswer answerMask(EncryptedMask m, AuthenticatedVector wU, int rows, int cols) {
      MatVecLayout layout = layout(rows, cols);
      if (wU.length() != rows * cols) {
        throw new IllegalArgumentException("W_U has " + wU.length() + " entries, expected "
            + rows * cols);
      }
      PublicKey pk = productKey;
      List<Ciphertext> q = load(m.query(), layout);
      long[] t = uniformVector(rows);
      long[] tTag = uniformVector(rows);
      CoefficientMatVec mv = products().coefficientMatVec();
      try {
        List<List<byte[]>> out = Arrays.asList(null, null);
        long[][] wv = rowsOf(wU.values(), rows, cols);
        long[][] wt = rowsOf(wU.tags(), rows, cols);
        Parallel.both(
            () -> out.set(0, save(mv.answerCompact(layout, q, wv, t, pk, kappa))),
            () -> out.set(1, save(mv.answerCompact(layout, q, wt, tTag, pk, kappa))));
        return new UserAnswer(new ProductAnswer(out.get(0), out.get(1)),
            AuthenticatedVector.of(t, tTag));
      } catch (HeException e) {
        throw new ProtocolAbortException("the owner's mask cannot be evaluated: "
            + e.getMessage(), e);
      }
    }

    /** Driver of direction 1 over {@code channel}. */
    public AuthenticatedVector runMatrix(Channel channel, AuthenticatedVector r, int rows) {
      MatVecLayout layout = matrixLayout(rows, r.length());
      UserAnswer a = answerMatrix(EncryptedMatrix.decode(channel.receive(), layout), r, rows);
      channel.send(a.message().encode());
      return a.share();
    }

    /** Driver of direction 2 over {@code channel}. */
    public AuthenticatedVector runMask(Channel channel, AuthenticatedVector wU, int rows,
        int cols) {
      UserAnswer a = answerMask(EncryptedMask.decode(channel.receive(), layout(rows, cols)), wU,
          rows, cols);
      channel.send(a.message().encode());
      return a.share();
    }

    private long[] uniformVector(int n) {
      long[] v = new long[n];
      for (int i = 0; i < n; i++) {
        v[i] = uniform(rng);
      }
      return v;
    }
  }

  /** Driver: U receives the bundle key over {@code channel}. */
  public User receiveKey(Channel channel, SecureRandom rng) {
    return new User(BundleKey.decode(channel.receive()), rng);
  }

  static long[][] rowsOf(long[] flat, int rows, int cols) {
    long[][] w = new long[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * cols, w[i], 0, cols);
    }
    return w;
  }

  /** Uniform in {@code F_p} by rejection from 46 random bits. */
  static long uniform(SecureRandom rng) {
    while (true) {
      long x = rng.nextLong() >>> (64 - PrimeField.BITS);
      if (x < PrimeField.P) {
        return x;
      }
    }
  }
}
