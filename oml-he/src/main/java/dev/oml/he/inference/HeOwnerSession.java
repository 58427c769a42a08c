package dev.oml.he.inference;

import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SigningKeyPair;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.ledger.AbortReason;
import dev.oml.core.ledger.SpendReceipt;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.permission.InferenceMode;
import dev.oml.core.permission.PermissionGate;
import dev.oml.core.permission.PermittedQuery;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ProtocolAbortException;
import dev.oml.he.Ciphertext;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeContext;
import dev.oml.he.HeException;
import dev.oml.he.HeSerializer;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
import dev.oml.he.inference.internal.Futures;
import dev.oml.he.inference.internal.Msg;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;

/**
 * The owner's side of one HE session, as local steps over messages: {@link #challenge} and
 * {@link #acceptSessionRequest} authenticate the licensee (a signature over a fresh challenge and
 * the model id it asks for, by a key on the allow-list that this model is licensed to) before
 * anything else, and choose the model among those the owner serves; {@link #acceptKeys} takes
 * the user's once-per-session keys (validated on load; the Galois keys must be exactly the plan's
 * rotations, and conjugation if the plan names it: any other Galois element is refused), which
 * travel in parts no larger than {@link #KEY_PART_BYTES} so that no frame limit decides whether a
 * backend's keys fit; {@link #answer} takes the first message of a query ({@code token || proof ||
 * payload}) and returns the answer. Per query it checks every cheap structural property of the
 * payload first (plan, session, counts, sizes, each ciphertext's parameters, level and scale,
 * and that the permission claims at least as many images as the payload carries), so a
 * malformed query is refused before anything is spent; only then does it pass the
 * {@link PermissionGate} (verify, then spend), evaluate with every lane beyond the permitted
 * images zeroed, and return re-randomized, flooded ciphertexts. The owner never decrypts.
 *
 * <p>Answer encoding: {@code "OHA1"}, SHA-256 of the query payload (32 bytes), image count
 * (int32), ciphertext count (int32), then each ciphertext length-prefixed (int32).
 */
public final class HeOwnerSession {
  /** Upper bound on ciphertexts per query, so one query cannot take unbounded memory. */
  public static final int MAX_CIPHERTEXTS_PER_QUERY = 64;
  static final String CHALLENGE_MAGIC = "OHC1";
  static final String REQUEST_MAGIC = "OHR3";
  static final String KEYS_LENGTH_MAGIC = "OHKL";
  /** The licensee declines the plan, in place of the session keys ({@link HePlanDecline}). */
  static final String DECLINE_MAGIC = "OHPD";
  /** Announces a batch-packing query sent in parts (its first message is hundreds of MB). */
  static final String QUERY_LENGTH_MAGIC = "OHQL";
  /** Room for the permission token and proof in front of a query's payload. */
  static final int PERMISSION_ROOM = 1 << 20;
  /** Size of the challenge: magic, 32 random bytes. */
  public static final int CHALLENGE_BYTES = 4 + 32;
  /**
   * Size of the session request: magic, licensee key id, model id, the packing asked for and
   * whether it is required (one byte each), Ed25519 signature.
   */
  public static final int REQUEST_BYTES = 4 + KeyId.BYTES + ModelId.BYTES + 2
      + SigningPublicKey.SIGNATURE_BYTES;
  /**
   * Largest part of the session keys on the wire: the keys message (about 134 MB with SEAL for
   * a two-square model, over a 128 MiB frame) travels as a length announcement and parts of at
   * most this size.
   */
  public static final int KEY_PART_BYTES = 1 << 20;
  /** The model id a session request names to ask for the owner's only HE model. */
  public static final ModelId ONLY_MODEL = ModelId.of(new byte[ModelId.BYTES]);
  private static final byte[] REQUEST_CONTEXT =
      "OML HE session request v3\0".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The plans served, by model id, then packing (one or both packings per model). */
  private final Map<ModelId, Map<HePacking, HeCompiledModel>> models;
  private HeCompiledModel model;
  private final PermissionGate gate;
  private HeContext ctx;
  private PublicKey pk;
  private RelinKeys rk;
  private GaloisKeys gk;
  private byte[] keysDigest;
  private int freshSize;
  private long lastEvaluationNanos;
  private SpendReceipt lastReceipt;
  private HePlanDecline declined;

