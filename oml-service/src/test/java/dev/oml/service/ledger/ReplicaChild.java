package dev.oml.service.ledger;

import dev.oml.core.keys.SecretAccess;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.service.modes.ModeServices;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerServer;
import dev.oml.service.server.ServerConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a separate JVM by {@link ReplicaKillTest}: one owner server (replica) of an owner
 * directory whose {@code ledger.properties} selects the shared PostgreSQL ledger, two-party mode
 * only, on a loopback port it prints; then it serves until it is killed.
 */
public final class ReplicaChild {
  private ReplicaChild() {}

  public static void main(String[] args) throws Exception {
    OwnerHome home = OwnerHome.open(Path.of(args[0]));
    PermissionPolicy policy = home.policy(SecretAccess.get());
    PermissionLedger ledger = home.openLedger(policy);
    OwnerServer server = OwnerServer.start(ServerConfig.loopback(home.tls()),
        ModeServices.forOwner(home, policy, ledger, List.of(), null, null));
    System.out.println("port " + server.address().getPort());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
