package dev.oml.mpc.inference;

import dev.oml.core.server.OwnerService;
import dev.oml.core.transport.Channel;
import java.util.Objects;

/**
 * The owner server's two-party inference service, named {@value #NAME}: each connection serves
 * one bundle ({@link TwoPartyOwner.Session#serve}). Host it with {@code OwnerServer.start(config,
 * List.of(new PermitService(issuer), new TwoPartyInferenceService(owner)))}; a client connects
 * with {@code ServiceClient.open(address, certificate, TwoPartyInferenceService.NAME, config)}
 * and runs {@link TwoPartyUser#prepare} and {@link TwoPartyUser#infer} over that channel.
 */
public final class TwoPartyInferenceService implements OwnerService {
  /** The service name. */
  public static final String NAME = "2pc-inference";

  private final TwoPartyOwner owner;

  public TwoPartyInferenceService(TwoPartyOwner owner) {
    this.owner = Objects.requireNonNull(owner, "owner");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void serve(Channel channel, SessionInfo session) {
    // the server sends the client the reason of a failure, then closes the channel
    owner.newSession().serve(channel, false);
  }
}
