package dev.oml.core.fingerprint;

import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.keys.TaggedHash;
import dev.oml.core.model.Shape;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * The fingerprints of one (owner, licensee, model): {@code K} key inputs, random pixel patterns
 * inside the model's input box {@code [0, 1]} (far from any natural image), and one label each,
 * uniform over the classes. They are a pseudorandom function of the owner's private key, the
 * licensee's public key and the model's name, so the owner stores nothing new and re-derives
 * them when checking a suspect: HKDF-SHA256 (input key material = the owner's Ed25519 private
 * key, salt = a tagged hash of the licensee key, model name, input shape and class count, info
 * = a version label) gives an AES-256 key, and AES-256-CTR expands it into the inputs (one
 * keystream byte per pixel, {@code byte / 255}) and labels (rejection-sampled bytes, so every
 * class is exactly equally likely, which the p-value of {@link FingerprintCheck} relies on).
 * Key {@code i} does not depend on {@code K}: a smaller set is a prefix of a larger one.
 *
 * <p>A secret type: whoever knows the keys can train them out of a copy, so the inputs and
 * labels leave it only through {@link SecretAccess}; it does not override {@code equals} or
 * {@code hashCode}, and {@link #toString} names only the licensee, the model and {@code K}.
 */
public final class FingerprintKeys {
  /** Largest number of fingerprints per licensee. */
  public static final int MAX_COUNT = 4096;
  /** The default number of fingerprints: 64 leave room to lose more than half of them and still
   * name the licensee below 2^-40 with 10 classes (see docs/fingerprints.md). */
  public static final int DEFAULT_COUNT = 64;
  private static final String CONTEXT_TAG = "oml/fingerprint/v1/context";
  private static final String INFO = "oml/fingerprint/v1/aes-256-ctr";

  private final KeyId licensee;
  private final String modelName;
  private final Shape inputShape;
  private final int classes;
  private final double[][] inputs;
  private final int[] labels;

  private FingerprintKeys(KeyId licensee, String modelName, Shape inputShape, int classes,
      double[][] inputs, int[] labels) {
    this.licensee = licensee;
    this.modelName = modelName;
    this.inputShape = inputShape;
    this.classes = classes;
    this.inputs = inputs;
    this.labels = labels;
  }

  /**
   * Derives the first {@code count} fingerprints of {@code licensee}'s copy of the model named
   * {@code modelName}.
   *
   * @param owner the owner's signing key, whose private half is the PRF key
   * @param classes the number of output classes, 2 to 256
   * @throws FingerprintException if {@code count} or {@code classes} is out of range
   */
  public static FingerprintKeys derive(SigningKeyPair owner, SecretAccess access,
      SigningPublicKey licensee, String modelName, Shape inputShape, int classes, int count) {
    SecretAccess.require(access);
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(licensee, "licensee");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(inputShape, "inputShape");
    if (count < 1 || count > MAX_COUNT) {
      throw new FingerprintException("the number of fingerprints must be between 1 and " + MAX_COUNT
          + ", got " + count);
    }
    if (classes < 2 || classes > 256) {
      throw new FingerprintException("fingerprints need a classifier of 2 to 256 classes, got " + classes);
    }
    byte[] shape = ByteBuffer.allocate(16).putInt(inputShape.channels()).putInt(inputShape.height())
        .putInt(inputShape.width()).putInt(classes).array();
    byte[] salt = TaggedHash.of(CONTEXT_TAG, licensee.encoded(),
        modelName.getBytes(StandardCharsets.UTF_8), shape);
    byte[] ikm = owner.privateKeyBytes(access);
    byte[] key = new byte[32];
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(ikm, salt, INFO.getBytes(StandardCharsets.US_ASCII)));
    hkdf.generateBytes(key, 0, key.length);
    Arrays.fill(ikm, (byte) 0);
    SICBlockCipher ctr = (SICBlockCipher) SICBlockCipher.newInstance(AESEngine.newInstance());
    ctr.init(true, new ParametersWithIV(new KeyParameter(key), new byte[16]));
    Arrays.fill(key, (byte) 0);
    Keystream ks = new Keystream(ctr);
    int n = inputShape.size();
    double[][] inputs = new double[count][n];
    int[] labels = new int[count];
    // Bytes at or above the largest multiple of classes are redrawn, so labels are exactly uniform.
    int limit = 256 - 256 % classes;
    for (int i = 0; i < count; i++) {
      for (int j = 0; j < n; j++) {
        inputs[i][j] = ks.next() / 255.0;
      }
      int b;
      do {
        b = ks.next();
      } while (b >= limit);
      labels[i] = b % classes;
    }
    return new FingerprintKeys(licensee.keyId(), modelName, inputShape, classes, inputs, labels);
  }

  /** AES-CTR keystream read byte by byte, a block at a time. */
  private static final class Keystream {
    private final SICBlockCipher ctr;
    private final byte[] zeros = new byte[4096];
    private final byte[] buf = new byte[4096];
    private int pos = buf.length;

    Keystream(SICBlockCipher ctr) {
      this.ctr = ctr;
    }

    int next() {
      if (pos == buf.length) {
        ctr.processBytes(zeros, 0, zeros.length, buf, 0);
        pos = 0;
      }
      return buf[pos++] & 0xFF;
    }
  }

  /** The licensee whose copy these fingerprints mark. */
  public KeyId licensee() {
    return licensee;
  }

  /** The name of the model they were derived for. */
  public String modelName() {
    return modelName;
  }

  public Shape inputShape() {
    return inputShape;
  }

  public int classes() {
    return classes;
  }

  /** {@code K}, the number of fingerprints. */
  public int count() {
    return inputs.length;
  }

  /** Key input {@code i} (a copy): secret, so behind {@link SecretAccess}. */
  public double[] input(int i, SecretAccess access) {
    SecretAccess.require(access);
    return inputs[i].clone();
  }

  /** The label trained in for key input {@code i}: secret, so behind {@link SecretAccess}. */
  public int label(int i, SecretAccess access) {
    SecretAccess.require(access);
    return labels[i];
  }

  /** Within the package: the checker and the fine-tuning read the keys without copying twice. */
  double[] inputUnsafe(int i) {
    return inputs[i];
  }

  int labelUnsafe(int i) {
    return labels[i];
  }

  @Override
  public String toString() {
    return "FingerprintKeys[licensee " + licensee.hex().substring(0, 16) + ", model '" + modelName
        + "', K=" + inputs.length + "]";
  }
}
