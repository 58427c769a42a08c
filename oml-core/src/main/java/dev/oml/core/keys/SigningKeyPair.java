package dev.oml.core.keys;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 key pair (Bouncy Castle) of an owner, who signs permissions with it, or of a
 * licensee, who signs permit requests and proofs of possession. Signing does not expose the
 * private key; the only ways to get its bytes out or in go through {@link SecretAccess}.
 *
 * <p>A secret type: it does not override {@code equals} or {@code hashCode} (a hash of a key
 * would leak through hash tables and timing); {@link #equalsKey} compares in constant time, and
 * {@link #toString} shows only the public key id.
 */
public final class SigningKeyPair {
  /** Length of the private key encoding in bytes. */
  public static final int PRIVATE_BYTES = 32;

  private final Ed25519PrivateKeyParameters privateKey;
  private final SigningPublicKey publicKey;

  private SigningKeyPair(Ed25519PrivateKeyParameters privateKey) {
    this.privateKey = privateKey;
    this.publicKey = SigningPublicKey.of(privateKey.generatePublicKey());
  }

  /** A fresh key pair drawn from {@code random} (pass a {@link SecureRandom}). */
  public static SigningKeyPair generate(SecureRandom random) {
    Objects.requireNonNull(random, "random");
    Ed25519KeyPairGenerator g = new Ed25519KeyPairGenerator();
    g.init(new Ed25519KeyGenerationParameters(random));
    AsymmetricCipherKeyPair kp = g.generateKeyPair();
    return new SigningKeyPair((Ed25519PrivateKeyParameters) kp.getPrivate());
  }

  /**
   * Rebuilds a key pair from its 32-byte private key (as read from a key file).
   *
   * @throws KeyFormatException if the encoding has the wrong length
   */
  public static SigningKeyPair fromPrivateKey(byte[] privateKey, SecretAccess access) {
    SecretAccess.require(access);
    if (privateKey.length != PRIVATE_BYTES) {
      throw new KeyFormatException(KeyFormatException.Reason.MALFORMED,
          "an Ed25519 private key has " + PRIVATE_BYTES + " bytes");
    }
    return new SigningKeyPair(new Ed25519PrivateKeyParameters(privateKey, 0));
  }

  /** Signs {@code message} (pure Ed25519, deterministic). */
  public byte[] sign(byte[] message) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, privateKey);
    s.update(message, 0, message.length);
    return s.generateSignature();
  }

  /** The public half. */
  public SigningPublicKey publicKey() {
    return publicKey;
  }

  /** The public key's id. */
  public KeyId keyId() {
    return publicKey.keyId();
  }

  /** The 32-byte private key: for writing a key file, nothing else. */
  public byte[] privateKeyBytes(SecretAccess access) {
    SecretAccess.require(access);
    return privateKey.getEncoded();
  }

  /** Constant-time comparison of the private keys. */
  public boolean equalsKey(SigningKeyPair other) {
    return MessageDigest.isEqual(privateKey.getEncoded(), other.privateKey.getEncoded());
  }

  @Override
  public String toString() {
    return "SigningKeyPair(Ed25519, " + keyId() + ")";
  }
}
