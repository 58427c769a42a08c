package dev.oml.core.permission;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.oml.core.omlize.ModelId;
import dev.oml.testkit.PermissionFixture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * For arbitrary uses A and B that differ in any subset of model, mode, count and first message,
 * a permission issued for A verifies for A and is refused for B; and arbitrary bytes of a
 * permission's length never verify.
 */
class PermissionMismatchProperties {
  private static final PermissionFixture FX = new PermissionFixture(1_000_000, 1_000_000);

  @Property(tries = 150)
  void permissionForAIsRefusedForEveryDifferentB(@ForAll @IntRange(min = 1, max = 15) int changes,
      @ForAll @IntRange(min = 1, max = 5000) int n, @ForAll @IntRange(min = 1, max = 5000) int otherN,
      @ForAll("messages") byte[] first, @ForAll("messages") byte[] otherFirst,
      @ForAll boolean he) {
    InferenceMode mode = he ? InferenceMode.HOMOMORPHIC : InferenceMode.TWO_PARTY;
    byte[] transcript = FX.bytes(32);
    PermissionToken t = FX.issueA(mode, n, first);
    LicenseeProof proof = LicenseeProof.create(FX.licenseeA, t, transcript);
    FX.verifier.verify(t, proof, PermissionUse.of(FX.modelA, mode, n, first, transcript));

    ModelId m = (changes & 1) != 0 ? FX.modelB : FX.modelA;
    InferenceMode md = (changes & 2) != 0
        ? (mode == InferenceMode.TWO_PARTY ? InferenceMode.HOMOMORPHIC : InferenceMode.TWO_PARTY) : mode;
    int count = (changes & 4) != 0 ? (otherN != n ? otherN : n + 1) : n;
    byte[] msg = first;
    if ((changes & 8) != 0) {
      msg = java.util.Arrays.equals(otherFirst, first) ? appendByte(first) : otherFirst;
    }
    PermissionUse b = PermissionUse.of(m, md, count, msg, transcript);
    assertThrows(PermissionMismatchException.class, () -> FX.verifier.verify(t, proof, b));
  }

  @Property(tries = 100)
  void randomBytesNeverVerify(@ForAll("tokens") byte[] token, @ForAll("proofs") byte[] proof) {
    PermissionUse use = PermissionUse.of(FX.modelA, InferenceMode.TWO_PARTY, 1, new byte[1], new byte[32]);
    assertThrows(PermissionException.class, () -> FX.verifier.verify(token, proof, use));
  }

  @Provide
  Arbitrary<byte[]> messages() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(64);
  }

  @Provide
  Arbitrary<byte[]> tokens() {
    return Arbitraries.bytes().array(byte[].class).ofSize(PermissionToken.BYTES);
  }

  @Provide
  Arbitrary<byte[]> proofs() {
    return Arbitraries.bytes().array(byte[].class).ofSize(LicenseeProof.BYTES);
  }

  private static byte[] appendByte(byte[] a) {
    byte[] b = java.util.Arrays.copyOf(a, a.length + 1);
    return b;
  }
}
