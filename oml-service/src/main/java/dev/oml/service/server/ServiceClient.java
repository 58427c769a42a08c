package dev.oml.service.server;

import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;

/** The client side of {@link OwnerServer}: a pinned TLS connection opened on a named service. */
public final class ServiceClient {
  private ServiceClient() {}

  /**
   * Connects to the owner at {@code address}, trusting only {@code ownerCertificate}, and asks
   * for {@code service}.
   *
   * @throws dev.oml.core.transport.ProtocolAbortException if the connection fails
   */
  public static FramedChannel open(InetSocketAddress address, X509Certificate ownerCertificate,
      String service, TransportConfig config) {
    FramedChannel ch = FramedChannel.connect(address, TlsCredentials.clientContext(ownerCertificate), config);
    ch.send(OwnerServer.hello(service));
    return ch;
  }
}
