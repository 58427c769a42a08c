package dev.oml.service.modes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import dev.oml.mpc.tier2.Tier2Messages;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tier-2 owner hosted by the real {@link OwnerServer} over TLS, next to the permit desk: the
 * user asks the desk for a permission bound to its bundle request, runs the offline phase and
 * queries over the {@value TwoPartyInferenceService#NAME} service, and gets the field reference's
 * logits bit for bit; a second bundle needs a new connection and a new permission; a replayed
 * first message is refused over the wire and charges nothing.
 */
class TwoPartyInferenceServiceTest {
  @Test
  void prepareAndInferAgainstTheOwnerServerOverTls() {
    Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, 100);
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    Random rnd = new Random(1);
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
        List.of(new PermitService(run.issuer), new TwoPartyInferenceService(run.owner)))) {
      try (FramedChannel permits = ServiceClient.open(server.address(), tls.certificate(),
          PermitService.NAME, TransportConfig.DEFAULT)) {
        for (int bundle = 0; bundle < 2; bundle++) {
          try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
              TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
            Tier2User.Bundle b = run.user.prepare(ch, run.licensee, 2, OutputPolicy.LOGITS,
                (n, binding) -> PermitService.request(permits, PermitRequest.create(run.licensee,
                    run.oml.artifact().modelId(), InferenceMode.TWO_PARTY, n, binding,
                    run.clock.instant())));
            for (int k = 0; k < 2; k++) {
              double[] x = TinyModels.input(rnd, 8);
              assertArrayEquals(run.referenceLogits(x),
                  b.query(ch, run.user.encodeInput(x)).logits());
            }
          }
        }
        assertEquals(4, run.charged());
        // a first message replayed on a new connection is refused and charges nothing
        byte[] payload = Tier2Messages.BundleRequest.fresh(run.oml.artifact().modelId(),
            OutputPolicy.LOGITS, 1, run.rng).encode();
        byte[] first = PermittedQuery.create(run.licensee,
            run.permit(1, Binding.ofFirstMessage(payload)), payload).encode();
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          ch.send(first);
          ch.receive(); // the owner's bundle key: admitted
        }
        assertEquals(5, run.charged());
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          ch.send(first);
          ProtocolAbortException e = assertThrows(ProtocolAbortException.class, ch::receive);
          assertTrue(e.getMessage().contains("spent"), e.getMessage());
        }
        assertEquals(5, run.charged());
      }
    }
  }

  @Test
  void oneServiceServesSeveralLicenseesByModelIdAndRefusesOthers() {
    Tier2Fixture a = Tier2Fixture.tiny(OutputPolicy.LOGITS, 100);
    Tier2Fixture b = new Tier2Fixture(TinyModels.mlp(
        dev.oml.core.fixedpoint.FixedPointFormat.of(40, 10), 53, false), 10,
        OutputPolicy.LOGITS, 100);
    Tier2Fixture other = Tier2Fixture.tiny(OutputPolicy.LOGITS, 100);
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    Random rnd = new Random(2);
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
        List.of(new TwoPartyInferenceService(List.of(a.owner, b.owner), Map.of())))) {
      for (Tier2Fixture run : List.of(b, a)) {
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          Tier2User.Bundle bundle = run.user.prepare(ch, run.licensee, 1, OutputPolicy.LOGITS,
              run::permit);
          double[] x = TinyModels.input(rnd, run.model.inputShape().size());
          assertArrayEquals(run.referenceLogits(x),
              bundle.query(ch, run.user.encodeInput(x)).logits());
        }
      }
      try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
          TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
        ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
            () -> other.user.prepare(ch, other.licensee, 1, OutputPolicy.LOGITS, other::permit));
        assertTrue(e.getMessage().contains("no two-party key share"), e.getMessage());
      }
      assertEquals(0, other.charged());
    }
  }
}
