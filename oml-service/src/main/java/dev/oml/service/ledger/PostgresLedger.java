package dev.oml.service.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortRecord;
import dev.oml.core.ledger.ExternalLedger;
import dev.oml.core.ledger.LedgerException;
import dev.oml.core.ledger.LedgerUnavailableException;
import dev.oml.core.ledger.PermissionReplayedException;
import dev.oml.core.ledger.QuotaExceededException;
import dev.oml.core.ledger.QuotaSource;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.permission.VerifiedPermission;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A ledger in PostgreSQL, shared by every owner server (replica) of one owner. The database holds
 * the rules, not Java: a spend is one transaction that inserts the permission's nonce into a
 * table whose primary key it is (a second insert of the same nonce, from any replica, fails as a
 * replay) and adds its {@code n} to the licensee's charge row under a {@code CHECK (charged <=
 * quota)} constraint (a spend that would cross the quota fails). Concurrent spends of one
 * licensee queue on its charge row, so the quota holds exactly across replicas; nothing is
 * checked first and acted on later. A spend is acknowledged only after its commit returns, so it
 * is as durable as the database's commits.
 *
 * <p>The ledger creates and upgrades its own tables: numbered migrations, applied at {@link
 * #open} under an advisory lock (replicas starting together apply each once) and recorded in
 * {@code oml_ledger_schema}; a database migrated by a newer release is refused. Unlike the file
 * ledger it never forgets a nonce, so there is no expiry horizon to enforce.
 *
 * <p>Failures: a database that cannot be reached (restarting, a broken connection, no pooled
 * connection within the timeout) is a {@link LedgerUnavailableException}, and the same object
 * serves again once the database is back; any other database error is a {@link LedgerException}.
 * Either way the spend or abort was not recorded, except when the connection broke during the
 * commit: then it may have been, exactly once (see {@link LedgerUnavailableException}).
 */
public final class PostgresLedger extends ExternalLedger {
  /** The schema version this release writes; migrations 1..this are applied at open. */
  public static final int SCHEMA_VERSION = 1;
  private static final long MIGRATION_LOCK = 0x4F4D4C4C45444752L; // "OMLLEDGR"

  /** Migration {@code i + 1} is {@code MIGRATIONS.get(i)}; never edit one that was released. */
  private static final List<List<String>> MIGRATIONS = List.of(List.of(
      """
      CREATE TABLE oml_spend (
        nonce bytea PRIMARY KEY CHECK (octet_length(nonce) = 16),
        licensee bytea NOT NULL CHECK (octet_length(licensee) = 32),
        model bytea NOT NULL CHECK (octet_length(model) = 32),
        n integer NOT NULL CHECK (n > 0),
        spent_at bigint NOT NULL,
        expires_at bigint NOT NULL)""",
      """
      CREATE TABLE oml_charge (
        licensee bytea PRIMARY KEY CHECK (octet_length(licensee) = 32),
        charged bigint NOT NULL CHECK (charged >= 0),
        quota bigint NOT NULL,
        CONSTRAINT oml_charge_within_quota CHECK (charged <= quota))""",
      """
      CREATE TABLE oml_abort (
        licensee bytea PRIMARY KEY CHECK (octet_length(licensee) = 32),
        count bigint NOT NULL CHECK (count > 0),
        last_reason integer NOT NULL CHECK (last_reason BETWEEN 0 AND 65535),
        last_at bigint NOT NULL)"""));

  private static final String INSERT_SPEND =
      "INSERT INTO oml_spend (nonce, licensee, model, n, spent_at, expires_at) VALUES (?,?,?,?,?,?)";
  private static final String CHARGE =
      "INSERT INTO oml_charge AS c (licensee, charged, quota) VALUES (?, ?, ?) "
          + "ON CONFLICT (licensee) DO UPDATE SET charged = c.charged + EXCLUDED.charged, "
          + "quota = EXCLUDED.quota RETURNING charged";
  private static final String ABORT =
      "INSERT INTO oml_abort AS a (licensee, count, last_reason, last_at) VALUES (?, 1, ?, ?) "
          + "ON CONFLICT (licensee) DO UPDATE SET count = a.count + 1, "
          + "last_reason = EXCLUDED.last_reason, last_at = EXCLUDED.last_at "
          + "RETURNING count, last_reason, last_at";

  private final LedgerConfig config;
  private final HikariDataSource pool;
  private final QuotaSource quotas;
  private final Clock clock;
  // Test-only fault: the next write transaction loses its database session after its first
  // statement, as if the server crashed mid-transaction.
  private volatile boolean killSessionAfterFirstStatement;
  private volatile boolean closed;

  private PostgresLedger(LedgerConfig config, QuotaSource quotas, Clock clock) {
    this.config = config;
    this.quotas = quotas;
    this.clock = clock;
    HikariConfig h = new HikariConfig();
    h.setPoolName("oml-ledger");
    h.setJdbcUrl(config.url());
    h.setUsername(config.user());
    char[] pw = config.password();
    h.setPassword(new String(pw));
    Arrays.fill(pw, '\0');
    h.setMaximumPoolSize(config.poolSize());
    h.setMinimumIdle(Math.min(2, config.poolSize()));
    h.setConnectionTimeout(config.connectTimeout().toMillis());
    h.setValidationTimeout(Math.max(250, config.connectTimeout().toMillis() / 2));
    h.setInitializationFailTimeout(config.connectTimeout().toMillis());
    h.setAutoCommit(false);
    h.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    long socketSeconds = Math.max(1, config.statementTimeout().toSeconds() + 5);
    h.addDataSourceProperty("connectTimeout", Math.max(1, config.connectTimeout().toSeconds()));
    h.addDataSourceProperty("socketTimeout", socketSeconds);
    h.addDataSourceProperty("tcpKeepAlive", true);
    h.addDataSourceProperty("ApplicationName", "oml-owner");
    h.addDataSourceProperty("options", "-c statement_timeout=" + config.statementTimeout().toMillis());
    try {
      this.pool = new HikariDataSource(h);
    } catch (RuntimeException e) {
      SQLException sql = sqlCause(e);
      if (sql != null && sql.getSQLState() != null && sql.getSQLState().startsWith("28")) {
        throw new LedgerConfigException("user", "the database at " + config.url()
            + " refused the login of user " + config.user() + " (SQLSTATE " + sql.getSQLState()
            + "); check user and the password in password-file or password-env");
      }
      throw new LedgerUnavailableException("cannot open the PostgreSQL ledger at " + config.url()
          + " as " + config.user() + ": " + rootMessage(e), e);
    }
    try {
      migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Connects, creates or upgrades the ledger's tables, and returns the ledger.
   *
   * @param quotas where each licensee's quota is read at every spend
   * @throws LedgerUnavailableException if the database cannot be reached
   * @throws LedgerConfigException if it refuses the login
   * @throws LedgerException if its schema is newer than this release or cannot be created
   */
  public static PostgresLedger open(LedgerConfig config, QuotaSource quotas) {
    return open(config, quotas, Clock.systemUTC());
  }

  /** As {@link #open(LedgerConfig, QuotaSource)}, with the clock that stamps spends and aborts. */
  public static PostgresLedger open(LedgerConfig config, QuotaSource quotas, Clock clock) {
    return new PostgresLedger(Objects.requireNonNull(config, "config"),
        Objects.requireNonNull(quotas, "quotas"), Objects.requireNonNull(clock, "clock"));
  }

  private void migrate() {
    try (Connection c = connection()) {
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
        s.execute("CREATE TABLE IF NOT EXISTS oml_ledger_schema (version integer PRIMARY KEY, "
            + "applied_at timestamptz NOT NULL DEFAULT now())");
        int current;
        try (ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM oml_ledger_schema")) {
          r.next();
          current = r.getInt(1);
        }
        if (current > SCHEMA_VERSION) {
          c.rollback();
          throw new LedgerException("the ledger database " + config.url() + " has schema version "
              + current + ", newer than this release knows (" + SCHEMA_VERSION + "); upgrade "
              + "every owner server before any of them uses it");
        }
        for (int v = current + 1; v <= SCHEMA_VERSION; v++) {
          for (String sql : MIGRATIONS.get(v - 1)) {
            s.execute(sql);
          }
          s.execute("INSERT INTO oml_ledger_schema (version) VALUES (" + v + ")");
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw failure("cannot create the ledger's tables in " + config.url(), e);
    }
  }

  /** The schema version recorded in the database. */
  public int schemaVersion() {
    try (Connection c = connection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM oml_ledger_schema")) {
      r.next();
      int v = r.getInt(1);
      c.rollback();
      return v;
    } catch (SQLException e) {
      throw failure("cannot read the ledger's schema version", e);
    }
  }

  @Override
  public SpendReceipt spend(VerifiedPermission p) {
    long quota = quotas.quotaOf(p.licensee());
    byte[] licensee = p.licensee().bytes();
    try (Connection c = connection()) {
      try {
        try (PreparedStatement s = c.prepareStatement(INSERT_SPEND)) {
          s.setBytes(1, p.nonce());
          s.setBytes(2, licensee);
          s.setBytes(3, p.modelId().bytes());
          s.setInt(4, p.inferences());
          s.setLong(5, clock.instant().getEpochSecond());
          s.setLong(6, p.expiresAt().getEpochSecond());
          s.executeUpdate();
        }
        faultAfterFirstStatement(c);
        long after;
        try (PreparedStatement s = c.prepareStatement(CHARGE)) {
          s.setBytes(1, licensee);
          s.setLong(2, p.inferences());
          s.setLong(3, quota);
          try (ResultSet r = s.executeQuery()) {
            r.next();
            after = r.getLong(1);
          }
        }
        c.commit();
        return receipt(p, after, quota);
      } catch (SQLException e) {
        rollbackQuietly(c);
        if ("23505".equals(e.getSQLState())) {
          throw new PermissionReplayedException("this permission was already spent; a permission "
              + "pays for its inferences once");
        }
        if ("23514".equals(e.getSQLState())) {
          throw new QuotaExceededException(p.licensee(), quota, charged(p.licensee()), p.inferences());
        }
        throw e;
      }
    } catch (SQLException e) {
      throw failure("cannot record the spend", e);
    }
  }

  @Override
  public long charged(KeyId licensee) {
    try (Connection c = connection();
        PreparedStatement s = c.prepareStatement("SELECT charged FROM oml_charge WHERE licensee = ?")) {
      s.setBytes(1, licensee.bytes());
      long v = 0;
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          v = r.getLong(1);
        }
      }
      c.rollback();
      return v;
    } catch (SQLException e) {
      throw failure("cannot read the charge", e);
    }
  }

  @Override
  public boolean isSpent(byte[] nonce) {
    try (Connection c = connection();
        PreparedStatement s = c.prepareStatement("SELECT 1 FROM oml_spend WHERE nonce = ?")) {
      s.setBytes(1, nonce);
      boolean spent;
      try (ResultSet r = s.executeQuery()) {
        spent = r.next();
      }
      c.rollback();
      return spent;
    } catch (SQLException e) {
      throw failure("cannot read the spent nonces", e);
    }
  }

  @Override
  public AbortRecord recordAbort(KeyId licensee, int reasonCode) {
    AbortRecord.checkReason(reasonCode);
    Objects.requireNonNull(licensee, "licensee");
    try (Connection c = connection()) {
      try {
        AbortRecord out;
        try (PreparedStatement s = c.prepareStatement(ABORT)) {
          s.setBytes(1, licensee.bytes());
          s.setInt(2, reasonCode);
          s.setLong(3, clock.instant().getEpochSecond());
          try (ResultSet r = s.executeQuery()) {
            r.next();
            out = new AbortRecord(licensee, r.getLong(1), r.getInt(2), Instant.ofEpochSecond(r.getLong(3)));
          }
        }
        faultAfterFirstStatement(c);
        c.commit();
        return out;
      } catch (SQLException e) {
        rollbackQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw failure("cannot record the abort", e);
    }
  }

  @Override
  public AbortRecord aborts(KeyId licensee) {
    try (Connection c = connection();
        PreparedStatement s = c.prepareStatement(
            "SELECT count, last_reason, last_at FROM oml_abort WHERE licensee = ?")) {
      s.setBytes(1, licensee.bytes());
      AbortRecord out = AbortRecord.none(licensee);
      try (ResultSet r = s.executeQuery()) {
        if (r.next()) {
          out = new AbortRecord(licensee, r.getLong(1), r.getInt(2), Instant.ofEpochSecond(r.getLong(3)));
        }
      }
      c.rollback();
      return out;
    } catch (SQLException e) {
      throw failure("cannot read the aborts", e);
    }
  }

  /** The configuration this ledger was opened with (no password in its string form). */
  public LedgerConfig config() {
    return config;
  }

  /** Test-only: the next write loses its database session after its first statement. */
  void killSessionAfterFirstStatement() {
    killSessionAfterFirstStatement = true;
  }

  private void faultAfterFirstStatement(Connection c) throws SQLException {
    if (killSessionAfterFirstStatement) {
      killSessionAfterFirstStatement = false;
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_terminate_backend(pg_backend_pid())");
      }
    }
  }

  private Connection connection() throws SQLException {
    if (closed) {
      throw new LedgerException("the PostgreSQL ledger at " + config.url() + " is closed");
    }
    return pool.getConnection();
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the server discards its transaction
    }
  }

  /**
   * Maps a database error to the ledger's types: unreachable (connection classes 08, the
   * server shutting down or starting 57P0x, too many connections 53300, a pool timeout, a
   * statement timeout 57014) versus every other failure. SQL messages name no password.
   */
  private LedgerException failure(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String msg = what + " in the PostgreSQL ledger at " + config.url() + ": " + e.getMessage()
        + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")");
    if (e instanceof SQLTransientConnectionException || state.startsWith("08")
        || state.startsWith("57P") || state.equals("57014") || state.equals("53300")) {
      return new LedgerUnavailableException(msg + "; retry when the database is back", e);
    }
    return new LedgerException(msg, e);
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException q) {
        return q;
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  /** Closes the pool; the database keeps everything. Idempotent. */
  @Override
  public void close() {
    closed = true;
    pool.close();
  }

  @Override
  public String toString() {
    return "PostgresLedger(" + config.url() + ")";
  }
}
