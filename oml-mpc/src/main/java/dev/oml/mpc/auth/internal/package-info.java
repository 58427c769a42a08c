/** Implementation of the tier-2 authenticated building blocks; not an API. */
package dev.oml.mpc.auth.internal;
