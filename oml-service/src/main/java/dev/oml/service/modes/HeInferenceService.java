package dev.oml.service.modes;

import dev.oml.core.permission.PermissionGate;
import dev.oml.core.transport.Channel;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeOwnerSession;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.ServerBusyException;
import java.util.concurrent.Semaphore;

/**
 * The owner's HE inference service, named {@code "he-inference"}, for
 * {@link dev.oml.service.server.OwnerServer}. A session: the service sends a challenge and checks
 * the licensee's signed session request (on the server's admission pool: nothing about the model
 * is sent and no key is read before it verifies), then, on a worker, sends the plan, receives the
 * user's keys (refused from their announced length if larger than the plan's key set), then
 * answers queries (one message in, one out: one round each) until the user closes the channel.
 * At most {@code maxSessions} sessions hold a worker at once, so licensees that keep sessions open
 * and idle cannot take every worker; one more is refused with {@link ServerBusyException}. A
 * malformed or unpermitted query ends the session with a typed error and leaves the service, its
 * model and other sessions untouched.
 */
public final class HeInferenceService implements OwnerService {
  public static final String NAME = "he-inference";

  /** Default cap on concurrent HE sessions: half the owner server's default workers. */
  public static final int DEFAULT_MAX_SESSIONS = 4;

  private final HeCompiledModel model;
  private final PermissionGate gate;
  private final Semaphore sessions;
  private final int maxSessions;

  /** A service with at most {@value #DEFAULT_MAX_SESSIONS} concurrent sessions. */
  public HeInferenceService(HeCompiledModel model, PermissionGate gate) {
    this(model, gate, DEFAULT_MAX_SESSIONS);
  }

  /**
   * A service with at most {@code maxSessions} concurrent sessions; keep it below the server's
   * workers so other services always find one.
   */
  public HeInferenceService(HeCompiledModel model, PermissionGate gate, int maxSessions) {
    if (maxSessions < 1) {
      throw new IllegalArgumentException("maxSessions must be >= 1");
    }
    this.model = model;
    this.gate = gate;
    this.maxSessions = maxSessions;
    this.sessions = new Semaphore(maxSessions);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void serve(Channel channel, SessionInfo session) {
    admit(channel, session).serve();
  }

  @Override
  public Admitted admit(Channel channel, SessionInfo session) {
    HeOwnerSession s = new HeOwnerSession(model, gate);
    s.authenticate(channel);
    return () -> {
      if (!sessions.tryAcquire()) {
        throw new ServerBusyException("all " + maxSessions + " HE sessions are in use; try later");
      }
      try {
        s.serveAuthenticated(channel);
      } finally {
        sessions.release();
      }
    };
  }
}
