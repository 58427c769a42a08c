package dev.oml.service.modes;

import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.mpc.tier2.PermittedTier2Owner;
import dev.oml.mpc.tier2.Tier2User;
import dev.oml.service.server.ModelNotServedException;
import dev.oml.service.server.OwnerService;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The owner server's two-party inference service, named {@value #NAME}: the tier-2 protocol
 * (docs/2pc-inference.md), which holds against a licensee who runs modified client code. Each
 * connection serves one bundle ({@link PermittedTier2Owner#serve}) of one licensee's model,
 * chosen by the model id in the permission of the bundle's first message (the gate then verifies
 * that permission in full). The tier-1 protocol, which a deviating licensee can exploit, is not
 * served. Host it with {@code OwnerServer.start(config, List.of(new PermitService(issuer), new
 * TwoPartyInferenceService(owners)))}; a client connects with {@code ServiceClient.open(address,
 * certificate, TwoPartyInferenceService.NAME, config)} and runs {@link Tier2User#prepare} and
 * the bundle's queries over that channel.
 */
public final class TwoPartyInferenceService implements OwnerService {
  /** The service name. */
  public static final String NAME = "2pc-inference";

  private final Map<ModelId, PermittedTier2Owner> owners;
  private final Map<ModelId, String> notServed;

  /** Serves one model. */
  public TwoPartyInferenceService(PermittedTier2Owner owner) {
    this(List.of(Objects.requireNonNull(owner, "owner")), Map.of());
  }

  /**
   * Serves several models (one owner per licensee's key share); {@code notServed} names models
   * the owner holds but the two-party mode does not run, with the reason a licensee is told.
   *
   * @throws IllegalArgumentException if two owners serve the same model id
   */
  public TwoPartyInferenceService(Collection<PermittedTier2Owner> owners,
      Map<ModelId, String> notServed) {
    Map<ModelId, PermittedTier2Owner> m = new HashMap<>();
    for (PermittedTier2Owner o : owners) {
      if (m.put(o.modelId(), o) != null) {
        throw new IllegalArgumentException("two owners serve " + o.modelId());
      }
    }
    this.owners = Map.copyOf(m);
    this.notServed = Map.copyOf(notServed);
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
    PermittedTier2Owner owner = owners.get(id);
    if (owner == null) {
      String why = notServed.get(id);
      throw new ModelNotServedException(why != null ? why
          : "this server holds no two-party key share for " + id);
    }
    // the server sends the client the reason of a failure, then closes the channel
    return () -> owner.serve(channel, first);
  }
}
