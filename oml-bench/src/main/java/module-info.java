/** OML bench: the command-line application (over oml-service), the quality profile and the JMH benchmarks. */
module dev.oml.bench {
  requires dev.oml.service;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires jmh.core;
  requires ejml.ddense;
  requires ejml.core;
  requires java.logging;
  requires java.management;
  // FRESCO, the MPC peer of the side-by-side benchmark: automatic modules named after its jars.
  requires core;
  requires common;
  requires spdz;

  opens dev.oml.bench.cli to info.picocli;
}