  private final ExecutorService executor;
  private final boolean requireAuthentication;
  private byte[] challenge;
  private KeyId licensee;

  /** A session that evaluates a query's ciphertexts one after the other. */
  public HeOwnerSession(HeCompiledModel model, PermissionGate gate) {
    this(model, gate, null);
  }

  /**
   * A session of an owner who serves several HE models, keyed by model id: the licensee's
   * session request names the one it asks for, and the session runs that model's plan.
   *
   * @throws IllegalArgumentException if {@code models} is empty or a key is not its model's id
   */
  public HeOwnerSession(Map<ModelId, HeCompiledModel> models, PermissionGate gate) {
    this(index(checkKeys(models).values()), gate, null, true);
  }

  /**
   * A session of an owner who serves the plans {@code plans}: one or two per model id, at most
   * one per packing (an owner who lets the licensee choose serves a network's rows and batch
   * plans under one model id). The session request names the model and the packing it asks
   * for.
   *
   * @throws IllegalArgumentException if {@code plans} is empty or holds two plans of one model
   *     and packing
   */
  public HeOwnerSession(Collection<HeCompiledModel> plans, PermissionGate gate) {
    this(index(plans), gate, null, true);
  }

  private static Map<ModelId, HeCompiledModel> checkKeys(Map<ModelId, HeCompiledModel> models) {
    models.forEach((id, m) -> {
      if (!m.plan().modelId().equals(id)) {
        throw new IllegalArgumentException("model " + id + " is keyed under another model id");
      }
    });
    return models;
  }

  /**
   * The plans by model id and packing, checked: at least one, at most one per model and packing.
   *
   * @throws IllegalArgumentException if not
   */
  public static Map<ModelId, Map<HePacking, HeCompiledModel>> index(
      Collection<HeCompiledModel> plans) {
    if (plans.isEmpty()) {
      throw new IllegalArgumentException("an HE session needs at least one model");
    }
    Map<ModelId, Map<HePacking, HeCompiledModel>> out = new LinkedHashMap<>();
    for (HeCompiledModel m : plans) {
      Map<HePacking, HeCompiledModel> byPacking = out.computeIfAbsent(m.plan().modelId(),
          k -> new EnumMap<>(HePacking.class));
      if (byPacking.putIfAbsent(m.plan().packing(), m) != null) {
        throw new IllegalArgumentException("model " + m.plan().modelId() + " has two plans of the "
            + m.plan().packing() + " packing");
      }
    }
    Map<ModelId, Map<HePacking, HeCompiledModel>> frozen = new LinkedHashMap<>();
    out.forEach((id, byPacking) -> frozen.put(id, Collections.unmodifiableMap(byPacking)));
    return Collections.unmodifiableMap(frozen);
  }

  /** For attack tests only: a session whose {@link #run} skips the session request. */
  static HeOwnerSession withoutAuthenticationForTesting(HeCompiledModel model, PermissionGate gate) {
    return new HeOwnerSession(model, gate, null, false);
  }

  /**
   * A session that evaluates the ciphertexts of a query in parallel on {@code executor} (the
   * context is thread-safe); a query of {@code n > imagesPerCiphertext} images then takes about
   * the time of one ciphertext per available core, and a query of one ciphertext takes a
   * second thread from it inside each linear step (the same answer, sooner). The executor is
   * the caller's to shut down.
   */
  public HeOwnerSession(HeCompiledModel model, PermissionGate gate, ExecutorService executor) {
    this(model, gate, executor, true);
  }

  private HeOwnerSession(HeCompiledModel model, PermissionGate gate, ExecutorService executor,
      boolean requireAuthentication) {
    this(index(List.of(model)), gate, executor, requireAuthentication);
    this.model = model;
    this.ctx = model.context();
  }

  private HeOwnerSession(Map<ModelId, Map<HePacking, HeCompiledModel>> models,
      PermissionGate gate, ExecutorService executor, boolean requireAuthentication) {
    this.requireAuthentication = requireAuthentication;
    this.models = models;
    this.gate = gate;
    this.executor = executor;
  }

  /**
   * The plan of this session's model.
   *
   * @throws IllegalStateException if the session serves several models and the licensee has
   *     not yet named one
   */
  public HeInferencePlan plan() {
    return requireModel().plan();
  }

