/**
 * Ed25519 signing keys of owners and licensees (Bouncy Castle), their key ids and files. Every
 * place that reads or writes a private key takes a {@link dev.oml.core.keys.SecretAccess}, so
 * each exposure of a secret can be found with grep.
 */
package dev.oml.core.keys;
