package dev.oml.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.keys.KeyId;
import dev.oml.core.model.ModelContentHash;
import dev.oml.core.omlize.ModelId;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The three 32-byte identifiers: value equality within a kind only, copies in and out, hex. */
class Id32Test {
  private static byte[] bytes(int first) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) 0x5a);
    b[0] = (byte) first;
    return b;
  }

  @Test
  void equalByValueWithinAKindAndNeverAcrossKinds() {
    assertEquals(ModelId.of(bytes(1)), ModelId.of(bytes(1)));
    assertEquals(ModelId.of(bytes(1)).hashCode(), ModelId.of(bytes(1)).hashCode());
    assertNotEquals(ModelId.of(bytes(1)), ModelId.of(bytes(2)));
    assertNotEquals(ModelId.of(bytes(1)), KeyId.of(bytes(1)));
    assertNotEquals(KeyId.of(bytes(1)), ModelContentHash.ofBytes(bytes(1)));
    assertNotEquals(KeyId.of(bytes(1)), null);
  }

  @Test
  void bytesAreCopiedInAndOut() {
    byte[] b = bytes(7);
    KeyId k = KeyId.of(b);
    b[1] = 0;
    assertEquals(0x5a, k.bytes()[1]);
    k.bytes()[2] = 0;
    assertEquals(0x5a, k.bytes()[2]);
  }

  @Test
  void hexAndShortForms() {
    byte[] b = bytes(0xab);
    String hex = HexFormat.of().formatHex(b);
    assertEquals(hex, ModelId.of(b).hex());
    assertEquals("ModelId(" + hex.substring(0, 16) + ")", ModelId.of(b).toString());
    assertEquals("KeyId(" + hex.substring(0, 16) + ")", KeyId.of(b).toString());
    assertEquals(hex.substring(0, 16), ModelContentHash.ofBytes(b).toString());
  }

  @Test
  void wrongLengthsAreRefusedNamingTheKind() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelId.of(new byte[31]));
    assertTrue(e.getMessage().startsWith("a model id has 32 bytes, got 31"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KeyId.of(new byte[33]));
    assertTrue(e.getMessage().startsWith("a key id has 32 bytes"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ModelContentHash.ofBytes(new byte[0]));
    assertTrue(e.getMessage().startsWith("a model content hash has 32 bytes"), e.getMessage());
  }
}
