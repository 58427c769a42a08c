/**
 * The deterministic trainer for multilayer perceptrons: it makes the example models and, from
 * an existing model, fine-tunes the per-licensee fingerprinted copies
 * ({@code dev.oml.core.fingerprint}).
 */
package dev.oml.core.train;
