package dev.oml.core.ledger;

import dev.oml.core.permission.VerifiedPermission;
import dev.oml.testkit.PermissionFixture;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Run in a separate JVM by {@link FileLedgerKillTest}: spends permissions in a loop and prints
 * each nonce only after {@code spend} returned, i.e. after the ledger acknowledged it.
 */
public final class LedgerCrashChild {
  private LedgerCrashChild() {}

  public static void main(String[] args) {
    PermissionFixture fx = new PermissionFixture(Long.MAX_VALUE / 4, 0);
    try (FileLedger ledger = FileLedger.open(Path.of(args[0]), fx.policy::quotaOf)) {
      System.out.println("open");
      System.out.flush();
      while (true) {
        VerifiedPermission p = fx.verifiedA(1);
        ledger.spend(p);
        System.out.println(HexFormat.of().formatHex(p.nonce()));
        System.out.flush();
      }
    }
  }
}
