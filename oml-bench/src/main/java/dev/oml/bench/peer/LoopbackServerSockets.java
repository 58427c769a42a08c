package dev.oml.bench.peer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import javax.net.ServerSocketFactory;

/**
 * Server sockets bound to the loopback interface only: FRESCO's connector would otherwise
 * listen on every interface, and the two parties of the benchmark never leave this machine.
 */
final class LoopbackServerSockets extends ServerSocketFactory {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Override
  public ServerSocket createServerSocket() throws IOException {
    return new ServerSocket();
  }

  @Override
  public ServerSocket createServerSocket(int port) throws IOException {
    return new ServerSocket(port, 50, LOOPBACK);
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog) throws IOException {
    return new ServerSocket(port, backlog, LOOPBACK);
  }

  @Override
  public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress)
      throws IOException {
    return new ServerSocket(port, backlog, LOOPBACK);
  }

  /** A port free on the loopback interface right now (the OS may hand it out again later). */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  static String loopbackHost() {
    return LOOPBACK.getHostAddress();
  }
}
