package dev.oml.he;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Backend selection: auto prefers SEAL when its library loads; java and seal force a choice. */
class HeBackendsTest {
  @Test
  void javaIsAlwaysAvailableAndForcible() {
    assertSame(HeBackends.pureJava(), HeBackends.select("java"));
    assertSame(HeBackends.pureJava(), HeBackends.select(" JAVA "));
    assertEquals("java", HeBackends.pureJava().name());
  }

  @Test
  void autoPrefersSealWhenItsLibraryLoads() {
    HeBackend auto = HeBackends.select(null);
    assertSame(auto, HeBackends.select(""));
    assertSame(auto, HeBackends.select("auto"));
    assertEquals(HeBackends.isSealAvailable() ? "seal" : "java", auto.name());
  }

  @Test
  void forcingSealWithoutTheLibraryFailsWithTheReason() {
    if (HeBackends.isSealAvailable()) {
      assertEquals("seal", HeBackends.select("seal").name());
      assertEquals("seal", HeBackends.seal().name());
    } else {
      HeException e = assertThrows(HeException.class, () -> HeBackends.select("seal"));
      assertTrue(e.getMessage().contains("OML_SEAL_LIBRARY"), e.getMessage());
      assertThrows(HeException.class, HeBackends::seal);
    }
  }

  @Test
  void unknownNamesAreRefused() {
    HeException e = assertThrows(HeException.class, () -> HeBackends.select("palisade"));
    assertTrue(e.getMessage().contains("use java, seal or auto"));
  }

  @Test
  void preferredIsStable() {
    assertSame(HeBackends.preferred(), HeBackends.preferred());
  }
}
