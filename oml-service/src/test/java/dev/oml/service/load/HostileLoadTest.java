package dev.oml.service.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue #13's hostile load: 40 hostile connections without credentials (idle, trickling
 * handshakes and frames, oversized frames and key bombs, garbage) beside 6 honest clients doing
 * real tier-2 2PC and HE queries (see {@link HostileLoad}). Every honest query is answered and equals
 * its reference, each ledger charges exactly what the honest clients prepared, the used heap
 * stays below a bound derived from the frame limit and the connection caps, and no oml-* thread
 * outlives the server.
 */
class HostileLoadTest {
  @Test
  void honestClientsAreAllServedBesideFortyHostileConnections() throws Exception {
    check(new HostileLoad.Settings(4, 2, 1, 2, 2, 40));
  }

  @Test
  @Tag("slow")
  void aLongerRunWithMoreQueries() throws Exception {
    check(new HostileLoad.Settings(4, 4, 4, 2, 4, 40));
  }

  private static void check(HostileLoad.Settings s) throws Exception {
    HostileLoad.Result r = new HostileLoad(s).run();
    System.out.print(HostileLoad.figures(r));
    int bundles = s.twoPartyClients() * s.bundles();
    int heQueries = s.heClients() * s.heQueries();
    for (HostileLoad.Phase p : new HostileLoad.Phase[] {r.quiet(), r.underAttack()}) {
      assertEquals(bundles, p.bundleMs().size(), "every 2PC bundle answered");
      assertEquals(s.heClients(), p.heSessionMs().size(), "every HE session opened");
      assertEquals(heQueries, p.heQueryMs().size(), "every HE query answered");
    }
    assertTrue(r.underAttack().hostileConnections() >= s.hostile(),
        "the hostile peers connected " + r.underAttack().hostileConnections() + " times");
    assertEquals(r.expected2pc(), r.charged2pc(), "2PC ledger charges exactly the prepared queries");
    assertEquals(r.expectedHe(), r.chargedHe(), "HE ledger charges exactly the queried images");
    assertTrue(r.maxUsedHeap() > 0 && r.maxUsedHeap() <= r.heapBound(),
        "peak used heap " + r.maxUsedHeap() + " B above the bound " + r.heapBound() + " B");
    assertEquals(java.util.List.of(), r.threadsLeft(), "oml-* threads left after close");
  }
}
