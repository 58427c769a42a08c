package dev.oml.service.modes;

import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyUser;
import dev.oml.service.server.ModelNotServedException;
import dev.oml.service.server.OwnerService;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The owner server's two-party inference service, named {@value #NAME}: each connection serves
 * one bundle ({@link TwoPartyOwner.Session#serve}) of one licensee's model, chosen by the model id
 * in the permission of the bundle's first message (the gate then verifies that permission in
 * full). Host it with {@code OwnerServer.start(config, List.of(new PermitService(issuer), new
 * TwoPartyInferenceService(owners)))}; a client connects with {@code ServiceClient.open(address,
 * certificate, TwoPartyInferenceService.NAME, config)} and runs {@link TwoPartyUser#prepare} and
 * {@link TwoPartyUser#infer} over that channel.
 */
public final class TwoPartyInferenceService implements OwnerService {
  /** The service name. */
  public static final String NAME = "2pc-inference";

  private final Map<ModelId, TwoPartyOwner> owners;

  /** Serves one model. */
  public TwoPartyInferenceService(TwoPartyOwner owner) {
    this(List.of(Objects.requireNonNull(owner, "owner")));
  }

  /**
   * Serves several models (one {@link TwoPartyOwner} per licensee's key share).
   *
   * @throws IllegalArgumentException if two owners serve the same model id
   */
  public TwoPartyInferenceService(Collection<TwoPartyOwner> owners) {
    Map<ModelId, TwoPartyOwner> m = new HashMap<>();
    for (TwoPartyOwner o : owners) {
      if (m.put(o.modelId(), o) != null) {
        throw new IllegalArgumentException("two owners serve " + o.modelId());
      }
    }
    this.owners = Map.copyOf(m);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void serve(Channel channel, SessionInfo session) {
    admit(channel, session).serve();
  }

  /**
   * Reads the bundle's first message, a permitted query, and picks the model it names: cheap
   * work before a worker is committed. The permission itself is verified (and spent) by the gate
   * when the session runs, before any of the model's work.
   */
  @Override
  public Admitted admit(Channel channel, SessionInfo session) {
    byte[] first = channel.receive();
    ModelId id = PermittedQuery.decode(first).token().unverifiedClaims().modelId();
    TwoPartyOwner owner = owners.get(id);
    if (owner == null) {
      throw new ModelNotServedException("this server holds no two-party key share for " + id);
    }
    // the server sends the client the reason of a failure, then closes the channel
    return () -> owner.newSession().serve(channel, first, false);
  }
}
