package dev.oml.he.inference;

import dev.oml.core.server.OwnerService;
import dev.oml.core.server.PermissionGate;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;

/**
 * The owner's HE inference service, named {@code "he-inference"}, for
 * {@link dev.oml.core.server.OwnerServer}. A session: the service sends the plan, receives the
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
    HeOwnerSession s = new HeOwnerSession(model, gate);
    channel.send(model.plan().encode());
    s.acceptKeys(channel.receive());
    while (true) {
      byte[] query;
      try {
        query = channel.receive();
      } catch (ProtocolAbortException e) {
        return; // the user ended the session
      }
      channel.send(s.answer(query));
    }
  }
}
