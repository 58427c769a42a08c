/**
 * Authenticated building blocks of the tier-2 two-party protocol (issue #14; design in
 * {@code docs/2pc-tier2.md}), against a malicious licensee and a semi-honest owner: the prime
 * field and its fixed-point embedding ({@link dev.oml.core.field.PrimeField},
 * {@link dev.oml.core.field.FieldFixedPoint}), BDOZ-style MACs ({@link
 * dev.oml.mpc.auth.AuthenticatedVector}, {@link dev.oml.mpc.auth.MacKeyVector}, {@link
 * dev.oml.core.field.MacKeyDerivation}, in oml-core so that OMLize can use it), VOLE with {@code Delta = alpha} ({@link
 * dev.oml.mpc.auth.VoleSender}, {@link dev.oml.mpc.auth.VoleReceiver}), SIMC label tables
 * ({@link dev.oml.mpc.auth.LabelTable}), the batched MAC check ({@link
 * dev.oml.mpc.auth.MacCheckVerifier}) and the Freivalds product check ({@link
 * dev.oml.mpc.auth.FreivaldsCheck}). The served protocol ({@code dev.oml.mpc.inference}) does not
 * use them yet.
 */
package dev.oml.mpc.auth;
import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.field.PrimeField;
