package dev.oml.mpc.auth;

/**
 * Test-only access to {@link MacCheckVerifier}'s check switch for attack tests outside this
 * package: with the switch off, the verifier accepts anything, which shows what an attack would
 * achieve without the check.
 */
public final class CheckSwitch {
  private CheckSwitch() {}

  /** Returns {@code v} with its comparison disabled. */
  public static MacCheckVerifier off(MacCheckVerifier v) {
    v.checkEnabled = false;
    return v;
  }
}
