/**
 * The permission ledger: spent nonces (replay) and charged inferences (quota), recorded in one
 * atomic spend before any work; in memory for tests, or durable in a crash-safe file ({@link
 * dev.oml.core.ledger.FileLedger}).
 */
package dev.oml.core.ledger;