  private HeCompiledModel requireModel() {
    if (model == null) {
      throw new IllegalStateException("no model chosen: the session request names it");
    }
    return model;
  }

  /**
   * The first step of a session: a fresh random challenge ({@code "OHC1" || 32 bytes}) that the
   * licensee signs in its session request. Nothing about the model is sent before that request
   * verifies.
   */
  public byte[] challenge() {
    byte[] r = new byte[32];
    RANDOM.nextBytes(r);
    challenge = new Msg.Out().magic(CHALLENGE_MAGIC).raw(r).bytes();
    return challenge.clone();
  }

  /**
   * The licensee's answer to {@link #challenge()} for the owner's only HE model: as {@link
   * #sessionRequest(SigningKeyPair, byte[], ModelId)} with {@link #ONLY_MODEL}.
   */
  public static byte[] sessionRequest(SigningKeyPair licensee, byte[] challenge) {
    return sessionRequest(licensee, challenge, ONLY_MODEL);
  }

  /**
   * The licensee's answer to {@link #challenge()} for {@code model}, leaving the packing to the
   * owner: as {@link #sessionRequest(SigningKeyPair, byte[], ModelId, HePacking, boolean)} with
   * no packing asked for.
   */
  public static byte[] sessionRequest(SigningKeyPair licensee, byte[] challenge, ModelId model) {
    return sessionRequest(licensee, challenge, model, null, false);
  }

  /**
   * The licensee's answer to {@link #challenge()}: {@code "OHR3" || key id || model id ||
   * packing || required || signature}. {@code packing} is the packing the licensee asks for
   * (null, sent as 0: the owner's choice); the owner answers with that packing's plan if it
   * serves it, else, unless {@code required}, with the plan of the one packing it serves. The
   * signature is the licensee's Ed25519 signature over a fixed context string, the challenge,
   * the model id and the two packing bytes, so the request is good for this session, this model
   * and this choice only. {@link #ONLY_MODEL} asks for the owner's only model (refused where it
   * serves several).
   */
  public static byte[] sessionRequest(SigningKeyPair licensee, byte[] challenge, ModelId model,
      HePacking packing, boolean required) {
    if (required && packing == null) {
      throw new IllegalArgumentException("a required packing must be named");
    }
    byte p = (byte) (packing == null ? 0 : packing.code());
    byte r = (byte) (required ? 1 : 0);
    return new Msg.Out().magic(REQUEST_MAGIC).raw(licensee.keyId().bytes()).raw(model.bytes())
        .raw(new byte[] {p, r}).raw(licensee.sign(signedPart(challenge, model, p, r))).bytes();
  }

  private static byte[] signedPart(byte[] challenge, ModelId model, byte packing, byte required) {
    return new Msg.Out().raw(REQUEST_CONTEXT).raw(challenge).raw(model.bytes())
        .raw(new byte[] {packing, required}).bytes();
  }

  /**
   * Checks the session request: the model it names is one the owner serves in the HE mode,
   * the licensee is on the owner's allow-list, that model is licensed to it, and it signed this
   * session's challenge and that model id. Only then may the plan be sent and keys be read.
   *
   * @return the authenticated licensee
   * @throws MalformedQueryException if no challenge was made or the request is malformed
   * @throws HeModelNotServedException if the owner serves no HE model of that id (or, for
   *     {@link #ONLY_MODEL}, serves several), or (checked after the licensee authenticated)
   *     not in the packing the request requires
   * @throws dev.oml.core.permission.PermissionException if the licensee is unknown, the model is
   *     not its, or the signature does not verify
   */
  public KeyId acceptSessionRequest(byte[] request) {
    if (challenge == null) {
      throw new MalformedQueryException("HE session request before the challenge");
    }
    Msg.In in = new Msg.In(request, "HE session request");
    in.magic(REQUEST_MAGIC);
    KeyId who = KeyId.of(in.raw(KeyId.BYTES, "licensee key id"));
    ModelId asked = ModelId.of(in.raw(ModelId.BYTES, "model id"));
    byte[] choice = in.raw(2, "packing");
    byte[] sig = in.raw(SigningPublicKey.SIGNATURE_BYTES, "signature");
    in.end();
    HePacking packing = choice[0] == 0 ? null : HePacking.ofCode(choice[0]);
    if ((choice[0] != 0 && packing == null) || (choice[1] & 0xff) > 1
        || (choice[1] == 1 && packing == null)) {
      throw new MalformedQueryException("HE session request: unknown packing " + choice[0]
          + " or required flag " + choice[1]);
    }
    byte[] signed = signedPart(challenge, asked, choice[0], choice[1]);
    // one challenge, one try: a failed request cannot be retried against the same challenge
    challenge = null;
    Map<HePacking, HeCompiledModel> plans = resolve(asked);
    ModelId id = plans.values().iterator().next().plan().modelId();
    gate.authenticateLicensee(who, id, InferenceMode.HOMOMORPHIC, signed, sig);
    HeCompiledModel chosen = choose(id, plans, packing, choice[1] == 1);
    model = chosen;
    ctx = chosen.context();
    licensee = who;
    return who;
  }

