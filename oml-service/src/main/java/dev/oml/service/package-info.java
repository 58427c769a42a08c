/**
 * What an application embeds, one facade per role. A licensee builds an {@link
 * dev.oml.service.OmlLicensee} from the owner's address, the pinned certificate, its artifact and
 * its key, and calls {@code infer}: permissions, bundles, frame limits and HE sessions are managed
 * inside, and refusals arrive as the owner's own exception types. An owner starts an {@link
 * dev.oml.service.OwnerNode} from its owner directory (or an {@link
 * dev.oml.service.OwnerNodeConfig}) and closes it at shutdown.
 */
package dev.oml.service;
