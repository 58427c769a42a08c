/**
 * The framed TLS transport: {@link dev.oml.service.transport.FramedChannel} (length-prefixed
 * frames, bounded sizes and timeouts, typed aborts carrying an {@link
 * dev.oml.service.transport.AbortReason}), pinned self-signed certificates ({@link
 * dev.oml.service.transport.TlsCredentials}) and the per-connection limits.
 */
package dev.oml.service.transport;