  private Map<HePacking, HeCompiledModel> resolve(ModelId asked) {
    if (asked.equals(ONLY_MODEL)) {
      if (models.size() != 1) {
        throw new HeModelNotServedException("this owner serves " + models.size()
            + " HE models; the session request must name one");
      }
      return models.values().iterator().next();
    }
    Map<HePacking, HeCompiledModel> m = models.get(asked);
    if (m == null) {
      throw new HeModelNotServedException("this owner serves no HE model " + asked);
    }
    return m;
  }

  /**
   * The plan the request gets: the packing asked for if served; else, unless required, the only
   * packing served; with no packing asked for, the rows packing where both are served.
   */
  private static HeCompiledModel choose(ModelId id, Map<HePacking, HeCompiledModel> plans,
      HePacking asked, boolean required) {
    if (asked != null && plans.containsKey(asked)) {
      return plans.get(asked);
    }
    if (required) {
      throw new HeModelNotServedException("this owner serves HE model " + id + " in the "
          + packingNames(plans) + " packing, not in the " + name(asked) + " packing");
    }
    return plans.size() == 1 ? plans.values().iterator().next() : plans.get(HePacking.ROWS);
  }

  private static String packingNames(Map<HePacking, HeCompiledModel> plans) {
    return String.join(" and ", plans.keySet().stream().map(HeOwnerSession::name).toList());
  }

