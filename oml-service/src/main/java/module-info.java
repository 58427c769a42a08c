/**
 * OML service: what an application embeds. The facades {@code OmlLicensee} and {@code OwnerNode}
 * (package {@code dev.oml.service}), framed TLS transport with certificate pinning, the
 * owner server and its owner directory, the permit desk, and the wiring of both inference modes
 * (two-party and HE) as services of the owner server, and the PostgreSQL ledger that lets several
 * owner servers share one owner's spends and quotas.
 */
module dev.oml.service {
  requires transitive dev.oml.mpc;
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires java.sql;
  requires com.zaxxer.hikari;

  exports dev.oml.service;
  exports dev.oml.service.transport;
  exports dev.oml.service.server;
  exports dev.oml.service.modes;
  exports dev.oml.service.ledger;
}
