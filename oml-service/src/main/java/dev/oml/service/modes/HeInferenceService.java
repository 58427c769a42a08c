package dev.oml.service.modes;

import dev.oml.core.permission.PermissionGate;
import dev.oml.core.transport.Channel;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeOwnerSession;
import dev.oml.service.server.OwnerService;

/**
 * The owner's HE inference service, named {@code "he-inference"}, for
 * {@link dev.oml.service.server.OwnerServer}. A session: the service sends the plan, receives the
 * user's keys, then answers queries (one message in, one out: one round each) until the user
 * closes the channel. A malformed or unpermitted query ends the session with a typed error and
 * leaves the service, its model and other sessions untouched.
 */
public final class HeInferenceService implements OwnerService {
  public static final String NAME = "he-inference";

  private final HeCompiledModel model;
  private final PermissionGate gate;

  public HeInferenceService(HeCompiledModel model, PermissionGate gate) {
    this.model = model;
    this.gate = gate;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void serve(Channel channel, SessionInfo session) {
    new HeOwnerSession(model, gate).run(channel);
  }
}