  private static String name(HePacking p) {
    return p.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The packings this session's owner serves {@code model} in (empty if it serves no such model). */
  public java.util.Set<HePacking> packingsOf(ModelId model) {
    Map<HePacking, HeCompiledModel> m = models.get(model);
    return m == null ? java.util.Set.of() : m.keySet();
  }

  /** The licensee authenticated in this session, or null before {@link #acceptSessionRequest}. */
  public KeyId licensee() {
    return licensee;
  }

  /**
   * Accepts the user's session keys.
   *
   * @throws MalformedQueryException if the message is not keys for this plan, a key does not
   *     load, or a needed key is missing
   */
  public void acceptKeys(byte[] message) {
    HeCompiledModel model = requireModel();
    Msg.In in = new Msg.In(message, "HE session keys");
    in.magic(HeUserSession.KEYS_MAGIC);
    if (!Arrays.equals(in.raw(32, "plan id"), model.plan().planId())) {
      throw new MalformedQueryException("HE session keys: made for another plan");
    }
    byte[] pkb = in.block("public key", 1 << 26);
    byte[] rkb = in.block("relinearization key", 1 << 28);
    byte[] gkb = in.block("Galois keys", 1 << 30);
    in.end();
    HeSerializer s = ctx.serializer();
    PublicKey p;
    RelinKeys r = null;
    GaloisKeys g;
    try {
      p = s.loadPublicKey(pkb);
      if (model.plan().needsRelinKeys()) {
        if (rkb.length == 0) {
          throw new MalformedQueryException("HE session keys: the plan needs a relinearization key");
        }
        r = s.loadRelinKeys(rkb);
      }
      g = s.loadGaloisKeys(gkb);
    } catch (MalformedQueryException e) {
      throw e;
    } catch (HeException e) {
      throw new MalformedQueryException("HE session keys: " + e.getMessage(), e);
    }
    int[] have = g.galoisElements();
    int n = ctx.parameters().polyModulusDegree();
    for (int step : model.plan().rotationSteps()) {
      int want = galoisElement(step, n);
      if (Arrays.binarySearch(have, want) < 0) {
        throw new MalformedQueryException("HE session keys: no Galois key for rotation " + step);
      }
    }
    if (model.plan().needsConjugationKey() && Arrays.binarySearch(have, 2 * n - 1) < 0) {
      throw new MalformedQueryException("HE session keys: no conjugation key");
    }
    // Exactly the plan's key set: a key the plan does not name has no use here, and refusing it
    // keeps what a licensee can make the owner load to what the plan needs.
    int[] named = planGaloisElements(model.plan(), n);
    for (int e : have) {
      if (Arrays.binarySearch(named, e) < 0) {
        throw new MalformedQueryException("HE session keys: Galois element " + e
            + " is not one the plan names");
      }
    }
    this.pk = p;
    this.rk = r;
    this.gk = g;
    this.keysDigest = Msg.sha256(message);
    // Queries are seeded secret-key encryptions; a throwaway key of the owner's gives their size.
    this.freshSize = s.savedSize(ctx.encryptor(ctx.keyGenerator().secretKey()).encryptSeeded(
        ctx.ckksEncoder().encode(new double[0], model.plan().inputScale())));
  }

  /** The Galois elements the plan names, sorted: its rotations and, if it says so, conjugation. */
  static int[] planGaloisElements(HeInferencePlan plan, int n) {
    int[] steps = plan.rotationSteps();
    int[] out = Arrays.copyOf(steps, steps.length + (plan.needsConjugationKey() ? 1 : 0));
    for (int i = 0; i < steps.length; i++) {
      out[i] = galoisElement(steps[i], n);
    }
    if (plan.needsConjugationKey()) {
      out[steps.length] = 2 * n - 1;
    }
    Arrays.sort(out);
    return out;
  }

  static int galoisElement(int steps, int n) {
    int s = Math.floorMod(steps, n / 2);
    long g = 1;
    for (int i = 0; i < s; i++) {
      g = (g * 5) % (2L * n);
    }
    return (int) g;
  }

  /** A query's payload, parsed and checked; nothing is spent yet. */
  private record Parsed(int images, Ciphertext[] cts) {}

  private Parsed parse(ByteBuffer payload) {
    if (keysDigest == null) {
      throw new MalformedQueryException("HE query before the session keys");
    }
    HeCompiledModel model = requireModel();
    HeInferencePlan plan = model.plan();
    Msg.In in = new Msg.In(payload, "HE query");
    in.magic(HeUserSession.QUERY_MAGIC);
    if (!Arrays.equals(in.raw(32, "plan id"), plan.planId())) {
      throw new MalformedQueryException("HE query: made for another plan (other parameters)");
    }
    if (!Arrays.equals(in.raw(32, "keys digest"), keysDigest)) {
      throw new MalformedQueryException("HE query: made under other session keys");
    }
    int n = in.i32("image count");
    int c = in.i32("ciphertext count");
    if (n < 1) {
      throw new ImageCountException("HE query: " + n + " images");
    }
    boolean batch = plan.packing() == HePacking.BATCH;
    if (batch && n > plan.imagesPerCiphertext()) {
      throw new ImageCountException("HE query: " + n + " images, a batch query carries at most "
          + plan.imagesPerCiphertext());
    }
    // The batch packing's bound is the plan's: one ciphertext per input feature.
    int most = batch ? plan.inputSize() : MAX_CIPHERTEXTS_PER_QUERY;
    if (c != plan.ciphertextsFor(n) || c > most) {
      throw new MalformedQueryException("HE query: " + n + " images need "
          + plan.ciphertextsFor(n) + " ciphertexts (at most " + most + "), got " + c);
    }
    Ciphertext[] cts = new Ciphertext[c];
    int top = ctx.parameters().maxLevel();
    for (int k = 0; k < c; k++) {
      byte[] b = in.block("ciphertext", freshSize);
      if (b.length != freshSize) {
        throw new MalformedQueryException("HE query: ciphertext " + k + " has " + b.length
            + " bytes, a fresh one has " + freshSize);
      }
      Ciphertext x;
      try {
        x = ctx.serializer().loadCiphertext(b);
      } catch (HeException e) {
        throw new MalformedQueryException("HE query: ciphertext " + k + ": " + e.getMessage(), e);
      }
      if (x.level() != top || x.size() != 2 || !x.isSeeded()
          || Math.abs(x.scale() - plan.inputScale()) > 1e-9 * plan.inputScale()) {
        throw new MalformedQueryException("HE query: ciphertext " + k
            + " is not a fresh seeded encryption at the plan's level and scale");
      }
      cts[k] = x;
    }
    in.end();
    return new Parsed(n, cts);
  }

  /**
   * Answers one query.
   *
   * @param firstMessage {@code token || proof || payload}, as {@link PermittedQuery#encode()};
   *     read in place ({@link PermittedQuery#decodeInPlace}), so the caller hands it over and
   *     must not write to it during or after the call (a batch query is about 600 MB, and is
   *     held once)
   * @throws MalformedQueryException if the payload is malformed (nothing spent)
   * @throws ImageCountException if the permission claims fewer images than sent (nothing spent)
   * @throws dev.oml.core.permission.PermissionException if the permission does not verify
   *     (nothing spent), and ledger exceptions if it was spent before or exceeds the quota
   */
  public byte[] answer(byte[] firstMessage) {
    HeCompiledModel model = requireModel();
    PermittedQuery q = PermittedQuery.decodeInPlace(firstMessage);
    ByteBuffer payload = q.payloadView();
    Parsed p = parse(payload);
    int claimed = q.token().unverifiedClaims().inferences();
    if (claimed < p.images()) {
      throw new ImageCountException("HE query carries " + p.images()
          + " images but its permission is for " + claimed);
    }
    SpendReceipt receipt = gate.admit(q, model.plan().modelId(), InferenceMode.HOMOMORPHIC);
    lastReceipt = receipt;
    int permitted = receipt.permission().inferences();
    // The verified n equals the claimed one; this re-check keeps the rule visible here.
    int images = Math.min(p.images(), permitted);
    int lanes = model.plan().imagesPerCiphertext();
    long t0 = System.nanoTime();
    // One digest of the payload (607 MB for a full batch query of the HE network).
    byte[] digest = Msg.sha256(payload);
    int count = p.cts().length;
    if (model.plan().packing() == HePacking.BATCH) {
      Ciphertext[] ys;
      try {
        ys = model.evaluateBatch(p.cts(), images, pk, rk, gk, executor);
      } finally {
        // A batch query's inputs are 1.4 GB for the HE network; a native backend's are freed
        // now rather than whenever their handles are collected.
        for (Ciphertext x : p.cts()) {
          if (x instanceof AutoCloseable c) {
            release(c);
          }
        }
      }
      Msg.Out b = new Msg.Out().magic(HeUserSession.ANSWER_MAGIC).raw(digest)
          .i32(p.images()).i32(ys.length);
      for (Ciphertext y : ys) {
        b.block(ctx.serializer().save(y));
      }
      lastEvaluationNanos = System.nanoTime() - t0;
      return b.bytes();
    }
    Msg.Out o = new Msg.Out().magic(HeUserSession.ANSWER_MAGIC).raw(digest)
        .i32(p.images()).i32(count);
    List<Callable<byte[]>> jobs = new ArrayList<>();
    // One ciphertext (up to a full lane count of images): its linear steps take a second
    // thread from the executor; several: one ciphertext per thread.
    java.util.concurrent.Executor inner = count == 1 ? executor : null;
    for (int k = 0; k < count; k++) {
      int here = Math.max(0, Math.min(lanes, images - k * lanes));
      Ciphertext x = p.cts()[k];
      jobs.add(() -> ctx.serializer().save(model.evaluate(x, here, pk, rk, gk, inner)));
    }
    for (byte[] b : run(jobs)) {
      o.block(b);
    }
    lastEvaluationNanos = System.nanoTime() - t0;
    return o.bytes();
  }

  private static void release(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not release a query ciphertext", e);
    }
  }

