package dev.oml.mpc.inference;

import dev.oml.mpc.inference.internal.UserProtocol;

/**
 * The user's half of the offline material for {@code n} queries, bound to the permission that
 * paid for them: masks {@code r}, offline shares {@code c_U}, the owner's masked inputs, and the
 * garbled circuits with their random OTs. Single-use: {@link TwoPartyUser#infer} takes the next
 * unused query and erases its material as it goes; after a failed query the whole bundle is
 * discarded (the owner's half died with the session). The owner's half lives in the owner's
 * session, so a bundle is used over the connection that prepared it.
 */
public final class PreparedBundle {
  private final UserProtocol.Bundle bundle;

  PreparedBundle(UserProtocol.Bundle bundle) {
    this.bundle = bundle;
  }

  UserProtocol.Bundle inner() {
    return bundle;
  }

  /** The number of queries prepared. */
  public int size() {
    return bundle.size();
  }

  /** Queries not yet used. */
  public int remaining() {
    return bundle.remaining();
  }

  /** Erases every unused query. */
  public void discard() {
    bundle.discard();
  }
}
