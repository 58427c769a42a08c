package dev.oml.service;

import dev.oml.core.permission.InferenceMode;
import java.util.List;
import java.util.Objects;

/**
 * What one {@link OmlLicensee#inferAll} (or {@link OmlLicensee#infer}) call did, phase by phase,
 * as the licensee saw it: wall-clock nanoseconds ({@link System#nanoTime()}), payload bytes both
 * ways and flights on the inference connections (the permit desk's connection is timed but its
 * bytes are not counted, as in {@link OmlLicensee#traffic()}). It is for profiling and reporting;
 * nothing in it is secret (sizes and times of messages the network sees anyway).
 *
 * <p>A flight is a maximal run of messages in one direction; a phase's flights are counted from its
 * own first message, in both directions (a request and its answer are two flights).
 *
 * <p>Two-party calls fill {@link #bundles()}, HE calls {@link #heQueries()}; an HE call that had
 * to open a session first also carries that session's {@link #heSession()} (otherwise it is
 * {@code null}; {@link OmlLicensee#heSessionRecord()} keeps the one of the current session).
 *
 * @param mode the call's inference mode
 * @param images images the call ran
 * @param bundles the two-party bundles of the call, in order (empty for HE)
 * @param heSession the HE session this call opened, or {@code null}
 * @param heQueries the HE queries (one ciphertext each) of the call, in order (empty for 2PC)
 */
public record CallRecord(InferenceMode mode, int images, List<Bundle> bundles, HeSession heSession,
    List<HeQuery> heQueries) {

  /** Copies the lists, so a record stays as it was when the call ended. */
  public CallRecord {
    Objects.requireNonNull(mode, "mode");
    bundles = List.copyOf(bundles);
    heQueries = List.copyOf(heQueries);
  }

  /**
   * One two-party bundle on its own connection. Its phases follow each other: {@code connect}
   * (TCP and TLS handshake to the owner), {@code permit} (a permission from the permit desk for
   * the bundle's first message), {@code offline} (sending the permitted first message and the
   * whole offline phase of the bundle: HE-encrypted matrices, VOLE, OT start, garbling), then
   * {@code online}, one entry per query.
   *
   * @param queries queries in the bundle
   * @param connectNanos connection and TLS handshake
   * @param permitNanos the permit desk's round trip for this bundle
   * @param offlineNanos the offline phase, permission excluded
   * @param offlineBytes payload bytes both ways of the offline phase (the permitted first message
   *     included)
   * @param offlineFlights flights of the offline phase
   * @param online each query's online phase, in order
   */
  public record Bundle(int queries, long connectNanos, long permitNanos, long offlineNanos,
      long offlineBytes, long offlineFlights, List<Online> online) {
    /** Copies the list. */
    public Bundle {
      online = List.copyOf(online);
    }
  }

  /**
   * One two-party query's online phase.
   *
   * @param nanos from the query's first message to its output
   * @param bytes payload bytes both ways
   * @param flights flights both ways
   */
  public record Online(long nanos, long bytes, long flights) {}

  /**
   * The opening of an HE session (once per session, reused across calls).
   *
   * @param totalNanos from opening the connection until the session keys are sent
   * @param keygenNanos between receiving the owner's plan and starting to send the session keys:
   *     decoding the plan, making the HE context, generating and serializing the keys
   * @param sessionKeyBytes size of the session-keys message
   * @param bytes payload bytes both ways of the opening (challenge, signed request, plan, keys)
   * @param flights flights both ways of the opening
   */
  public record HeSession(long totalNanos, long keygenNanos, long sessionKeyBytes, long bytes,
      long flights) {}

  /**
   * One HE query (one ciphertext of up to the plan's images per query). Its phases follow each
   * other: {@code encrypt} (encoding and encrypting the images), {@code permit} (the permit
   * desk's round trip), {@code send} (signing the licensee's proof and writing the query), {@code
   * owner} (from the query written until the answer has arrived: the owner's verification and
   * homomorphic evaluation, plus the answer's transfer, which on loopback is small next to it),
   * {@code decrypt} (decrypting and decoding the answer). The owner's evaluation time is not
   * sent to the licensee; {@code owner} is what the licensee waits for.
   *
   * @param images images in the ciphertext
   * @param encryptNanos encryption
   * @param permitNanos the permit desk's round trip
   * @param sendNanos proof and writing the query
   * @param ownerNanos waiting for the owner's answer
   * @param decryptNanos decryption
   * @param totalNanos the whole query, the sum of the phases above plus bookkeeping
   * @param bytes payload bytes both ways (query and answer)
   * @param flights flights both ways
   */
  public record HeQuery(int images, long encryptNanos, long permitNanos, long sendNanos,
      long ownerNanos, long decryptNanos, long totalNanos, long bytes, long flights) {}
}