  private List<byte[]> run(List<Callable<byte[]>> jobs) {
    if (executor == null || jobs.size() == 1) {
      List<byte[]> out = new ArrayList<>();
      for (Callable<byte[]> j : jobs) {
        out.add(Futures.call(j));
      }
      return out;
    }
    return Futures.invokeAll(executor, jobs);
  }

  /** Wall time of the last query's evaluation (after admission), for figures. */
  public long lastEvaluationNanos() {
    return lastEvaluationNanos;
  }

  /**
   * Runs this session over {@code channel} until the user ends it: sends a challenge and checks
   * the licensee's signed session request ({@link #authenticate}), sends the plan, accepts the
   * user's session keys (or returns if the user declines the plan: {@link #declined()}), then
   * answers one query per message (one round each). The channel stays open; the caller closes
   * it.
   *
   * @throws HeException (or a permission or ledger refusal) if a message is malformed or a query
   *     is not permitted; the session is then over. A user that hangs up after its query was
   *     admitted, before the answer is sent, is recorded as one abort of the licensee
   *     ({@code PEER_HUNG_UP}); everything an HE query can get wrong is caught before admission.
   */
  public void run(Channel channel) {
    authenticate(channel);
    serveAuthenticated(channel);
  }

  /**
   * The cheap opening of {@link #run}: sends a challenge and checks the licensee's signed
   * session request. A server runs it before committing a worker, so a peer without a
   * licensee's key gets neither the plan nor a chance to upload keys.
   *
   * @throws dev.oml.core.permission.PermissionException if the request does not authenticate
   */
  public KeyId authenticate(Channel channel) {
    if (!requireAuthentication) {
      return null;
    }
    channel.send(challenge());
    return acceptSessionRequest(channel.receive(REQUEST_BYTES));
  }

