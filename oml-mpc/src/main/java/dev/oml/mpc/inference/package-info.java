/**
 * Two-party inference (tier 1, semi-honest): the model secret-shared between the licensee's
 * artifact ({@code W_U}) and the owner's key share ({@code W_O}); HE cross products offline,
 * garbled ReLU-and-truncation circuits online, every bundle paid for by a permission charged
 * before any work. The user side is {@link dev.oml.mpc.inference.TwoPartyUser}, the owner side
 * {@link dev.oml.mpc.inference.TwoPartyOwner} (hosted as {@code
 * dev.oml.service.modes.TwoPartyInferenceService} in oml-service), and {@link
 * dev.oml.mpc.inference.TwoPartyEvaluation} runs both in one process with per-query figures.
 * Protocol and formats: {@code docs/2pc-inference.md}; claims and limits:
 * {@code docs/SECURITY.md} (section "Two-party inference").
 */
package dev.oml.mpc.inference;
