/**
 * Per-licensee fingerprints (OML 1.0): secret (key input, label) pairs, derived from the
 * owner's key and the licensee's id ({@link dev.oml.core.fingerprint.FingerprintKeys}), are
 * trained into each licensee's copy of a model before it is OMLized ({@link
 * dev.oml.core.fingerprint.Fingerprinter}), so that a copy that leaks anyway can be traced to
 * its licensee by querying it ({@link dev.oml.core.fingerprint.FingerprintCheck}). See
 * docs/fingerprints.md.
 */
package dev.oml.core.fingerprint;