  /**
   * The rest of {@link #run} after {@link #authenticate}: sends the plan, returns at once if
   * the licensee declines it ({@link #declined()}: no keys read, nothing answered), else accepts
   * session keys
   * no larger than {@link HeCompiledModel#sessionKeysBound()} (a larger upload is refused from
   * its announced length, before any part is read; see {@link #sendKeys}), then answers queries
   * until the user ends the session.
   *
   * @throws IllegalStateException if the licensee has not authenticated
   */
  public void serveAuthenticated(Channel channel) {
    if (requireAuthentication && licensee == null) {
      throw new IllegalStateException("the licensee has not authenticated");
    }
    HeCompiledModel model = requireModel();
    channel.send(model.plan().encode());
    byte[] announcement = channel.receive(8);
    HePlanDecline decline = decline(announcement);
    if (decline != null) {
      declined = decline;
      return; // the licensee does not want this plan: no keys, nothing to answer
    }
    acceptKeys(receiveParts(announcement, channel, KEYS_LENGTH_MAGIC, "HE session keys",
        model.sessionKeysBound()));
    while (true) {
      byte[] query;
      try {
        query = model.plan().packing() == HePacking.BATCH
            ? receiveParts(channel, QUERY_LENGTH_MAGIC, "HE query", queryBound())
            : channel.receive();
      } catch (ProtocolAbortException e) {
        return; // the user ended the session
      }
      lastReceipt = null;
      byte[] reply = answer(query);
      try {
        channel.send(reply);
      } catch (ProtocolAbortException e) {
        gate.abortRecorder(lastReceipt).record(AbortReason.PEER_HUNG_UP);
        throw e;
      }
    }
  }

  /**
   * Why the licensee declined the plan of this session ({@link #serveAuthenticated} then
   * returned without keys or queries), or empty if it did not.
   */
  public java.util.Optional<HePlanDecline> declined() {
    return java.util.Optional.ofNullable(declined);
  }

  /** The decline {@code message} carries, or null if it is not a decline. */
  private static HePlanDecline decline(byte[] message) {
    byte[] magic = DECLINE_MAGIC.getBytes(StandardCharsets.US_ASCII);
    if (message.length < magic.length
        || !Arrays.equals(magic, Arrays.copyOf(message, magic.length))) {
      return null;
    }
    Msg.In in = new Msg.In(message, "HE plan decline");
    in.magic(DECLINE_MAGIC);
    int code = in.i32("reason");
    in.end();
    HePlanDecline d = HePlanDecline.ofCode(code);
    if (d == null) {
      throw new MalformedQueryException("HE plan decline: unknown reason " + code);
    }
    return d;
  }

  /**
   * The licensee's answer to a plan it does not want, in place of the session keys: {@code
   * "OHPD" || reason (int32)}.
   */
  static void sendDecline(Channel channel, HePlanDecline reason) {
    channel.send(new Msg.Out().magic(DECLINE_MAGIC).i32(reason.code()).bytes());
  }

