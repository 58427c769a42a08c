/**
 * Plaintext inference, the oracles of every private mode: {@link
 * dev.oml.core.reference.FloatInference} in doubles and {@link
 * dev.oml.core.reference.FixedPointInference} in the ring, bit for bit what the two-party mode
 * computes.
 */
package dev.oml.core.reference;
