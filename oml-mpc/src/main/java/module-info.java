/**
 * OML MPC: oblivious transfer (Naor-Pinkas base OTs, KOS15 extension), half-gates garbled
 * circuits, the circuit library with the per-neuron ReLU-and-reshare circuit, two-party inference,
 * and the authenticated building blocks of its tier-2 protocol (dev.oml.mpc.auth).
 */
module dev.oml.mpc {
  requires transitive dev.oml.he;
  requires org.bouncycastle.provider;
  requires java.management;

  exports dev.oml.mpc.ot;
  exports dev.oml.mpc.gc;
  exports dev.oml.mpc.circuit;
  exports dev.oml.mpc.inference;
  exports dev.oml.mpc.auth;
  exports dev.oml.mpc.tier2;
  // the helper-thread CPU count (Parallel), for the benchmarks' per-party CPU figures
  exports dev.oml.mpc.internal to dev.oml.bench;
}
