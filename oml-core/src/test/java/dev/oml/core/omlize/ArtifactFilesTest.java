package dev.oml.core.omlize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import dev.oml.core.keys.SecretAccess;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.model.Model;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifact and key-share files: round trip, owner-only key share, atomic replacement, and a
 * typed reason for every kind of damage: wrong magic (an artifact passed as key share and the
 * reverse), unknown version, truncation at every length, every single bit flipped, and an
 * artifact rewritten with a fresh checksum but a changed share (caught by the model id).
 */
class ArtifactFilesTest {
  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();
  private final Model model = TestModels.mlp(21, 6, 5, 3);
  private final Omlization o = Omlizer.omlize(model, SigningKeyPair.generate(random).publicKey(),
      SigningKeyPair.generate(random).publicKey(), random);

  @Test
  void roundTrip() throws IOException {
    Path a = dir.resolve("m.omla");
    Path k = dir.resolve("m.omlk");
    o.artifact().write(a);
    o.keyShare().write(k, SecretAccess.get());
    LicenseeArtifact a2 = LicenseeArtifact.read(a);
    OwnerKeyShare k2 = OwnerKeyShare.read(k, SecretAccess.get());
    assertEquals(o.artifact().modelId(), a2.modelId());
    assertArrayEquals(o.artifact().encode(), a2.encode());
    assertTrue(k2.equalsKey(o.keyShare()));
    assertArrayEquals(o.keyShare().matrixShare(2, SecretAccess.get()), k2.matrixShare(2, SecretAccess.get()));
    assertEquals(model.layers().size(), a2.manifest().architecture().layers().size());
    assertEquals(o.artifact().manifest().ownerKey(), k2.manifest().ownerKey());
    if (k.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(k)));
    }
  }

  @Test
  void writeReplacesAtomically() throws IOException {
    Path a = dir.resolve("m.omla");
    Omlization other = Omlizer.omlize(model, o.artifact().manifest().ownerKey(),
        o.artifact().manifest().licenseeKey(), random);
    o.artifact().write(a);
    other.artifact().write(a);
    assertEquals(other.artifact().modelId(), LicenseeArtifact.read(a).modelId());
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "temporary file left behind");
    }
  }

  @Test
  void wrongTypeAndVersionAreRefused() throws IOException {
    Path a = dir.resolve("m.omla");
    Path k = dir.resolve("m.omlk");
    o.artifact().write(a);
    o.keyShare().write(k, SecretAccess.get());
    assertEquals(Reason.WRONG_MAGIC, assertThrows(ArtifactFormatException.class,
        () -> LicenseeArtifact.read(k)).reason());
    assertEquals(Reason.WRONG_MAGIC, assertThrows(ArtifactFormatException.class,
        () -> OwnerKeyShare.read(a, SecretAccess.get())).reason());
    assertEquals(Reason.UNREADABLE, assertThrows(ArtifactFormatException.class,
        () -> LicenseeArtifact.read(dir.resolve("nope"))).reason());
    byte[] v2 = Files.readAllBytes(a);
    v2[9] = 2;
    assertEquals(Reason.UNSUPPORTED_VERSION, assertThrows(ArtifactFormatException.class,
        () -> LicenseeArtifact.decode(v2, "x")).reason());
  }

  @Test
  void truncationAtEveryLengthIsRefused() {
    byte[] good = o.keyShare().encode(SecretAccess.get());
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      Reason r = assertThrows(ArtifactFormatException.class,
          () -> OwnerKeyShare.decode(cut, "k", SecretAccess.get()), "length " + len).reason();
      assertEquals(len < 8 ? Reason.WRONG_MAGIC : Reason.TRUNCATED, r, "length " + len);
    }
    byte[] art = o.artifact().encode();
    for (int len = 8; len < art.length; len += 7) {
      byte[] cut = Arrays.copyOf(art, len);
      assertEquals(Reason.TRUNCATED, assertThrows(ArtifactFormatException.class,
          () -> LicenseeArtifact.decode(cut, "a")).reason(), "length " + len);
    }
  }

  @Test
  void everyBitFlipIsRefused() {
    byte[] good = o.artifact().encode();
    for (int bit = 0; bit < good.length * 8; bit += 3) {
      byte[] bad = good.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(ArtifactFormatException.class, () -> LicenseeArtifact.decode(bad, "a"), "bit " + bit);
    }
    byte[] ks = o.keyShare().encode(SecretAccess.get());
    for (int bit = 0; bit < ks.length * 8; bit++) {
      byte[] bad = ks.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThrows(ArtifactFormatException.class, () -> OwnerKeyShare.decode(bad, "k", SecretAccess.get()),
          "bit " + bit);
    }
  }

  @Test
  void changedShareWithRecomputedChecksumIsCaughtByTheModelId() {
    byte[] good = o.artifact().encode();
    byte[] body = Arrays.copyOfRange(good, Envelope.HEADER_BYTES, good.length - Envelope.TRAILER_BYTES);
    body[body.length - 1] ^= 1; // lowest bit of the top byte of the last share: still in Z_2^40
    byte[] resealed = Envelope.seal(LicenseeArtifact.MAGIC, 1, body);
    assertEquals(Reason.CHECKSUM_MISMATCH, assertThrows(ArtifactFormatException.class,
        () -> LicenseeArtifact.decode(resealed, "a")).reason());
    // sanity: resealing the untouched body is accepted
    byte[] same = Arrays.copyOfRange(good, Envelope.HEADER_BYTES, good.length - Envelope.TRAILER_BYTES);
    LicenseeArtifact.decode(Envelope.seal(LicenseeArtifact.MAGIC, 1, same), "a");
  }

  @Test
  void manifestClaimingAHugeLayerIsRefusedWithoutAllocatingIt() {
    byte[] good = o.artifact().encode();
    byte[] body = Arrays.copyOfRange(good, Envelope.HEADER_BYTES, good.length - Envelope.TRAILER_BYTES);
    // manifest starts after its u32 length: u16 version, u16 name length, "t21", 3 x u32 shape,
    // 3 format bytes, u16 layer count, then layer 0: u8 kind, u32 inputs, u32 outputs
    int outputs = 4 + 2 + 2 + 3 + 12 + 3 + 2 + 1 + 4;
    assertEquals(1, body[outputs - 5], "layer 0 is dense");
    body[outputs] = 0x7F;
    body[outputs + 1] = (byte) 0xFF;
    byte[] resealed = Envelope.seal(LicenseeArtifact.MAGIC, 1, body);
    assertEquals(Reason.MALFORMED, assertThrows(ArtifactFormatException.class,
        () -> LicenseeArtifact.decode(resealed, "a")).reason());
  }
}
