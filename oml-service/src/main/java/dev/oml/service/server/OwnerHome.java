package dev.oml.service.server;

import dev.oml.core.OmlException;
import dev.oml.core.io.AtomicFiles;
import dev.oml.core.keys.KeyFiles;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.ledger.FileLedger;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.omlize.OmlKeyShare;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.service.ledger.LedgerConfig;
import dev.oml.service.ledger.LedgerConfigException;
import dev.oml.service.ledger.PostgresLedger;
import dev.oml.service.transport.TlsCredentials;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An owner's working directory: everything an owner server needs, in files.
 *
 * <pre>
 *   owner.key, owner.pub      the owner's Ed25519 signing key (rw-------) and public key
 *   tls.p12, tls-cert.pem     the server's TLS identity (rw-------) and the certificate users pin
 *   policy.properties         quota, max-inferences, validity, modes, max-aborts (defaults
 *                             written at init), modes.&lt;licensee key id&gt; per licensee
 *   shares/&lt;model-id&gt;.omlk   one owner key share per OMLized model and licensee (rw-------)
 *   ledger.oml                the durable permission ledger (one server: the default)
 *   ledger.properties         optional: a PostgreSQL ledger shared by several servers instead
 * </pre>
 *
 * Everything but the ledger is read-only while a server runs, so the directory can be copied to
 * every replica; replicas then share one PostgreSQL ledger, configured in {@code
 * ledger.properties} (see {@link LedgerConfig}; the password stays out of the directory).
 *
 * The licensees the owner serves are exactly those of its key shares (each share's manifest
 * names the licensee's public key), each with the policy's quota.
 */
public final class OwnerHome {
  private final Path dir;

  private OwnerHome(Path dir) {
    this.dir = dir;
  }

  /** Creates what is missing (keys, TLS identity, default policy) and opens the directory. */
  public static OwnerHome init(Path dir, SecureRandom random) {
    try {
      Files.createDirectories(dir.resolve("shares"));
    } catch (IOException e) {
      throw new OmlException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    if (!Files.exists(dir.resolve("owner.key"))) {
      SigningKeyPair k = SigningKeyPair.generate(random);
      KeyFiles.writePrivate(k, dir.resolve("owner.key"), SecretAccess.get());
      KeyFiles.writePublic(k.publicKey(), dir.resolve("owner.pub"));
    }
    if (!Files.exists(dir.resolve("tls.p12"))) {
      TlsCredentials tls = TlsCredentials.selfSigned("oml-owner", Duration.ofDays(365));
      tls.save(dir.resolve("tls.p12"));
      AtomicFiles.write(dir.resolve("tls-cert.pem"),
          TlsCredentials.toPem(tls.certificate()).getBytes(StandardCharsets.US_ASCII), false);
    }
    if (!Files.exists(dir.resolve("policy.properties"))) {
      String defaults = """
          # The owner's policy for every licensee of the key shares in shares/.
          # quota: inferences a licensee may use in all; max-inferences: per permission;
          # validity: how long a permission stays valid (ISO-8601 duration); modes: allowed modes;
          # max-aborts: a licensee with this many aborted queries (failed checks, malformed
          # messages, hang-ups mid-query) is suspended, 1..16 (see docs/SECURITY.md).
          # modes.<licensee key id in hex>=TWO_PARTY narrows one licensee's modes: grant
          # HOMOMORPHIC only to licensees you trust (docs/SECURITY.md, "HE and modified clients").
          quota=1000
          max-inferences=1000
          validity=PT10M
          modes=TWO_PARTY,HOMOMORPHIC
          max-aborts=3
          """;
      AtomicFiles.write(dir.resolve("policy.properties"), defaults.getBytes(StandardCharsets.UTF_8), false);
    }
    return open(dir);
  }

  /**
   * Opens an initialised owner directory.
   *
   * @throws OmlException if it is not one
   */
  public static OwnerHome open(Path dir) {
    for (String f : new String[] {"owner.key", "owner.pub", "tls.p12", "policy.properties"}) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new OmlException(dir + " is not an owner directory (no " + f + "); create it with: oml owner-init --dir " + dir);
      }
    }
    return new OwnerHome(dir);
  }

  public Path dir() {
    return dir;
  }

  public SigningKeyPair ownerKey(SecretAccess access) {
    return KeyFiles.readPrivate(dir.resolve("owner.key"), access);
  }

  public SigningPublicKey ownerPublicKey() {
    return KeyFiles.readPublic(dir.resolve("owner.pub"));
  }

  public TlsCredentials tls() {
    return TlsCredentials.load(dir.resolve("tls.p12"));
  }

  /** The certificate file users pin. */
  public Path certificatePem() {
    return dir.resolve("tls-cert.pem");
  }

  /**
   * Stores a key share (either format version) under {@code shares/}, owner-readable only.
   */
  public Path addKeyShare(OmlKeyShare share, SecretAccess access) {
    Path p = dir.resolve("shares").resolve(share.modelId().hex() + ".omlk");
    share.write(p, access);
    return p;
  }

  /**
   * Every key share under {@code shares/}: version 2 (served in both modes) and version 1 (the
   * HE mode's, for models without a two-party rule).
   */
  public List<OmlKeyShare> keyShares(SecretAccess access) {
    List<OmlKeyShare> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir.resolve("shares"))) {
      for (Path p : s.filter(p -> p.toString().endsWith(".omlk")).sorted().toList()) {
        out.add(OmlKeyShare.read(p, access));
      }
    } catch (IOException e) {
      throw new OmlException("cannot list " + dir.resolve("shares") + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The policy: {@code policy.properties} applied to the licensees of the key shares. */
  public PermissionPolicy policy(SecretAccess access) {
    Properties p = new Properties();
    try (Reader r = new StringReader(Files.readString(dir.resolve("policy.properties")))) {
      p.load(r);
    } catch (IOException e) {
      throw new OmlException("cannot read " + dir.resolve("policy.properties") + ": " + e.getMessage(), e);
    }
    long quota = number(p, "quota", 1000);
    long maxN = number(p, "max-inferences", 1000);
    if (maxN < 1 || maxN > Integer.MAX_VALUE) {
      // Checked before narrowing: 4294967297 must not wrap to 1 and start a server.
      throw new OmlException("policy.properties: max-inferences must be between 1 and " + Integer.MAX_VALUE
          + ", got " + maxN);
    }
    Duration validity;
    try {
      validity = Duration.parse(p.getProperty("validity", "PT10M").trim());
    } catch (DateTimeParseException e) {
      throw new OmlException("policy.properties: validity must be an ISO-8601 duration such as PT10M");
    }
    if (validity.isNegative() || validity.isZero()) {
      throw new OmlException("policy.properties: validity must be positive, got " + validity);
    }
    Set<InferenceMode> modes = parseModes(p.getProperty("modes", "TWO_PARTY,HOMOMORPHIC"),
        "modes");
    long maxAborts = number(p, "max-aborts", PermissionPolicy.DEFAULT_MAX_ABORTS);
    if (maxAborts < 1 || maxAborts > PermissionPolicy.MAX_ABORTS_LIMIT) {
      throw new OmlException("policy.properties: max-aborts must be between 1 and "
          + PermissionPolicy.MAX_ABORTS_LIMIT + ", got " + maxAborts);
    }
    PermissionPolicy.Builder b = PermissionPolicy.builder().maxInferencesPerPermission((int) maxN)
        .validity(validity).modes(modes).maxAborts((int) maxAborts);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (OmlKeyShare s : keyShares(access)) {
      SigningPublicKey licensee = s.description().licenseeKey();
      if (seen.add(licensee.keyId().hex())) {
        b.licensee(licensee, quota);
      }
      b.model(s);
    }
    // modes.<licensee key id in hex>=TWO_PARTY: what this licensee may use, within "modes"
    for (String key : p.stringPropertyNames()) {
      if (!key.startsWith("modes.")) {
        continue;
      }
      String id = key.substring("modes.".length()).trim().toLowerCase(java.util.Locale.ROOT);
      if (!seen.contains(id)) {
        throw new OmlException("policy.properties: " + key + " names no licensee of a key share"
            + " in this directory (use the licensee's key id in hex, as `oml keygen` prints it)");
      }
      b.licenseeModes(dev.oml.core.keys.KeyId.of(java.util.HexFormat.of().parseHex(id)),
          parseModes(p.getProperty(key), key));
    }
    return b.build();
  }

  private static Set<InferenceMode> parseModes(String value, String key) {
    Set<InferenceMode> modes = EnumSet.noneOf(InferenceMode.class);
    for (String m : value.split(",")) {
      if (m.isBlank() && key.startsWith("modes.")) {
        continue; // "modes.<id>=" allows this licensee nothing
      }
      try {
        modes.add(InferenceMode.valueOf(m.trim()));
      } catch (IllegalArgumentException e) {
        throw new OmlException("policy.properties: " + key + ": unknown mode '" + m.trim()
            + "' (known: TWO_PARTY, HOMOMORPHIC)");
      }
    }
    return modes;
  }

  private static long number(Properties p, String key, long dflt) {
    String v = p.getProperty(key);
    if (v == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new OmlException("policy.properties: " + key + " must be a non-negative integer, got '" + v + "'");
    }
  }

  /**
   * Opens the durable ledger, charging against {@code policy}'s quotas: the PostgreSQL ledger
   * of {@code ledger.properties} if there is one (its password from the process environment or
   * its password file), else the file ledger {@code ledger.oml}.
   *
   * @throws LedgerConfigException if {@code ledger.properties} is wrong, naming the setting
   */
  public PermissionLedger openLedger(PermissionPolicy policy) {
    return openLedger(policy, System.getenv());
  }

  /** As {@link #openLedger(PermissionPolicy)}, reading {@code password-env} from {@code env}. */
  public PermissionLedger openLedger(PermissionPolicy policy, Map<String, String> env) {
    Path config = dir.resolve(LedgerConfig.FILE_NAME);
    if (Files.exists(config)) {
      return PostgresLedger.open(LedgerConfig.read(config, env), policy::quotaOf);
    }
    return FileLedger.open(dir.resolve("ledger.oml"), policy::quotaOf);
  }

  /**
   * Makes this owner directory use a PostgreSQL ledger: writes {@code ledger.properties} with
   * the URL, the user and where the password is (exactly one of a password file, owner-only, or
   * the name of an environment variable). The password itself is never written here.
   *
   * @throws LedgerConfigException if a setting is wrong (nothing is written then)
   */
  public Path useSharedLedger(String url, String user, Path passwordFile, String passwordEnv) {
    LedgerConfig.builder().url(url).user(user).password(new char[] {'-'}).build();
    if ((passwordFile == null) == (passwordEnv == null)) {
      throw new LedgerConfigException("password-file", "give exactly one of a password file and "
          + "the name of an environment variable that holds the password");
    }
    if (passwordEnv != null && !passwordEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new LedgerConfigException("password-env", "must be an environment variable's name, "
          + "not the password itself");
    }
    String text = "# The PostgreSQL ledger shared by every owner server of this directory.\n"
        + "# Remove this file to go back to the embedded file ledger (ledger.oml).\n"
        + "url=" + url + "\nuser=" + user + "\n"
        + (passwordFile != null ? "password-file=" + passwordFile.toAbsolutePath()
            : "password-env=" + passwordEnv) + "\n";
    Path out = dir.resolve(LedgerConfig.FILE_NAME);
    AtomicFiles.write(out, text.getBytes(StandardCharsets.UTF_8), false);
    return out;
  }
}
