package dev.oml.service.modes;

import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.transport.Channel;
import dev.oml.he.inference.HeCompiledModel;
import dev.oml.he.inference.HeInferencePlan;
import dev.oml.he.inference.HeOwnerSession;
import dev.oml.service.server.OwnerService;
import dev.oml.service.server.ServerBusyException;
import dev.oml.service.server.SessionDeclinedException;
import dev.oml.he.inference.HePacking;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * The owner's HE inference service, named {@code "he-inference"}, for
 * {@link dev.oml.service.server.OwnerServer}, hosting every model the owner serves in the HE mode
 * (keyed by model id; the licensees of one network share its compilation), each in one packing
 * or both (two plans under one model id). A session: the service sends a challenge and checks
 * the licensee's signed session request, which names the model and the packing it asks for (on
 * the server's admission pool: nothing about the model is sent and no key is read before it
 * verifies), then, on a worker, sends that model's plan in the packing asked for (or in the only
 * packing served, unless the request requires the other: then a typed refusal), receives the
 * user's keys for that plan in
 * parts (refused from their announced length if larger than the plan's key set, and refused if
 * they hold a Galois element the plan does not name), then
 * answers queries (one message in, one out: one round each) until the user closes the channel.
 * A licensee that declines the plan instead of sending keys ends the session with {@link
 * SessionDeclinedException}, which the server logs as declined (model id and the licensee's
 * reason), not as failed.
 * At most {@code maxSessions} sessions hold a worker at once, so licensees that keep sessions open
 * and idle cannot take every worker; one more is refused with {@link ServerBusyException}. A
 * malformed or unpermitted query ends the session with a typed error and leaves the service, its
 * model and other sessions untouched.
 */
public final class HeInferenceService implements OwnerService {
  public static final String NAME = "he-inference";

  /** Default cap on concurrent HE sessions: half the owner server's default workers. */
  public static final int DEFAULT_MAX_SESSIONS = 4;

  private final List<HeCompiledModel> plans;
  private final Map<ModelId, Map<HePacking, HeCompiledModel>> index;
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
    this(Map.of(model.plan().modelId(), model), gate, maxSessions);
  }

  /** A service for several models, keyed by model id, with the default session cap. */
  public HeInferenceService(Map<ModelId, HeCompiledModel> models, PermissionGate gate) {
    this(models, gate, DEFAULT_MAX_SESSIONS);
  }

  /**
   * A service for several models, keyed by model id, with at most {@code maxSessions}
   * concurrent sessions in all.
   *
   * @throws IllegalArgumentException if there is no model, a key is not its model's id, or
   *     {@code maxSessions < 1}
   */
  public HeInferenceService(Map<ModelId, HeCompiledModel> models, PermissionGate gate,
      int maxSessions) {
    this(checked(models), gate, maxSessions);
  }

  private static List<HeCompiledModel> checked(Map<ModelId, HeCompiledModel> models) {
    models.forEach((id, m) -> {
      if (!m.plan().modelId().equals(id)) {
        throw new IllegalArgumentException("model " + id + " is keyed under another model id");
      }
    });
    return List.copyOf(models.values());
  }

  /**
   * A service for the compiled plans {@code plans} (one or two per model id, at most one per
   * packing), with the default session cap.
   */
  public HeInferenceService(Collection<HeCompiledModel> plans, PermissionGate gate) {
    this(plans, gate, DEFAULT_MAX_SESSIONS);
  }

  /**
   * A service for the compiled plans {@code plans}, with at most {@code maxSessions} concurrent
   * sessions in all.
   *
   * @throws IllegalArgumentException if there is no plan, two plans of one model share a
   *     packing, or {@code maxSessions < 1}
   */
  public HeInferenceService(Collection<HeCompiledModel> plans, PermissionGate gate,
      int maxSessions) {
    if (maxSessions < 1) {
      throw new IllegalArgumentException("maxSessions must be >= 1");
    }
    this.plans = List.copyOf(plans);
    this.index = HeOwnerSession.index(this.plans); // checks the plans
    this.gate = gate;
    this.maxSessions = maxSessions;
    this.sessions = new Semaphore(maxSessions);
  }

  /** The model ids this service serves. */
  public java.util.Set<ModelId> modelIds() {
    return index.keySet();
  }

  /** The packings this service serves {@code model} in (empty if it does not serve it). */
  public Set<HePacking> packings(ModelId model) {
    Map<HePacking, HeCompiledModel> m = index.get(model);
    return m == null ? Set.of() : m.keySet();
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
    HeOwnerSession s = new HeOwnerSession(plans, gate);
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
      if (s.declined().isPresent()) {
        HeInferencePlan plan = s.plan();
        throw new SessionDeclinedException("the licensee declined the "
            + plan.packing().name().toLowerCase(java.util.Locale.ROOT) + " plan of model "
            + plan.modelId().hex() + ": " + s.declined().get().reason());
      }
    };
  }
}
