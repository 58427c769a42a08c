/** OML MPC: oblivious transfer, garbled circuits, two-party inference. */
module dev.oml.mpc {
  requires transitive dev.oml.he;
}
