package dev.oml.service.modes;

import dev.oml.core.model.Model;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TransportConfig;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/** What the HE serving tests share: the small network, its inputs, and a client's channel. */
final class HeServingFixtures {
  /** A client's transport: 8 MiB frames, room for an INSECURE N = 1024 ring's keys. */
  static final TransportConfig CLIENT = new TransportConfig(8 << 20,
      Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(5));

  private HeServingFixtures() {}

  /** The small square network the serving tests serve. */
  static Model network() {
    return TinyModels.squareNet(TinyModels.SMALL);
  }

  /** {@code n} inputs of {@link #network()}, drawn from {@code seed}. */
  static double[][] inputs(int n, long seed) {
    Random r = new Random(seed);
    double[][] c = new double[n][];
    for (int i = 0; i < n; i++) {
      c[i] = TinyModels.input(r, 4);
    }
    return c;
  }

  /** The HE inference service among an owner's {@code services}. */
  static HeInferenceService heService(List<OwnerService> services) {
    return (HeInferenceService) services.stream()
        .filter(s -> s.name().equals(HeInferenceService.NAME)).findFirst().orElseThrow();
  }

  /** A client's channel to {@code service} on {@code server}, pinned to {@code home}'s TLS. */
  static FramedChannel open(OwnerServer server, OwnerHome home, String service) {
    return ServiceClient.open(server.address(), home.tls().certificate(), service, CLIENT);
  }
}
