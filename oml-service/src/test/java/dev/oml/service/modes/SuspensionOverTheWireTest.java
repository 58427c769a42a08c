package dev.oml.service.modes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.LicenseeSuspendedException;
import dev.oml.core.permission.PermissionIssuer;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermitRequest;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.tier2.Tier2Messages;
import dev.oml.service.server.ErrorCode;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.PermitRefusedException;
import dev.oml.service.server.PermitService;
import dev.oml.service.server.ServerConfig;
import dev.oml.service.server.ServiceClient;
import dev.oml.service.transport.FramedChannel;
import dev.oml.service.transport.PeerAbortedException;
import dev.oml.service.transport.TlsCredentials;
import dev.oml.service.transport.TransportConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The suspension rule through the real owner server over TLS: a licensee whose bundles abort
 * after admission (here a garbled offline message) is counted once per bundle; at the policy's
 * limit the permit desk refuses it and the two-party service refuses even a permission it got
 * before, and both refusals reach the licensee with their type, {@code
 * LicenseeSuspendedException}, the count and the limit; nothing more is charged.
 */
class SuspensionOverTheWireTest {
  @Test
  void aLicenseeThatKeepsAbortingIsRefusedAtTheDeskAndAtTheServiceWithTheTypedReason() {
    Tier2Fixture run = Tier2Fixture.tiny(OutputPolicy.LOGITS, 100);
    KeyId licensee = run.licensee.keyId();
    PermissionIssuer desk = run.issuer;
    TlsCredentials tls = TlsCredentials.selfSigned("owner.test", Duration.ofDays(1));
    int limit = run.policy.maxAborts();
    try (OwnerServer server = OwnerServer.start(ServerConfig.loopback(tls),
        List.of(new PermitService(desk), new TwoPartyInferenceService(run.owner)));
        FramedChannel permits = ServiceClient.open(server.address(), tls.certificate(),
            PermitService.NAME, TransportConfig.DEFAULT)) {
      // a permission taken while the licensee is in good standing, kept for later
      byte[] heldFirst = first(run, permits);
      for (int i = 0; i < limit; i++) {
        byte[] first = first(run, permits);
        try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
            TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
          ch.send(first);
          ch.receive(); // the owner's bundle key: admitted and charged
          ch.send(new byte[] {0x43, 1, 2, 3}); // a garbled offline message
          // The owner's offline flight (its encrypted W_O, per layer) was under way before it read
          // the garbled message; the abort follows it. Bounded: a tiny model has a few layers.
          PeerAbortedException e = assertThrows(PeerAbortedException.class, () -> {
            for (int k = 0; k < 16; k++) {
              ch.receive();
            }
          });
          assertEquals(ErrorCode.PROTOCOL_ABORT, ErrorCode.of(ErrorCode.toException(e)), e.getMessage());
        }
        assertEquals(i + 1, run.ledger.aborts(licensee).count());
      }
      assertEquals(AbortReason.MALFORMED_MESSAGE.code(), run.ledger.aborts(licensee).lastReason());
      long charged = run.charged();
      assertEquals(limit, charged, "each aborted bundle stays charged");

      LicenseeSuspendedException atDesk = assertThrows(LicenseeSuspendedException.class,
          () -> first(run, permits));
      assertEquals(limit, atDesk.aborts());
      assertEquals(limit, atDesk.limit());
      assertTrue(atDesk.getMessage().contains(limit + " aborted queries"), atDesk.getMessage());

      try (FramedChannel ch = ServiceClient.open(server.address(), tls.certificate(),
          TwoPartyInferenceService.NAME, TransportConfig.DEFAULT)) {
        ch.send(heldFirst);
        PeerAbortedException atGate = assertThrows(PeerAbortedException.class, ch::receive);
        assertEquals(LicenseeSuspendedException.class, ErrorCode.toException(atGate).getClass(),
            atGate.getMessage());
      }
      assertEquals(charged, run.charged(), "a refused licensee is charged nothing");
      assertEquals(limit, run.ledger.aborts(licensee).count(), "a refusal is not an abort");
    }
  }

  /** A bundle's permitted first message, its permission from the desk over {@code permits}. */
  private static byte[] first(Tier2Fixture run, FramedChannel permits) {
    byte[] payload = Tier2Messages.BundleRequest.fresh(run.oml.artifact().modelId(),
        OutputPolicy.LOGITS, 1, run.rng).encode();
    PermissionToken token = PermitService.request(permits, PermitRequest.create(run.licensee,
        run.oml.artifact().modelId(), InferenceMode.TWO_PARTY, 1, Binding.ofFirstMessage(payload),
        run.clock.instant()));
    return PermittedQuery.create(run.licensee, token, payload).encode();
  }
}
