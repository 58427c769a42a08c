package dev.oml.service.ledger;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Where a {@link PostgresLedger} keeps its state: the JDBC URL of the database, the user and its
 * password, and the size and timeouts of each server's connection pool. Immutable, built by a
 * builder that checks every setting at {@link Builder#build()}, or read from an owner directory's
 * {@code ledger.properties}:
 *
 * <pre>
 *   url=jdbc:postgresql://db.example:5432/oml
 *   user=oml_owner
 *   password-file=/etc/oml/ledger.password   (owner-only: mode 0600 or 0400)
 *   # or: password-env=OML_LEDGER_PASSWORD   (the name of an environment variable)
 *   pool-size=8
 * </pre>
 *
 * A password is never written in {@code ledger.properties} itself (the directory is copied to
 * every replica and its backups) and never appears in {@link #toString()} or an error message.
 */
public final class LedgerConfig {
  /** The file of an owner directory that selects and configures the PostgreSQL ledger. */
  public static final String FILE_NAME = "ledger.properties";

  private final String url;
  private final String user;
  private final char[] password;
  private final int poolSize;
  private final Duration connectTimeout;
  private final Duration statementTimeout;

  private LedgerConfig(Builder b) {
    this.url = b.url;
    this.user = b.user;
    this.password = b.password.clone();
    this.poolSize = b.poolSize;
    this.connectTimeout = b.connectTimeout;
    this.statementTimeout = b.statementTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The JDBC URL, {@code jdbc:postgresql://host:port/database[?options]}. */
  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  /** A copy of the password; callers clear it after use. */
  char[] password() {
    return password.clone();
  }

  /** Connections each server keeps at most; spends wait for a free one. */
  public int poolSize() {
    return poolSize;
  }

  /** How long a spend waits for a connection before it fails as unavailable. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** How long one statement may run before it fails as unavailable (a hung database). */
  public Duration statementTimeout() {
    return statementTimeout;
  }

  /**
   * Reads {@code ledger.properties}.
   *
   * @param env where {@code password-env} is looked up ({@code System.getenv()} in production)
   * @throws LedgerConfigException naming the setting that is missing or wrong
   */
  public static LedgerConfig read(Path file, Map<String, String> env) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new LedgerConfigException(FILE_NAME, "cannot read " + file + ": " + e.getMessage());
    }
    for (String k : p.stringPropertyNames()) {
      if (!Set.of("kind", "url", "user", "password-file", "password-env", "pool-size",
          "connect-timeout", "statement-timeout").contains(k)) {
        throw new LedgerConfigException(k, k.equals("password")
            ? "a password is never written in " + FILE_NAME + "; use password-file (a file "
                + "readable by the owner only) or password-env (an environment variable's name)"
            : "unknown setting in " + file);
      }
    }
    String kind = p.getProperty("kind", "postgresql").trim();
    if (!kind.equals("postgresql")) {
      throw new LedgerConfigException("kind", "must be postgresql (remove " + FILE_NAME
          + " to use the embedded file ledger), got '" + kind + "'");
    }
    Builder b = builder();
    b.url(required(p, "url")).user(required(p, "user"));
    String pwFile = p.getProperty("password-file");
    String pwEnv = p.getProperty("password-env");
    if ((pwFile == null) == (pwEnv == null)) {
      throw new LedgerConfigException("password-file", "give exactly one of password-file and "
          + "password-env");
    }
    if (pwFile != null) {
      b.password(readPasswordFile(file.toAbsolutePath().getParent().resolve(pwFile.trim())));
    } else {
      String v = env.get(pwEnv.trim());
      if (v == null || v.isEmpty()) {
        throw new LedgerConfigException("password-env", "the environment variable '"
            + pwEnv.trim() + "' is not set");
      }
      b.password(v.toCharArray());
    }
    if (p.getProperty("pool-size") != null) {
      try {
        b.poolSize(Integer.parseInt(p.getProperty("pool-size").trim()));
      } catch (NumberFormatException e) {
        throw new LedgerConfigException("pool-size", "must be an integer, got '"
            + p.getProperty("pool-size") + "'");
      }
    }
    b.connectTimeout(duration(p, "connect-timeout", b.connectTimeout));
    b.statementTimeout(duration(p, "statement-timeout", b.statementTimeout));
    return b.build();
  }

  private static String required(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new LedgerConfigException(key, "missing in " + FILE_NAME);
    }
    return v.trim();
  }

  private static Duration duration(Properties p, String key, Duration dflt) {
    String v = p.getProperty(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Duration.parse(v.trim());
    } catch (java.time.format.DateTimeParseException e) {
      throw new LedgerConfigException(key, "must be an ISO-8601 duration such as PT5S, got '" + v + "'");
    }
  }

  /**
   * Reads a password file, refusing one that others can read: it is the key to every spend the
   * owner has recorded.
   */
  static char[] readPasswordFile(Path f) {
    if (!Files.isRegularFile(f)) {
      throw new LedgerConfigException("password-file", f + " is not a file");
    }
    try {
      if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission x : perms) {
          if (x.name().startsWith("GROUP") || x.name().startsWith("OTHERS")) {
            throw new LedgerConfigException("password-file", f + " is readable by others ("
                + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); make it "
                + "owner-only: chmod 600 " + f);
          }
        }
      }
      byte[] raw = Files.readAllBytes(f);
      try {
        String s = new String(raw, StandardCharsets.UTF_8).strip();
        if (s.isEmpty()) {
          throw new LedgerConfigException("password-file", f + " is empty");
        }
        return s.toCharArray();
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    } catch (IOException e) {
      throw new LedgerConfigException("password-file", "cannot read " + f + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "LedgerConfig(" + url + ", user " + user + ", pool " + poolSize + ")";
  }

  /** Builds a {@link LedgerConfig}; {@link #build()} checks every setting. */
  public static final class Builder {
    private String url;
    private String user;
    private char[] password = new char[0];
    private int poolSize = 8;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration statementTimeout = Duration.ofSeconds(10);

    private Builder() {}

    public Builder url(String url) {
      this.url = url;
      return this;
    }

    public Builder user(String user) {
      this.user = user;
      return this;
    }

    public Builder password(char[] password) {
      this.password = Objects.requireNonNull(password, "password").clone();
      return this;
    }

    public Builder poolSize(int poolSize) {
      this.poolSize = poolSize;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    public Builder statementTimeout(Duration d) {
      this.statementTimeout = d;
      return this;
    }

    /**
     * Checks every setting.
     *
     * @throws LedgerConfigException naming the first setting that is missing or wrong
     */
    public LedgerConfig build() {
      if (url == null || !url.startsWith("jdbc:postgresql://")) {
        throw new LedgerConfigException("url", "must be a PostgreSQL JDBC URL, "
            + "jdbc:postgresql://host:port/database, got '" + redact(url) + "'");
      }
      if (url.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
        throw new LedgerConfigException("url", "must not carry the password; use password-file "
            + "or password-env");
      }
      if (user == null || user.isBlank()) {
        throw new LedgerConfigException("user", "missing");
      }
      if (poolSize < 1 || poolSize > 256) {
        throw new LedgerConfigException("pool-size", "must be 1..256, got " + poolSize);
      }
      if (connectTimeout == null || connectTimeout.toMillis() < 250) {
        throw new LedgerConfigException("connect-timeout", "must be at least 250 ms");
      }
      if (statementTimeout == null || statementTimeout.toMillis() < 100) {
        throw new LedgerConfigException("statement-timeout", "must be at least 100 ms");
      }
      return new LedgerConfig(this);
    }

    private static String redact(String url) {
      return url == null ? "" : url.replaceAll("(?i)password=[^&]*", "password=***");
    }
  }
}
