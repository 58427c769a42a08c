package dev.oml.service.modes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.inference.PreparedBundle;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.mpc.testkit.LocalRun;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The owner side hosted by the real {@link OwnerServer} over TLS, next to the permit desk: the
 * user asks the desk for a permission bound to its bundle, prepares and runs queries over the
 * {@value TwoPartyInferenceService#NAME} service, and gets the reference logits; a second bundle
 * needs a new connection and a new permission; a replayed first message is refused over the
 * wire too.
 */
class TwoPartyInferenceServiceTest {
  @Test
  void prepareAndInferAgainstTheOwnerServerOverTls() {
    LocalRun run = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 51, false),
        TinyModels.insecure(), OutputPolicy.LOGITS, 100);
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    Random rnd = new Random(1);
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
        List.of(new PermitService(run.issuer), new TwoPartyInferenceService(run.owner)))) {
      try (FramedChannel permits = ServiceClient.open(server.address(), tls.certificate(),
          PermitService.NAME, TransportConfig.DEFAULT)) {
        for (int bundle = 0; bundle < 2; bundle++) {
          try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
              TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
            PreparedBundle b = run.user.prepare(ch, 2, (n, binding) -> PermitService.request(
                permits, PermitRequest.create(run.licensee, run.oml.artifact().modelId(),
                    InferenceMode.TWO_PARTY, n, binding, run.clock.instant())));
            for (int k = 0; k < 2; k++) {
              long[] x = run.encode(TinyModels.input(rnd, 8));
              assertArrayEquals(run.reference.logits(x), run.user.infer(ch, b, x).logits());
            }
          }
        }
        assertEquals(4, run.charged());
        // a first message replayed on a new connection is refused and charges nothing
        TwoPartyUser.Preparation p = run.user.beginPrepare(1);
        byte[] first = p.firstMessage(run.permit(1, p.binding()));
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          ch.send(first);
          ch.receive();
        }
        assertEquals(5, run.charged());
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          ch.send(first);
          assertThrows(ProtocolAbortException.class, ch::receive);
        }
        assertEquals(5, run.charged());
      }
    }
  }

  @Test
  void oneServiceServesSeveralLicenseesByModelIdAndRefusesOthers() {
    LocalRun a = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 52, false), TinyModels.insecure(),
        OutputPolicy.LOGITS, 100);
    LocalRun b = new LocalRun(TinyModels.cnn(dev.oml.core.fixedpoint.FixedPointFormat.of(32, 10),
        53), dev.oml.mpc.inference.TwoPartyParameters.standard(
            dev.oml.core.fixedpoint.FixedPointFormat.of(32, 10)), OutputPolicy.LOGITS, 100);
    LocalRun other = new LocalRun(TinyModels.mlp(TinyModels.SMALL, 54, false),
        TinyModels.insecure(), OutputPolicy.LOGITS, 100);
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    Random rnd = new Random(2);
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
        List.of(new TwoPartyInferenceService(List.of(a.owner, b.owner))))) {
      for (LocalRun run : List.of(b, a)) {
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          PreparedBundle bundle = run.user.prepare(ch, 1, run::permit);
          long[] x = run.encode(TinyModels.input(rnd, run.model.inputShape().size()));
          assertArrayEquals(run.reference.logits(x), run.user.infer(ch, bundle, x).logits());
        }
      }
      try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
          TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
            () -> other.user.prepare(ch, 1, other::permit));
        assertTrue(e.getMessage().contains("no two-party key share"), e.getMessage());
      }
      assertEquals(0, other.charged());
    }
  }
}
