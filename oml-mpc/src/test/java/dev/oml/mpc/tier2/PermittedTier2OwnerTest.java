package dev.oml.mpc.tier2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.ledger.AbortReason;
import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.mpc.inference.OutputPolicy;
import dev.oml.mpc.testkit.Tier2Fixture;
import dev.oml.mpc.testkit.TinyModels;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The served bundle's request checks, after the gate admitted the permission: a licensee that
 * asks for more output than the owner serves (logits where the owner serves labels), or whose
 * request disagrees with its permission (count) or names another model, is refused before the
 * owner sends anything, with one abort recorded and the bundle charged. The same owner serves a
 * request that asks for what it serves, so the refusals come from the checks, not the setup.
 */
class PermittedTier2OwnerTest {
  /** A permitted first message whose payload is {@code request}, permitted for {@code n}. */
  private static byte[] first(Tier2Fixture fx, Tier2Messages.BundleRequest request, int n) {
    byte[] payload = request.encode();
    return PermittedQuery.create(fx.licensee, fx.permit(n, Binding.ofFirstMessage(payload)),
        payload).encode();
  }

  private static void refused(Tier2Fixture fx, byte[] first, String why) {
    long charged = fx.charged();
    long aborts = fx.ledger.aborts(fx.licensee.keyId()).count();
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    ProtocolAbortException e = assertThrows(ProtocolAbortException.class,
        () -> fx.owner.serve(pair.second(), first));
    assertTrue(e.getMessage().contains(why), e.getMessage());
    assertEquals(0, pair.second().bytesSent(), "the owner sent nothing");
    assertEquals(charged + 1, fx.charged(), "the admitted bundle stays charged");
    assertEquals(aborts + 1, fx.ledger.aborts(fx.licensee.keyId()).count());
    assertEquals(AbortReason.MALFORMED_MESSAGE.code(),
        fx.ledger.aborts(fx.licensee.keyId()).lastReason());
  }

  @Test
  void aRequestForMoreThanTheOwnerServesOrAgainstItsPermissionIsRefusedBeforeAnyOutput()
      throws Exception {
    Tier2Fixture fx = new Tier2Fixture(TinyModels.mlp(
        dev.oml.core.fixedpoint.FixedPointFormat.of(40, Tier2Fixture.TINY_F), 7, true),
        Tier2Fixture.TINY_F, OutputPolicy.LABEL, 100, 16, java.time.Clock.systemUTC());
    refused(fx, first(fx, Tier2Messages.BundleRequest.fresh(fx.oml.artifact().modelId(),
        OutputPolicy.LOGITS, 1, fx.rng), 1), "serves output policy LABEL");
    refused(fx, first(fx, Tier2Messages.BundleRequest.fresh(fx.oml.artifact().modelId(),
        OutputPolicy.LABEL, 2, fx.rng), 1), "the permission is for 1");
    Tier2Fixture other = Tier2Fixture.tiny(OutputPolicy.LABEL, 1);
    refused(fx, first(fx, Tier2Messages.BundleRequest.fresh(other.oml.artifact().modelId(),
        OutputPolicy.LABEL, 1, fx.rng), 1), "another model");

    // what the owner serves, asked for properly, is served: the label of the reference
    InMemoryChannel.Pair pair = InMemoryChannel.pair();
    byte[] ok = first(fx, Tier2Messages.BundleRequest.fresh(fx.oml.artifact().modelId(),
        OutputPolicy.LABEL, 1, fx.rng), 1);
    CompletableFuture<Void> served = CompletableFuture.runAsync(
        () -> fx.owner.serve(pair.second(), ok));
    Tier2User.Bundle b = fx.user.offline(pair.first(), 1, OutputPolicy.LABEL);
    double[] x = TinyModels.input(new java.util.Random(3), 8);
    assertEquals(fx.reference.label(x), b.query(pair.first(), fx.user.encodeInput(x)).label());
    served.get(120, TimeUnit.SECONDS);
  }
}
