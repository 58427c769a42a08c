package dev.oml.bench.cli;

import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.core.server.OwnerHome;
import dev.oml.core.server.OwnerService;
import java.util.List;

/** The inference services of the modes, built from an owner directory. */
final class ModeServices {
  private ModeServices() {}

  /** The owner-side inference services this build provides (none until a mode is wired in). */
  static List<OwnerService> forOwner(OwnerHome home, PermissionPolicy policy, PermissionLedger ledger) {
    return List.of();
  }
}
