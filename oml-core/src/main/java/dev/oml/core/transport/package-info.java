/**
 * The message pipe protocols run over: {@link dev.oml.core.transport.Channel}, its in-memory
 * implementation for one-process runs and tests, and {@link
 * dev.oml.core.transport.ProtocolAbortException}. Protocols are local steps over messages; the
 * framed TLS transport lives in oml-service.
 */
package dev.oml.core.transport;
