/**
 * The owner server and its parts: a TLS listener with a bounded worker pool hosting named
 * services ({@link dev.oml.service.server.OwnerServer}), the permit desk, the owner directory
 * ({@link dev.oml.service.server.OwnerHome}) and the registry of error codes that carries every
 * refusal to the licensee as its own exception type ({@link dev.oml.service.server.ErrorCode}).
 * Most applications use {@link dev.oml.service.OwnerNode} instead.
 */
package dev.oml.service.server;
