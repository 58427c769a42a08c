package dev.oml.core.transport;

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
