/** OML HE: the HeBackend interface, its pure-Java and SEAL implementations, HE inference. */
module dev.oml.he {
  requires transitive dev.oml.core;
  requires com.sun.jna;

  exports dev.oml.he;
  exports dev.oml.he.inference;
  // The decryption benchmark compares the word rounding with its big-integer definition.
  exports dev.oml.he.java.internal to dev.oml.bench;
  // JNA implements the binding interface of the SEAL backend reflectively.
  opens dev.oml.he.seal.internal to com.sun.jna;
}
