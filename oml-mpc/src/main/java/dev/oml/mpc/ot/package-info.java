/** Oblivious transfer: Naor-Pinkas base OTs over P-256 and KOS15 random OT extension. */
package dev.oml.mpc.ot;
