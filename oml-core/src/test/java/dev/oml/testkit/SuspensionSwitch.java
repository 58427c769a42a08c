package dev.oml.testkit;

import dev.oml.core.permission.PermissionGate;
import java.lang.reflect.Field;

/**
 * Test-only access to the gate's package-private suspension switch, for the attack tests that
 * show a licensee going on past its abort limit when the check is off. Reflection, because the
 * tests of other modules are compiled as patches of their own module and cannot share the
 * gate's package; at test time everything runs on the class path.
 */
public final class SuspensionSwitch {
  private SuspensionSwitch() {}

  /** Turns the gate's suspension check on or off. */
  public static void enforce(PermissionGate gate, boolean on) {
    try {
      Field f = PermissionGate.class.getDeclaredField("suspensionEnforced");
      f.setAccessible(true);
      f.setBoolean(gate, on);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("the gate has no suspension switch", e);
    }
  }
}
