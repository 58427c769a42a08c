/**
 * File plumbing shared by every format: a versioned, checksummed {@link dev.oml.core.io.Envelope},
 * atomic writes with owner-only permissions for secrets ({@link dev.oml.core.io.AtomicFiles}), and
 * the typed {@link dev.oml.core.io.FileFormatException} that every reader raises.
 */
package dev.oml.core.io;
