/**
 * OMLize: {@link dev.oml.core.omlize.Omlizer} splits a model into the owner's key share (a seed
 * and a salt that regenerate {@code W_O}) and the licensee artifact ({@code W_U = W - W_O}, a
 * manifest, and the model id computed over both), one pair per licensee.
 */
package dev.oml.core.omlize;
