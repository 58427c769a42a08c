package dev.oml.mpc.attacks;

import dev.oml.core.permission.Binding;
import dev.oml.core.permission.PermissionToken;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.he.SecretKey;
import dev.oml.mpc.inference.TwoPartyOwner;
import dev.oml.mpc.inference.TwoPartyParameters;
import dev.oml.mpc.inference.internal.Msg;
import dev.oml.mpc.inference.internal.UserProtocol;
import dev.oml.mpc.testkit.LocalRun;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A licensee who patched its client, run against the real owner ({@link TwoPartyOwner.Session}
 * local steps of a {@link LocalRun}). The client is the library's own user engine
 * ({@link UserProtocol}); each outgoing flight passes through a rewrite before it is sent, as a
 * patched client would change it: the first message's payload (before the permission is asked
 * for, so the permission binds what is really sent), the offline finish, and every online stage
 * (re-signed with the licensee key when stage 0 is changed, since the licensee holds that key).
 * The owner's replies can be watched. Offsets on the user's shares go through the engine's one
 * test seam, {@link UserProtocol#tamperSharesForTesting}; a rewrite that reads the user's own
 * decryptions in full gets the bundle's HE key from {@link #heSecretKey()}.
 */
final class ModifiedLicensee {
  /** Rewrites one online stage message (without its signature) of query {@code query}. */
  @FunctionalInterface
  interface StageRewrite {
    byte[] apply(int query, int stage, byte[] message);
  }

  /** What one query gave the licensee. */
  record Output(long[] logits, int label) {}

  private final LocalRun run;
  private final UserProtocol user;
  private UnaryOperator<byte[]> payloadRewrite = UnaryOperator.identity();
  private Consumer<byte[]> replyWatcher = m -> { };
  private UnaryOperator<byte[]> finishRewrite = UnaryOperator.identity();
  private StageRewrite stageRewrite = (q, s, m) -> m;
  private UserProtocol.Preparation preparation;
  private byte[] binding;
  private int queries;

  ModifiedLicensee(LocalRun run) {
    this.run = Objects.requireNonNull(run, "run");
    this.user = new UserProtocol(run.oml.artifact(), run.licensee, run.params, run.owner.policy(),
        run.rng);
  }

  /** The public parameters of the run. */
  TwoPartyParameters params() {
    return run.params;
  }

  /** The client engine, for the share seam. */
  UserProtocol engine() {
    return user;
  }

  ModifiedLicensee rewritePayload(UnaryOperator<byte[]> r) {
    this.payloadRewrite = r;
    return this;
  }

  ModifiedLicensee watchReply(Consumer<byte[]> w) {
    this.replyWatcher = w;
    return this;
  }

  ModifiedLicensee rewriteFinish(UnaryOperator<byte[]> r) {
    this.finishRewrite = r;
    return this;
  }

  ModifiedLicensee rewriteStages(StageRewrite r) {
    this.stageRewrite = r;
    return this;
  }

  /** The HE secret key of the bundle being prepared: the licensee's own key. */
  SecretKey heSecretKey() {
    return preparation.heSecretKeyForTesting();
  }

  /** Online queries run so far by this licensee. */
  int queries() {
    return queries;
  }

  /** The offline phase of a bundle of {@code n} queries against {@code session}. */
  UserProtocol.Bundle prepare(TwoPartyOwner.Session session, int n) {
    preparation = user.begin(n);
    byte[] original = preparation.payload();
    byte[] payload = payloadRewrite.apply(original.clone());
    Binding sent = Binding.ofFirstMessage(payload);
    // The engine's own state machine wants its first message made; a patched client simply
    // skips that step. The permission that matters is the one for what is really sent.
    preparation.firstMessage(run.permit(n, preparation.binding()));
    PermissionToken token = run.permit(n, sent);
    binding = sent.bytes();
    byte[] reply = session.onFirstMessage(
        PermittedQuery.create(run.licensee, token, payload).encode());
    replyWatcher.accept(reply.clone());
    byte[] finish = finishRewrite.apply(preparation.onReply(reply));
    return preparation.finish(session.onOfflineFinish(finish));
  }

  /** One online query on the encoded input {@code x}. */
  Output infer(TwoPartyOwner.Session session, UserProtocol.Bundle bundle, long[] x) {
    UserProtocol.Query q = bundle.start(x);
    while (!q.done()) {
      byte[] m = q.message();
      int query = ByteBuffer.wrap(m, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      int stage = m[5] & 0xff;
      if (stage == 0) {
        byte[] body = stageRewrite.apply(query, stage,
            Arrays.copyOf(m, m.length - Msg.SIGNATURE_BYTES));
        byte[] sig = run.licensee.sign(Msg.querySigningInput(binding, body, body.length));
        m = Arrays.copyOf(body, body.length + sig.length);
        System.arraycopy(sig, 0, m, body.length, sig.length);
      } else {
        m = stageRewrite.apply(query, stage, m);
      }
      q.onReply(session.onStep(m));
    }
    queries++;
    return new Output(q.logits(), q.label());
  }
}
