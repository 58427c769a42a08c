package dev.oml.mpc.auth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.he.PredefinedParameters;
import java.security.SecureRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The offline step at the standard parameters (N = 8192, plain modulus p, kappa 40) on the first
 * layer of Network A, both directions; {@link OfflineHeFigures#run} compares each product with
 * the plain one in {@code F_p} and throws otherwise. Slow: about ten seconds of CPU.
 */
@Tag("slow")
class OfflineHeStandardTest {
  @Test
  void firstLayerOfNetworkAAtStandardParameters() {
    OfflineHe he = new OfflineHe(PredefinedParameters.bfvPrimeField(40), 40);
    OfflineHeFigures.Layer l = OfflineHeFigures.run(he, 128, 784, new SecureRandom());
    assertTrue(l.answer1Bytes() > 0 && l.answer2Bytes() > 0);
  }
}
