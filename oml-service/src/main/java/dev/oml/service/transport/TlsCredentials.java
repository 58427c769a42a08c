package dev.oml.service.transport;

import dev.oml.core.OmlException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A TLS identity for the owner service: an ECDSA P-256 key and a self-signed X.509 certificate
 * (built with Bouncy Castle), and the matching client side that trusts exactly that certificate
 * (pinning; no certificate authorities are involved). Clients learn the certificate, or its
 * SHA-256 fingerprint, together with the owner's public key.
 */
public final class TlsCredentials {
  private static final char[] NO_PASSWORD = new char[0];
  // PKCS#12 in the JDK wants a password; the file is protected by its permissions instead.
  private static final char[] STORE_PASSWORD = "oml-owner-tls".toCharArray();
  private final KeyPair keyPair;
  private final X509Certificate certificate;

  private TlsCredentials(KeyPair keyPair, X509Certificate certificate) {
    this.keyPair = keyPair;
    this.certificate = certificate;
  }

  /** Generates a fresh key and a self-signed certificate for {@code commonName}, valid for {@code validity}. */
  public static TlsCredentials selfSigned(String commonName, Duration validity) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=" + commonName.replaceAll("[,=+<>#;\"\\\\]", "_"));
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
              Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), name,
              kp.getPublic()).build(signer));
      return new TlsCredentials(kp, cert);
    } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new OmlException("cannot create a TLS certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Saves key and certificate as a PKCS#12 file, created owner-readable only ({@code rw-------})
   * and written atomically; the file's protection is its permissions, its password is fixed.
   */
  public void save(java.nio.file.Path file) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("owner", keyPair.getPrivate(), STORE_PASSWORD, new X509Certificate[] {certificate});
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      ks.store(out, STORE_PASSWORD);
      dev.oml.core.io.AtomicFiles.write(file, out.toByteArray(), true);
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new OmlException("cannot save the TLS identity: " + e.getMessage(), e);
    }
  }

  /**
   * Loads what {@link #save} wrote.
   *
   * @throws OmlException if the file is missing or not such a key store
   */
  public static TlsCredentials load(java.nio.file.Path file) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, STORE_PASSWORD);
      java.security.Key key = ks.getKey("owner", STORE_PASSWORD);
      X509Certificate cert = (X509Certificate) ks.getCertificate("owner");
      if (!(key instanceof java.security.PrivateKey pk) || cert == null) {
        throw new OmlException(file + " holds no TLS identity");
      }
      return new TlsCredentials(new KeyPair(cert.getPublicKey(), pk), cert);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new OmlException(file + ": no such file");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new OmlException(file + " is not a readable TLS identity: " + e.getMessage(), e);
    }
  }

  /** The certificate in PEM, what a client pins. */
  public static String toPem(X509Certificate cert) {
    try {
      return "-----BEGIN CERTIFICATE-----\n"
          + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
              .encodeToString(cert.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new OmlException("cannot encode a certificate", e);
    }
  }

  /**
   * Reads a PEM certificate file (what a client pins).
   *
   * @throws OmlException if the file is missing or not a certificate
   */
  public static X509Certificate readPem(java.nio.file.Path file) {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new OmlException(file + ": no such file");
    } catch (GeneralSecurityException | java.io.IOException | ClassCastException e) {
      throw new OmlException(file + " is not a PEM certificate: " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** SHA-256 of the certificate's DER encoding, hex: what a client pins. */
  public String fingerprint() {
    return fingerprint(certificate);
  }

  /** SHA-256 of a certificate's DER encoding, hex. */
  public static String fingerprint(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new OmlException("cannot fingerprint a certificate", e);
    }
  }

  /** The server side: presents this certificate. */
  public SSLContext serverContext() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("owner", keyPair.getPrivate(), NO_PASSWORD, new X509Certificate[] {certificate});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, NO_PASSWORD);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new OmlException("cannot build the server TLS context: " + e.getMessage(), e);
    }
  }

  /** The client side: trusts exactly {@code pinned} and nothing else. */
  public static SSLContext clientContext(X509Certificate pinned) {
    try {
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      ts.setCertificateEntry("owner", pinned);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      SSLContext ctx = SSLContext.getInstance("TLSv1.3");
      ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new OmlException("cannot build the client TLS context: " + e.getMessage(), e);
    }
  }
}
