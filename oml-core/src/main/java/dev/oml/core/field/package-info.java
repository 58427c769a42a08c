/**
 * The prime field {@code F_p} ({@code p} just below {@code 2^46}) that the tier-2 two-party
 * protocol computes in, and the signed fixed-point embedding into it with exact truncation: the
 * arithmetic both parties and the field reference inference share.
 */
package dev.oml.core.field;
