/**
 * OML core: fixed point over Z_2^l, ring tensors, the model IR and its files, the plaintext
 * reference inference, datasets, OMLize, permissions and the ledger, transport.
 */
module dev.oml.core {
  requires org.bouncycastle.provider;
  requires org.bouncycastle.pkix;
  requires ejml.ddense;
  requires ejml.core;

  exports dev.oml.core;
  exports dev.oml.core.fixedpoint;
  exports dev.oml.core.model;
  exports dev.oml.core.reference;
  exports dev.oml.core.data;
  exports dev.oml.core.io;
  exports dev.oml.core.transport;
  exports dev.oml.core.server;
  exports dev.oml.core.keys;
  exports dev.oml.core.omlize;
  exports dev.oml.core.permission;
  exports dev.oml.core.ledger;
}
