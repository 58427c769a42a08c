/** Garbled circuits: half-gates garbling and evaluation, offline/online two-party sessions. */
package dev.oml.mpc.gc;
