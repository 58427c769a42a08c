package dev.oml.he.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;
import dev.oml.core.model.Square;
import dev.oml.core.permission.LicenseeProofException;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.he.HeBackends;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The session request names the packing the licensee asks for, signed with the rest: an owner
 * serving a model in both packings answers with the plan asked for (rows when the licensee leaves
 * it open); an owner serving one packing answers with it unless the request requires the other,
 * which is refused with a typed error after the licensee authenticated; a request whose packing
 * byte was changed after signing is refused. Small model, INSECURE N = 1024, no keys made.
 */
class HePackingChoiceTest {
  static final HeFixture FX = new HeFixture(1000);
  static final Model TINY = Model.of("tiny", Shape.vector(4), List.of(
      new Dense(4, 3, new double[] {0.5, -0.25, 0.125, 0.5, 0.25, 0.5, -0.5, 0.25, -0.125, 0.25,
          0.5, 0.5}, new double[] {0.1, 0, -0.1}),
      new Square(), new Dense(3, 2, new double[] {0.5, -0.5, 0.25, 0.25, 0.5, -0.25},
          new double[2])), FixedPointFormat.of(40, 12), 2);
  static final double[][] CAL = {{0, 0.5, -1, 1}, {1, 0, 0.25, -0.5}};
  static final HeCompiledModel ROWS = compile(HePacking.ROWS);
  static final HeCompiledModel BATCH = compile(HePacking.BATCH);

  private static HeCompiledModel compile(HePacking p) {
    return HeCompiledModel.compile(TINY, FX.modelId, HeBackends.pureJava(), HePlanOptions.builder()
        .kappa(2).answerPrecisionBits(2).insecureRingForTesting(1024).packing(p).calibration(CAL)
        .build());
  }

  private static HePacking served(HeOwnerSession owner, HePacking asked, boolean required) {
    byte[] c = owner.challenge();
    owner.acceptSessionRequest(HeOwnerSession.sessionRequest(FX.licensee, c, FX.modelId, asked,
        required));
    return owner.plan().packing();
  }

  @Test
  void anOwnerServingBothAnswersWithThePackingAskedFor() {
    List<HeCompiledModel> both = List.of(ROWS, BATCH);
    assertEquals(HePacking.BATCH, served(new HeOwnerSession(both, FX.gate), HePacking.BATCH, false));
    assertEquals(HePacking.BATCH, served(new HeOwnerSession(both, FX.gate), HePacking.BATCH, true));
    assertEquals(HePacking.ROWS, served(new HeOwnerSession(both, FX.gate), HePacking.ROWS, true));
    assertEquals(HePacking.ROWS, served(new HeOwnerSession(both, FX.gate), null, false));
    assertEquals(Set.of(HePacking.ROWS, HePacking.BATCH),
        new HeOwnerSession(both, FX.gate).packingsOf(FX.modelId));
    // the plans' session keys differ: the batch plan names no rotation
    assertEquals(0, BATCH.plan().rotationSteps().length);
    assertEquals(true, ROWS.plan().rotationSteps().length > 0);
  }

  @Test
  void anOwnerServingOnePackingAnswersWithItUnlessTheOtherIsRequired() {
    assertEquals(HePacking.ROWS, served(new HeOwnerSession(ROWS, FX.gate), HePacking.BATCH, false));
    assertEquals(HePacking.BATCH, served(new HeOwnerSession(BATCH, FX.gate), HePacking.ROWS, false));
    HeOwnerSession rowsOnly = new HeOwnerSession(ROWS, FX.gate);
    HeModelNotServedException e = assertThrows(HeModelNotServedException.class,
        () -> served(rowsOnly, HePacking.BATCH, true));
    assertEquals("this owner serves HE model " + FX.modelId + " in the rows packing, not in the"
        + " batch packing", e.getMessage());
    HeOwnerSession rowsInAList = new HeOwnerSession(List.of(ROWS), FX.gate);
    assertThrows(HeModelNotServedException.class, () -> served(rowsInAList, HePacking.BATCH, true));
    assertThrows(IllegalStateException.class, rowsInAList::plan, "no plan was chosen");
  }

