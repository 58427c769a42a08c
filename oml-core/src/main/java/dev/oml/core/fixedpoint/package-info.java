/**
 * Fixed point over the ring {@code Z_2^l}: {@link dev.oml.core.fixedpoint.FixedPointFormat} (ring
 * width {@code l} and fractional bits {@code f}), ring arithmetic and ring tensors. Every mode
 * computes in these rings, and the fixed-point reference is the bit-exact oracle of the
 * two-party mode.
 */
package dev.oml.core.fixedpoint;
