/**
 * The prime field {@code F_p} ({@code p} just below {@code 2^46}) that the tier-2 two-party
 * protocol computes in, and the signed fixed-point embedding into it with exact truncation: the
 * arithmetic both parties and the field reference inference share. Also the owner's MAC material
 * ({@link dev.oml.core.field.MacKeyDerivation}) and the uniform field-element stream it and the
 * tier-2 OMLize draw from ({@link dev.oml.core.field.FieldPrg}), here so that OMLize (oml-core)
 * and the 2PC blocks (oml-mpc) derive the same keys.
 */
package dev.oml.core.field;
