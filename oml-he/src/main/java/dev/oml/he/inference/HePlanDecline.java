package dev.oml.he.inference;

/**
 * Why a licensee declines the plan the owner offered in answer to its session request ({@link
 * HeInferenceClient.PlanOffer#decline}): instead of the session keys, the client sends {@code
 * "OHPD" || code (int32)} and closes the connection. No key was made and nothing was charged;
 * the owner ends the session as declined, not as failed, and logs the reason.
 */
public enum HePlanDecline {
  /**
   * The owner serves the model in another packing than the one asked for, and the licensee
   * already has a session of that packing open, which serves its calls.
   */
  SESSION_OPEN(1, "it has a session of that packing open already"),
  /**
   * The licensee's client refuses the plan's parameters: below 128-bit security, or not
   * loadable by its HE backend.
   */
  PARAMETERS_REFUSED(2, "its client refuses the plan's parameters"),
  /** The licensee does not want the plan, for a reason of its own. */
  NOT_WANTED(3, "it does not want the plan");

  private final int code;
  private final String reason;

  HePlanDecline(int code, String reason) {
    this.code = code;
    this.reason = reason;
  }

  /** The reason in words, for the owner's log: "it has a session of that packing open already". */
  public String reason() {
    return reason;
  }

  int code() {
    return code;
  }

  /** The decline of {@code code}, or null if it names none. */
  static HePlanDecline ofCode(int code) {
    for (HePlanDecline d : values()) {
      if (d.code == code) {
        return d;
      }
    }
    return null;
  }
}