  /**
   * Sends a session-keys message in parts: {@code "OHKL" || length (int32)}, then the message in
   * frames of at most {@link #KEY_PART_BYTES}. The keys' size then never meets a transport's
   * frame limit (SEAL's keys of a two-square model are larger than a 128 MiB frame).
   */
  public static void sendKeys(Channel channel, byte[] keys) {
    sendParts(channel, KEYS_LENGTH_MAGIC, keys);
  }

  /**
   * Sends the first message of a batch-packing query ({@code token || proof || payload}, one
   * ciphertext per input feature: about 600 MB for 784 features at N = 16384) as the session
   * keys travel: {@code "OHQL" || length (int32)}, then parts of at most
   * {@link #KEY_PART_BYTES}. The owner refuses a length above the plan's bound before reading a
   * part.
   */
  public static void sendQuery(Channel channel, byte[] firstMessage) {
    sendParts(channel, QUERY_LENGTH_MAGIC, ByteBuffer.wrap(firstMessage));
  }

  /**
   * As {@link #sendQuery(Channel, byte[])} for {@code query.encode()}, the same messages byte
   * for byte, streamed from the query's head and payload without building the whole message.
   */
  public static void sendQuery(Channel channel, PermittedQuery query) {
    sendParts(channel, QUERY_LENGTH_MAGIC, ByteBuffer.wrap(query.head()), query.payloadView());
  }

  private static void sendParts(Channel channel, String magic, byte[] message) {
    sendParts(channel, magic, ByteBuffer.wrap(message));
  }

  /** Sends the concatenation of {@code sources} (each from its position) in parts. */
  private static void sendParts(Channel channel, String magic, ByteBuffer... sources) {
    long total = 0;
    ByteBuffer[] in = new ByteBuffer[sources.length];
    for (int i = 0; i < sources.length; i++) {
      in[i] = sources[i].duplicate();
      total += in[i].remaining();
    }
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a message of " + total + " bytes");
    }
    channel.send(new Msg.Out().magic(magic).i32((int) total).bytes());
    int src = 0;
    for (long off = 0; off < total; off += KEY_PART_BYTES) {
      byte[] part = new byte[(int) Math.min(KEY_PART_BYTES, total - off)];
      int filled = 0;
      while (filled < part.length) {
        while (!in[src].hasRemaining()) {
          src++;
        }
        int n = Math.min(part.length - filled, in[src].remaining());
        in[src].get(part, filled, n);
        filled += n;
      }
      channel.send(part);
    }
  }

  /**
   * The largest first message of a batch-packing query this session accepts: the payload of
   * {@code inputSize} fresh ciphertexts and its header, plus {@link #PERMISSION_ROOM} for the
   * permission token and proof.
   */
  long queryBound() {
    HeInferencePlan plan = requireModel().plan();
    return 4 + 32 + 32 + 8 + (long) plan.ciphertextsFor(1) * (4L + freshSize) + PERMISSION_ROOM;
  }

  /**
   * Receives what {@link #sendKeys} sent, refusing an announced length above {@code bound}
   * before reading any part.
   *
   * @throws MalformedQueryException if the announcement is malformed or over the bound, or a
   *     part is larger than announced
   */
  static byte[] receiveKeys(Channel channel, int bound) {
    return receiveParts(channel, KEYS_LENGTH_MAGIC, "HE session keys", bound);
  }

  private static byte[] receiveParts(Channel channel, String magic, String what, long bound) {
    return receiveParts(channel.receive(8), channel, magic, what, bound);
  }

  /** As above, the length announcement {@code announcement} already received. */
  private static byte[] receiveParts(byte[] announcement, Channel channel, String magic,
      String what, long bound) {
    Msg.In in = new Msg.In(announcement, what + " length");
    in.magic(magic);
    int length = in.i32("length");
    in.end();
    if (length < 0 || length > bound) {
      throw new MalformedQueryException(what + ": " + length + " bytes announced, the"
          + " plan's take at most " + bound);
    }
    byte[] out = new byte[length];
    int off = 0;
    while (off < length) {
      int want = Math.min(KEY_PART_BYTES, length - off);
      byte[] part = channel.receive(want);
      if (part.length != want) {
        throw new MalformedQueryException(what + ": a part of " + part.length
            + " bytes, expected " + want);
      }
      System.arraycopy(part, 0, out, off, want);
      off += want;
    }
    return out;
  }
}
