package dev.oml.core.permission;

/**
 * Test-only access to the gate's suspension switch, for attack tests in other modules (the test
 * jar carries it; production code cannot reach the package-private field).
 */
public final class SuspensionSwitch {
  private SuspensionSwitch() {}

  /** Turns the gate's suspension check on or off. */
  public static void enforce(PermissionGate gate, boolean on) {
    gate.suspensionEnforced = on;
  }
}
