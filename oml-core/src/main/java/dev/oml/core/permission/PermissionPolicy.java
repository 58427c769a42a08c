package dev.oml.core.permission;

import dev.oml.core.keys.KeyId;
import dev.oml.core.keys.SigningPublicKey;
import dev.oml.core.omlize.ModelId;
import dev.oml.core.omlize.OmlKeyShare;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The owner's rules, where "Loyal" lives: which licensees may ask (their public keys, the
 * allow-list), which model ids belong to which licensee, how many inferences each licensee may
 * have in all (its quota, the query budget that bounds extraction), the most inferences one
 * permission may carry, which modes are allowed (to everyone, and per licensee: an owner grants
 * the HE mode only to licensees it trusts, see docs/SECURITY.md), how long a permission stays valid, and how much
 * clock skew is tolerated, and after how many aborted queries a licensee is suspended
 * ({@link #maxAborts()}). Immutable; built and validated by {@link Builder#build()}. Removing a
 * licensee revokes it: its outstanding permissions stop verifying.
 */
public final class PermissionPolicy {
  /** Longest validity accepted. */
  public static final Duration MAX_VALIDITY = Duration.ofDays(30);
  /** Largest clock skew accepted. */
  public static final Duration MAX_SKEW = Duration.ofMinutes(10);
  /**
   * Default {@link #maxAborts()}: 3. A tier-2 MAC check is passed by a forgery with probability
   * below 2^-44 ({@code MacCheckVerifier.STATISTICAL_BITS}), and the MAC key lives for the whole
   * licence, so a licensee gets one fresh try per abort: with a limit of {@code A} it makes at
   * most {@code A} failed tries before suspension, and by a union bound forges with probability
   * below {@code A * 2^-44}, here {@code 3 * 2^-44 < 2^-42}; each abort also tells it at most one
   * bit (whether its check passed), so it learns at most 3 bits. Three rather than one leaves room
   * for an honest licensee whose connection drops mid-query once or twice.
   */
  public static final int DEFAULT_MAX_ABORTS = 3;
  /**
   * Largest {@link #maxAborts()} accepted: 16 keeps the forging bound {@code 16 * 2^-44} at
   * 2^-40, the statistical security the protocols promise.
   */
  public static final int MAX_ABORTS_LIMIT = 16;

  private final Map<KeyId, SigningPublicKey> licensees;
  private final Map<KeyId, Long> quotas;
  private final Map<ModelId, KeyId> models;
  private final Set<InferenceMode> modes;
  private final Map<KeyId, Set<InferenceMode>> licenseeModes;
  private final int maxInferencesPerPermission;
  private final Duration validity;
  private final Duration maxClockSkew;
  private final int maxAborts;

  private PermissionPolicy(Builder b) {
    this.licensees = Collections.unmodifiableMap(new HashMap<>(b.licensees));
    this.quotas = Collections.unmodifiableMap(new HashMap<>(b.quotas));
    this.models = Collections.unmodifiableMap(new HashMap<>(b.models));
    this.modes = Collections.unmodifiableSet(EnumSet.copyOf(b.modes));
    Map<KeyId, Set<InferenceMode>> lm = new HashMap<>();
    b.licenseeModes.forEach((k, v) -> lm.put(k, Collections.unmodifiableSet(EnumSet.copyOf(v))));
    this.licenseeModes = Collections.unmodifiableMap(lm);
    this.maxInferencesPerPermission = b.maxInferencesPerPermission;
    this.validity = b.validity;
    this.maxClockSkew = b.maxClockSkew;
    this.maxAborts = b.maxAborts;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The public key of an allowed licensee, or empty if it is not (or no longer) allowed. */
  public Optional<SigningPublicKey> licenseeKey(KeyId licensee) {
    return Optional.ofNullable(licensees.get(licensee));
  }

  /** The licensee's total quota of inferences; 0 for a licensee not on the list. */
  public long quotaOf(KeyId licensee) {
    return quotas.getOrDefault(licensee, 0L);
  }

  /** The licensee a model id was OMLized for, or empty if the owner does not serve it. */
  public Optional<KeyId> licenseeOf(ModelId model) {
    return Optional.ofNullable(models.get(model));
  }

  /** The modes allowed to every licensee (a licensee may be allowed fewer). */
  public Set<InferenceMode> modes() {
    return modes;
  }

  /**
   * True if {@code licensee} may use {@code mode}: the mode is allowed to everyone, and, when
   * the policy names modes for this licensee, among them.
   */
  public boolean allows(KeyId licensee, InferenceMode mode) {
    Set<InferenceMode> own = licenseeModes.get(licensee);
    return modes.contains(mode) && (own == null || own.contains(mode));
  }

  /** The modes {@code licensee} may use. */
  public Set<InferenceMode> modesOf(KeyId licensee) {
    EnumSet<InferenceMode> out = EnumSet.noneOf(InferenceMode.class);
    for (InferenceMode m : modes) {
      if (allows(licensee, m)) {
        out.add(m);
      }
    }
    return Collections.unmodifiableSet(out);
  }

  /**
   * Refuses {@code mode} for {@code licensee} unless {@link #allows} it.
   *
   * @throws ModeNotAllowedException naming the licensee and the mode
   */
  public void requireMode(KeyId licensee, InferenceMode mode) {
    if (!allows(licensee, mode)) {
      throw new ModeNotAllowedException(modes.contains(mode)
          ? "mode " + mode + " is not allowed to licensee " + licensee + " by the owner's policy"
          : "mode " + mode + " is not allowed by the owner's policy");
    }
  }

  public int maxInferencesPerPermission() {
    return maxInferencesPerPermission;
  }

  public Duration validity() {
    return validity;
  }

  public Duration maxClockSkew() {
    return maxClockSkew;
  }

  /**
   * The suspension rule: a licensee whose ledger holds at least this many aborted queries is
   * refused at the permit desk and at the gate ({@link LicenseeSuspendedException}); default
   * {@value #DEFAULT_MAX_ABORTS}, in 1..{@value #MAX_ABORTS_LIMIT}.
   */
  public int maxAborts() {
    return maxAborts;
  }

  /** True if a licensee with {@code aborts} recorded aborts is suspended under this policy. */
  public boolean suspends(long aborts) {
    return aborts >= maxAborts;
  }

  /** Collects a policy; {@link #build()} validates it. */
  public static final class Builder {
    private final Map<KeyId, SigningPublicKey> licensees = new HashMap<>();
    private final Map<KeyId, Long> quotas = new HashMap<>();
    private final Map<ModelId, KeyId> models = new HashMap<>();
    private final Set<InferenceMode> modes = EnumSet.allOf(InferenceMode.class);
    private final Map<KeyId, Set<InferenceMode>> licenseeModes = new HashMap<>();
    private int maxInferencesPerPermission = 1024;
    private Duration validity = Duration.ofMinutes(10);
    private Duration maxClockSkew = Duration.ofSeconds(30);
    private int maxAborts = DEFAULT_MAX_ABORTS;

    private Builder() {}

    /** Allows a licensee with a total quota of {@code quota} inferences. */
    public Builder licensee(SigningPublicKey key, long quota) {
      if (quota < 0) {
        throw new IllegalArgumentException("quota must be >= 0, got " + quota);
      }
      licensees.put(key.keyId(), key);
      quotas.put(key.keyId(), quota);
      return this;
    }

    /** Serves {@code model}, OMLized for {@code licensee}. */
    public Builder model(ModelId model, KeyId licensee) {
      models.put(model, licensee);
      return this;
    }

    /** Serves the model of a key share, for the licensee it was made for. */
    public Builder model(OmlKeyShare keyShare) {
      return model(keyShare.modelId(), keyShare.licensee());
    }

    /** Allows only these modes (default: all). */
    public Builder modes(Set<InferenceMode> allowed) {
      modes.clear();
      modes.addAll(allowed);
      return this;
    }

    /**
     * Allows {@code licensee} only these modes (default: every mode the policy allows), e.g.
     * the two-party mode alone for a licensee the owner does not trust with the HE mode.
     */
    public Builder licenseeModes(KeyId licensee, Set<InferenceMode> allowed) {
      EnumSet<InferenceMode> own = EnumSet.noneOf(InferenceMode.class);
      own.addAll(allowed);
      licenseeModes.put(licensee, own);
      return this;
    }

    /** The most inferences one permission may carry (default 1024). */
    public Builder maxInferencesPerPermission(int n) {
      maxInferencesPerPermission = n;
      return this;
    }

    /** How long a permission stays valid after issue (default 10 minutes). */
    public Builder validity(Duration d) {
      validity = d;
      return this;
    }

    /** Largest tolerated clock difference between issuer and verifier (default 30 s). */
    public Builder maxClockSkew(Duration d) {
      maxClockSkew = d;
      return this;
    }

    /**
     * Suspends a licensee once this many of its queries aborted (default {@value
     * #DEFAULT_MAX_ABORTS}, at most {@value #MAX_ABORTS_LIMIT}; see {@link #DEFAULT_MAX_ABORTS}).
     */
    public Builder maxAborts(int n) {
      maxAborts = n;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException if a limit is out of range or a model names a licensee
     *     that is not on the list
     */
    public PermissionPolicy build() {
      if (modes.isEmpty()) {
        throw new IllegalArgumentException("at least one mode must be allowed");
      }
      if (maxInferencesPerPermission < 1) {
        throw new IllegalArgumentException("maxInferencesPerPermission must be >= 1");
      }
      if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_VALIDITY) > 0
          || validity.toSeconds() < 1) {
        throw new IllegalArgumentException("validity must be in [1 s, " + MAX_VALIDITY + "]");
      }
      if (maxClockSkew.isNegative() || maxClockSkew.compareTo(MAX_SKEW) > 0) {
        throw new IllegalArgumentException("maxClockSkew must be in [0, " + MAX_SKEW + "]");
      }
      if (maxAborts < 1 || maxAborts > MAX_ABORTS_LIMIT) {
        throw new IllegalArgumentException("maxAborts must be in [1, " + MAX_ABORTS_LIMIT
            + "], got " + maxAborts);
      }
      for (Map.Entry<ModelId, KeyId> e : models.entrySet()) {
        if (!licensees.containsKey(e.getValue())) {
          throw new IllegalArgumentException("model " + e.getKey() + " is for licensee "
              + e.getValue() + ", who is not on the allow-list");
        }
      }
      return new PermissionPolicy(this);
    }
  }
}
