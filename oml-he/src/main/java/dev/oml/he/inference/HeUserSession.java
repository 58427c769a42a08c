package dev.oml.he.inference;

import dev.oml.core.model.InputBox;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.he.Ciphertext;
import dev.oml.he.CkksEncoder;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.HeSerializer;
import dev.oml.he.KeyGenerator;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.internal.HeProgram;
import dev.oml.he.inference.internal.Layout;
import dev.oml.he.inference.internal.Msg;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The user's side of the HE mode, as local steps over messages. {@link #open} reads the owner's
 * plan and makes a fresh CKKS key pair; {@link #sessionKeys()} is the once-per-session message
 * (public key, relinearization key, Galois keys for exactly the plan's rotations and, when the
 * plan says so, conjugation); {@link #encrypt} packs up to {@code imagesPerCiphertext} images
 * per ciphertext and encrypts them with the secret key (seeded: the uniform half travels as a
 * 32-byte seed); {@link #decrypt} checks that an answer belongs to the query and decodes logits
 * and labels. The secret key never leaves this object.
 *
 * <p>Session-keys encoding: {@code "OHK1"}, plan id (32 bytes), then the public key, the
 * relinearization key (empty if the plan needs none) and the Galois keys, each length-prefixed
 * (int32) in the HE serializer's format.
 */
public final class HeUserSession {
  static final String KEYS_MAGIC = "OHK1";
  static final String QUERY_MAGIC = "OHQ1";
  static final String ANSWER_MAGIC = "OHA1";

  private final HeInferencePlan plan;
  private final HeContext ctx;
  private final Decryptor decryptor;
  private final Encryptor encryptor;
  private final byte[] keys;
  private final byte[] keysDigest;
  private final Layout layout;

  private HeUserSession(HeInferencePlan plan, HeContext ctx) {
    this.plan = plan;
    this.ctx = ctx;
    KeyGenerator kg = ctx.keyGenerator();
    PublicKey pk = kg.createPublicKey();
    RelinKeys rk = plan.needsRelinKeys() ? kg.createRelinKeys() : null;
    GaloisKeys gk = plan.needsConjugationKey()
        ? kg.createGaloisKeysWithConjugation(plan.rotationSteps())
        : kg.createGaloisKeys(plan.rotationSteps());
    HeSerializer s = ctx.serializer();
    this.keys = new Msg.Out().magic(KEYS_MAGIC).raw(plan.planId()).block(s.save(pk))
        .block(rk == null ? new byte[0] : s.save(rk)).block(s.save(gk)).bytes();
    this.keysDigest = Msg.sha256(keys);
    this.decryptor = ctx.decryptor(kg.secretKey());
    // The user encrypts its own input with its secret key: seeded ciphertexts travel at half
    // the size, and their noise is smaller than a public-key encryption's.
    this.encryptor = ctx.encryptor(kg.secretKey());
    this.layout = plan.packing() == HePacking.BATCH ? null
        : new Layout(ctx.parameters().polyModulusDegree() / 2, plan.features(),
            plan.imagesPerCiphertext());
  }

  /**
   * Starts a session from the owner's plan: decodes it and generates keys.
   *
   * @throws MalformedQueryException if the plan does not decode, or its parameters are below
   *     128-bit security
   */
  public static HeUserSession open(HeBackend backend, byte[] planBytes) {
    HeInferencePlan plan = HeInferencePlan.decode(planBytes);
    if (plan.parameters().isInsecure()) {
      // The owner chooses the parameters; a user must not encrypt its input under a ring the
      // owner could break, whatever the plan says.
      throw new MalformedQueryException("HE plan: parameters " + plan.parameters().name()
          + " are below 128-bit security; refusing to encrypt under them");
    }
    return new HeUserSession(plan, plan.context(backend));
  }

  /**
   * The size of a session-keys message for {@code plan}, from throwaway keys of at most two
   * rotations: a Galois key set grows by the same amount with each rotation, so its size for the
   * plan's rotations follows from the sizes for one and two (making the whole set would cost the
   * owner as much as a user's key generation).
   */
  static long sessionKeysSize(HeInferencePlan plan, HeContext ctx) {
    KeyGenerator kg = ctx.keyGenerator();
    HeSerializer s = ctx.serializer();
    long pk = s.save(kg.createPublicKey()).length;
    long rk = plan.needsRelinKeys() ? s.save(kg.createRelinKeys()).length : 0;
    int keys = plan.rotationSteps().length + (plan.needsConjugationKey() ? 1 : 0);
    long gk;
    if (keys == 0) {
      gk = s.save(kg.createGaloisKeys()).length;
    } else {
      long one = s.save(kg.createGaloisKeys(1)).length;
      long two = s.save(kg.createGaloisKeys(1, 2)).length;
      gk = one + (keys - 1) * (two - one);
    }
    // magic, plan id, three length prefixes
    return 4 + 32 + 12 + pk + rk + gk;
  }

  /** Like {@link #open}, but accepts INSECURE test parameters: for tests only. */
  public static HeUserSession openInsecureForTesting(HeBackend backend, byte[] planBytes) {
    HeInferencePlan plan = HeInferencePlan.decode(planBytes);
    return new HeUserSession(plan, plan.context(backend));
  }

  public HeInferencePlan plan() {
    return plan;
  }

  /** This user's context (tests serialize its ciphertexts as the query does). */
  HeContext context() {
    return ctx;
  }

  /** The once-per-session keys message, a copy. */
  public byte[] sessionKeys() {
    return keys.clone();
  }

  /**
   * Encrypts {@code images} (each {@link HeInferencePlan#inputSize()} values) into one query.
   *
   * @throws IllegalArgumentException if there are no images or one has the wrong length
   * @throws InputOutsideBoxException if a value lies outside the plan's input box (the flood is
   *     sized for inputs in it; nothing is encrypted)
   */
  public HeQuery encrypt(double[][] images) {
    InputBox box = plan.inputBox();
    for (int i = 0; i < images.length; i++) {
      int f = images[i].length == plan.inputSize() ? box.firstViolation(images[i]) : -1;
      if (f >= 0) {
        throw new InputOutsideBoxException(i, f, box.lower(f), box.upper(f));
      }
    }
    return encryptOutsideBoxForTesting(images);
  }

  /**
   * {@link #encrypt} without the input-box check: the test-only switch of the attack test that
   * shows what the check prevents (inputs outside the box outgrow the flood).
   */
  HeQuery encryptOutsideBoxForTesting(double[][] images) {
    if (images.length == 0) {
      throw new IllegalArgumentException("a query needs at least one image");
    }
    for (double[] x : images) {
      if (x.length != plan.inputSize()) {
        throw new IllegalArgumentException("an image has " + x.length + " values, the plan expects "
            + plan.inputSize());
      }
    }
    int lanes = plan.imagesPerCiphertext();
    int count = plan.ciphertextsFor(images.length);
    Ciphertext[] cts = new Ciphertext[count];
    if (plan.packing() == HePacking.BATCH) {
      if (images.length > lanes) {
        throw new IllegalArgumentException(images.length + " images, a batch query carries at "
            + "most " + lanes);
      }
      // Ciphertext f holds feature f of every image: the real part of slot b is image b, its
      // imaginary part image slots + b times the slot's sign (HeProgram.timesI).
      int slots = ctx.parameters().polyModulusDegree() / 2;
      double[] e = imaginarySigns();
      double[] re = new double[slots];
      double[] im = new double[slots];
      for (int f = 0; f < count; f++) {
        for (int b = 0; b < images.length; b++) {
          if (b < slots) {
            re[b] = images[b][f];
          } else {
            im[b - slots] = e[b - slots] * images[b][f];
          }
        }
        cts[f] = images.length > slots ? encryptComplex(re, im) : encryptSlots(re);
      }
      return buildQuery(images.length, cts);
    }
    for (int k = 0; k < count; k++) {
      int in = Math.min(lanes, images.length - k * lanes);
      cts[k] = encryptSlots(layout.pack(images, k * lanes, in, plan.inputSize()));
    }
    return buildQuery(images.length, cts);
  }

  Ciphertext encryptSlots(double[] slots) {
    CkksEncoder enc = ctx.ckksEncoder();
    return encryptor.encryptSeeded(enc.encode(slots, plan.inputScale()));
  }

  /**
   * A ciphertext with imaginary parts in its slots: the batch packing's second image of a slot
   * (and tests that play a deviating user).
   */
  Ciphertext encryptComplex(double[] real, double[] imag) {
    CkksEncoder enc = ctx.ckksEncoder();
    return encryptor.encryptSeeded(enc.encode(real, imag, plan.inputScale(),
        ctx.parameters().maxLevel()));
  }

  /** The slots of one of this user's ciphertexts (its own input noise, for attack tests). */
  double[] decryptSlots(Ciphertext c) {
    return ctx.ckksEncoder().decode(decryptor.decrypt(c));
  }

  /** The signs of the slots' second images ({@link HeProgram#imaginarySigns}). */
  double[] imaginarySigns() {
    double[] e = signs;
    if (e == null) {
      e = HeProgram.imaginarySigns(ctx.ckksEncoder());
      signs = e;
    }
    return e;
  }

  private volatile double[] signs;

  /** Both parts of the slots of one of this user's ciphertexts (for tests). */
  double[][] decryptSlotsComplex(Ciphertext c) {
    return ctx.ckksEncoder().decodeComplex(decryptor.decrypt(c));
  }

  /** A query payload for arbitrary ciphertexts and a claimed image count (tests play attacker). */
  HeQuery buildQuery(int images, Ciphertext... cts) {
    // Sized first, then each ciphertext serialized in place: the payload (600 MB for a batch
    // query of the HE network) is written once, with no growing buffer and no final copy.
    byte[] head = new Msg.Out().magic(QUERY_MAGIC).raw(plan.planId()).raw(keysDigest).i32(images)
        .i32(cts.length).bytes();
    HeSerializer s = ctx.serializer();
    int[] sizes = new int[cts.length];
    long total = head.length;
    for (int k = 0; k < cts.length; k++) {
      sizes[k] = s.savedSize(cts[k]);
      total += 4L + sizes[k];
    }
    if (total > Integer.MAX_VALUE - 8 - PermittedQuery.HEAD_BYTES) {
      throw new IllegalArgumentException("a query of " + total + " bytes does not fit one message");
    }
    byte[] out = new byte[(int) total];
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    b.put(head);
    for (int k = 0; k < cts.length; k++) {
      b.putInt(sizes[k]);
      int written = s.save(cts[k], out, b.position());
      if (written != sizes[k]) {
        throw new IllegalStateException("the serializer wrote " + written + " bytes of a "
            + sizes[k] + "-byte ciphertext");
      }
      b.position(b.position() + written);
    }
    return new HeQuery(out, images, cts.length);
  }

  /**
   * Decrypts the owner's answer to {@code query}.
   *
   * @throws MalformedQueryException if the answer is not for this query, or does not parse
   */
  public HeResult decrypt(HeQuery query, byte[] answer) {
    Ciphertext[] cts = answerCiphertexts(query, answer);
    int lanes = plan.imagesPerCiphertext();
    double[][] logits = new double[query.images()][plan.outputSize()];
    if (plan.packing() == HePacking.BATCH) {
      // Answer ciphertext j holds logit j of image b in the real part of slot b and of image
      // slots + b in its imaginary part.
      for (int j = 0; j < cts.length; j++) {
        double[][] v = ctx.ckksEncoder().decodeComplex(decryptor.decrypt(cts[j]));
        int slots = v[0].length;
        double[] e = imaginarySigns();
        for (int b = 0; b < query.images(); b++) {
          logits[b][j] = b < slots ? v[0][b] : e[b - slots] * v[1][b - slots];
        }
      }
      return new HeResult(logits);
    }
    for (int k = 0; k < cts.length; k++) {
      double[] v = ctx.ckksEncoder().decode(decryptor.decrypt(cts[k]));
      for (int b = 0; b < lanes && k * lanes + b < query.images(); b++) {
        for (int j = 0; j < plan.outputSize(); j++) {
          logits[k * lanes + b][j] = v[j * lanes + b];
        }
      }
    }
    return new HeResult(logits);
  }

  /**
   * Every slot of every answer ciphertext, decoded (real parts): what the user sees, for
   * analysis (every slot but the outputs of the permitted images should be noise around zero).
   * {@link #answerSlotsComplex} adds the imaginary parts.
   */
  public double[][] answerSlots(HeQuery query, byte[] answer) {
    Ciphertext[] cts = answerCiphertexts(query, answer);
    double[][] r = new double[cts.length][];
    for (int k = 0; k < cts.length; k++) {
      r[k] = ctx.ckksEncoder().decode(decryptor.decrypt(cts[k]));
    }
    return r;
  }

  /** {@code [k][0]} the real and {@code [k][1]} the imaginary parts of answer ciphertext k. */
  public double[][][] answerSlotsComplex(HeQuery query, byte[] answer) {
    Ciphertext[] cts = answerCiphertexts(query, answer);
    double[][][] r = new double[cts.length][][];
    for (int k = 0; k < cts.length; k++) {
      r[k] = ctx.ckksEncoder().decodeComplex(decryptor.decrypt(cts[k]));
    }
    return r;
  }

  private Ciphertext[] answerCiphertexts(HeQuery query, byte[] answer) {
    Msg.In in = new Msg.In(answer, "HE answer");
    in.magic(ANSWER_MAGIC);
    byte[] digest = in.raw(32, "query digest");
    if (!Arrays.equals(digest, Msg.sha256(query.payloadView()))) {
      throw new MalformedQueryException("HE answer: it answers another query");
    }
    int n = in.i32("image count");
    int c = in.i32("ciphertext count");
    int want = plan.packing() == HePacking.BATCH ? plan.outputSize() : query.ciphertexts();
    if (n != query.images() || c != want) {
      throw new MalformedQueryException("HE answer: " + n + " images in " + c
          + " ciphertexts, expected " + query.images() + " in " + want);
    }
    Ciphertext[] cts = new Ciphertext[c];
    for (int k = 0; k < c; k++) {
      byte[] b = in.block("answer ciphertext", 1 << 28);
      try {
        cts[k] = ctx.serializer().loadCiphertext(b);
      } catch (HeException e) {
        throw new MalformedQueryException("HE answer: ciphertext " + k + ": " + e.getMessage(), e);
      }
      if (cts[k].level() != plan.answerLevel() || cts[k].size() != 2) {
        throw new MalformedQueryException("HE answer: ciphertext " + k + " not at the plan's level");
      }
    }
    in.end();
    return cts;
  }
}
