/** Boolean circuits: representation, builder, and the library of arithmetic circuits. */
package dev.oml.mpc.circuit;
