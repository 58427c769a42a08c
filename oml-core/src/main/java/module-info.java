/**
 * OML core: fixed point over Z_2^l, ring tensors, the model IR and its files, ONNX import, the
 * plaintext reference inference, datasets, OMLize, permissions and the ledger, and the channel
 * abstraction protocols run over (framed TLS transport lives in oml-service).
 */
module dev.oml.core {
  requires org.bouncycastle.provider;
  requires ejml.ddense;
  requires ejml.core;
  requires com.google.protobuf;

  exports dev.oml.core;
  exports dev.oml.core.fixedpoint;
  exports dev.oml.core.model;
  exports dev.oml.core.reference;
  exports dev.oml.core.data;
  exports dev.oml.core.io;
  exports dev.oml.core.transport;
  exports dev.oml.core.keys;
  exports dev.oml.core.omlize;
  exports dev.oml.core.permission;
  exports dev.oml.core.ledger;
  exports dev.oml.core.field;
  exports dev.oml.core.train;
  exports dev.oml.core.fingerprint;
  exports dev.oml.core.onnx;
  exports dev.oml.core.calibration;
}
