package dev.oml.mpc.inference;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermissionToken;

/**
 * Where the user gets the permission for a bundle: typically a {@code PermitService.request}
 * over a connection to the owner's permit desk, with a {@code PermitRequest} signed by the
 * licensee for mode {@code TWO_PARTY}, {@code n} inferences and the bundle's binding (the hash of
 * the bundle's first message, fixed before the permission is asked for).
 */
@FunctionalInterface
public interface PermitSource {
  /** A permission for {@code n} two-party inferences bound to {@code binding}. */
  PermissionToken permit(int n, Binding binding);
}
