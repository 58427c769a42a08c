/**
 * Permissions: signed permit requests, the owner's {@link
 * dev.oml.core.permission.PermissionIssuer} and policy, permission tokens bound to a query's first
 * message, the licensee's proof of possession, and the {@link
 * dev.oml.core.permission.PermissionVerifier} whose {@link
 * dev.oml.core.permission.VerifiedPermission} is the only way into owner-side work. Every refusal
 * is its own subclass of {@link dev.oml.core.permission.PermissionException}.
 */
package dev.oml.core.permission;
