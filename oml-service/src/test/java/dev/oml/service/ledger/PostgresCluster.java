package dev.oml.service.ledger;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for tests: a fresh cluster made with {@code initdb} in a temporary
 * directory, listening on a free loopback port with password (SCRAM) authentication, stopped and
 * deleted by {@link #close()}. The binaries are Debian's {@code postgresql} package
 * ({@code /usr/lib/postgresql/<version>/bin}, or the directory in {@code OML_PG_BIN}). PostgreSQL
 * refuses to run as root, so when the tests run as root the cluster belongs to the
 * {@code postgres} user and every server command runs through {@code runuser}.
 *
 * <p>Without the binaries the tests that need a server are skipped with a message saying what to
 * install, except when {@code CI=true}: CI must run them, so there they fail.
 */
final class PostgresCluster implements AutoCloseable {
  private static final String ADMIN = "oml_test";
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final String password;
  private boolean running;

  private PostgresCluster(Path bin, Path dir, int port, String password) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
    this.password = password;
  }

  /** The directory with initdb and pg_ctl, if PostgreSQL is installed. */
  static Optional<Path> binaries() {
    String env = System.getenv("OML_PG_BIN");
    if (env != null && !env.isBlank()) {
      return Optional.of(Path.of(env)).filter(p -> Files.isExecutable(p.resolve("pg_ctl")));
    }
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(root)) {
      return s.map(p -> p.resolve("bin"))
          .filter(p -> Files.isExecutable(p.resolve("initdb")) && Files.isExecutable(p.resolve("pg_ctl")))
          .max(Comparator.comparingInt(p -> versionOf(p.getParent())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static int versionOf(Path p) {
    try {
      return Integer.parseInt(p.getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static final String MISSING = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl "
      + "and no OML_PG_BIN): install Debian's postgresql package (apt-get install postgresql) to "
      + "run the PostgreSQL ledger tests";

  /**
   * Makes and starts a cluster; without binaries returns null (each test then skips itself
   * through {@link #require}), or fails under {@code CI=true}.
   */
  static PostgresCluster start() {
    Optional<Path> bin = binaries();
    if (bin.isEmpty()) {
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail(MISSING + "; CI=true, so they must run");
      }
      System.err.println("SKIPPED: " + MISSING);
      return null;
    }
    try {
      Path dir = Files.createTempDirectory("oml-pg");
      byte[] pw = new byte[16];
      new SecureRandom().nextBytes(pw);
      PostgresCluster c = new PostgresCluster(bin.get(), dir, freePort(), HexFormat.of().formatHex(pw));
      c.init();
      c.startServer();
      return c;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
    }
  }

  /** Skips the calling test, saying why, if there is no cluster. */
  static PostgresCluster require(PostgresCluster pg) {
    Assumptions.assumeTrue(pg != null, MISSING);
    return pg;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void init() throws IOException {
    Path pwfile = dir.resolve("pw");
    Files.writeString(pwfile, password + "\n");
    if (ROOT) {
      run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
    }
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", ADMIN,
        "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
        "--no-instructions", "-N"), true);
    Files.delete(pwfile);
  }

  /** Starts the server (again, after {@link #stop}) on the same port and data. */
  void startServer() {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
        dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=200 "
            + "-c shared_buffers=16MB", "start"), true);
    running = true;
  }

  /**
   * Stops the server: {@code immediate} is a crash (no checkpoint; recovery replays the WAL at
   * the next start), {@code fast} a clean shutdown that aborts open sessions.
   */
  void stop(String mode) {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", mode, "-w", "-t",
        "60", "stop"), true);
    running = false;
  }

  int port() {
    return port;
  }

  String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A ledger configuration for {@code database} with short timeouts, as the tests want. */
  LedgerConfig.Builder config(String database) {
    return LedgerConfig.builder().url(jdbcUrl(database)).user(ADMIN)
        .password(password.toCharArray()).poolSize(8)
        .connectTimeout(java.time.Duration.ofSeconds(2))
        .statementTimeout(java.time.Duration.ofSeconds(10));
  }

  String password() {
    return password;
  }

  String user() {
    return ADMIN;
  }

  /** Creates an empty database. */
  void createDatabase(String name) {
    sql("postgres", "CREATE DATABASE " + name);
  }

  /** Runs statements as the superuser in {@code database}. */
  void sql(String database, String... statements) {
    try (Connection c = DriverManager.getConnection(jdbcUrl(database), ADMIN, password);
        Statement s = c.createStatement()) {
      for (String q : statements) {
        s.execute(q);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private void run(List<String> command, boolean asPostgres) {
    List<String> cmd = new ArrayList<>();
    if (asPostgres && ROOT) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(command);
    try {
      Path out = Files.createTempFile("oml-pg-cmd", ".log");
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
          String log = Files.readString(out, StandardCharsets.UTF_8);
          Path server = dir.resolve("server.log");
          if (Files.isReadable(server)) {
            log += "\nserver.log:\n" + Files.readString(server, StandardCharsets.UTF_8);
          }
          throw new IllegalStateException("failed (" + p.exitValue() + "): " + String.join(" ", cmd)
              + "\n" + log);
        }
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + cmd + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + cmd, e);
    }
  }

  @Override
  public void close() {
    try {
      if (running) {
        stop("immediate");
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temporary directory; the OS cleans it eventually
      }
    }
  }
}
