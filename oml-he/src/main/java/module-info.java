/** OML HE: the HeBackend interface, its pure-Java and SEAL implementations, HE inference. */
module dev.oml.he {
  requires transitive dev.oml.core;
  requires com.sun.jna;

  exports dev.oml.he;
}