  @Test
  void thePackingIsSignedAndTwoPlansOfOnePackingAreRefused() {
    HeOwnerSession owner = new HeOwnerSession(List.of(ROWS, BATCH), FX.gate);
    byte[] request = HeOwnerSession.sessionRequest(FX.licensee, owner.challenge(), FX.modelId,
        HePacking.ROWS, false);
    int packingByte = 4 + 32 + 32;
    assertEquals(HePacking.ROWS.code(), request[packingByte]);
    request[packingByte] = (byte) HePacking.BATCH.code();
    assertThrows(LicenseeProofException.class, () -> owner.acceptSessionRequest(request));
    HeOwnerSession other = new HeOwnerSession(List.of(ROWS, BATCH), FX.gate);
    byte[] unknown = HeOwnerSession.sessionRequest(FX.licensee, other.challenge(), FX.modelId,
        HePacking.ROWS, false);
    unknown[packingByte] = 9;
    assertThrows(MalformedQueryException.class, () -> other.acceptSessionRequest(unknown));
    assertThrows(IllegalArgumentException.class,
        () -> new HeOwnerSession(List.of(ROWS, ROWS), FX.gate));
    assertThrows(IllegalArgumentException.class,
        () -> HeOwnerSession.sessionRequest(FX.licensee, new byte[36], FX.modelId, null, true));
  }

  @Test
  void theClientsChoiceFollowsTheCrossover() {
    assertEquals(HePacking.ROWS, HePacking.forImages(1, HePacking.DEFAULT_BATCH_CROSSOVER));
    assertEquals(HePacking.ROWS, HePacking.forImages(HePacking.DEFAULT_BATCH_CROSSOVER,
        HePacking.DEFAULT_BATCH_CROSSOVER));
    assertEquals(HePacking.BATCH, HePacking.forImages(HePacking.DEFAULT_BATCH_CROSSOVER + 1,
        HePacking.DEFAULT_BATCH_CROSSOVER));
    assertEquals(HePacking.BATCH, HePacking.forImages(1, 0));
    assertThrows(IllegalArgumentException.class, () -> HePacking.forImages(0, 5));
  }

  /**
   * A licensee that does not want the offered plan declines it in place of the keys: the owner's
   * session ends without an error and says why; a client that refuses the plan's parameters
   * declines on its own; an unknown reason is a malformed message.
   */
  @Test
  void aDeclinedPlanEndsTheOwnersSessionWithTheLicenseesReason() throws Exception {
    HeOwnerSession owner = new HeOwnerSession(ROWS, FX.gate);
    InMemoryChannel.Pair pair = InMemoryChannel.pair(Duration.ofSeconds(30));
    OwnerRun run = OwnerRun.start(owner, pair.first());
    HeInferenceClient.PlanOffer offer = HeInferenceClient.requestInsecureForTesting(pair.second(),
        FX.licensee, FX.modelId, HePacking.BATCH, false);
    assertEquals(HePacking.ROWS, offer.plan().packing());
    offer.decline(HePlanDecline.SESSION_OPEN);
    assertThrows(IllegalStateException.class, () -> offer.decline(HePlanDecline.NOT_WANTED));
    assertThrows(IllegalStateException.class, () -> offer.accept(HeBackends.pureJava()));
    pair.second().close();
    assertNull(run.join(), "a decline is no failure of the owner's session");
    assertEquals(Optional.of(HePlanDecline.SESSION_OPEN), owner.declined());
    assertEquals(2, pair.second().messagesSent(), "the request and the decline; no keys");

    // a client that refuses the INSECURE parameters declines on its own
    HeOwnerSession second = new HeOwnerSession(ROWS, FX.gate);
    InMemoryChannel.Pair p2 = InMemoryChannel.pair(Duration.ofSeconds(30));
    OwnerRun run2 = OwnerRun.start(second, p2.first());
    HeInferenceClient.PlanOffer strict = HeInferenceClient.request(p2.second(), FX.licensee,
        FX.modelId, null, false);
    assertThrows(MalformedQueryException.class, () -> strict.accept(HeBackends.pureJava()));
    p2.second().close();
    assertNull(run2.join());
    assertEquals(Optional.of(HePlanDecline.PARAMETERS_REFUSED), second.declined());

    // an unknown reason code
    HeOwnerSession third = new HeOwnerSession(ROWS, FX.gate);
    InMemoryChannel.Pair p3 = InMemoryChannel.pair(Duration.ofSeconds(30));
    OwnerRun run3 = OwnerRun.start(third, p3.first());
    HeInferenceClient.requestInsecureForTesting(p3.second(), FX.licensee, FX.modelId, null, false);
    p3.second().send(new byte[] {'O', 'H', 'P', 'D', 9, 0, 0, 0});
    Throwable t = run3.join();
    assertTrue(t instanceof MalformedQueryException
        && t.getMessage().equals("HE plan decline: unknown reason 9"), String.valueOf(t));
    assertEquals(Optional.empty(), third.declined());
    p3.second().close();
  }
}
