/**
 * Both inference modes wired as services of the owner server: the two-party service over the
 * owner's key shares, the HE service over the models it holds in the clear, and {@link
 * dev.oml.service.modes.ModeServices}, which builds them from an owner directory.
 */
package dev.oml.service.modes;
