// OML's C ABI over Microsoft SEAL. See include/oml_seal.h for the conventions.
#include "oml_seal.h"

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <atomic>
#include <cmath>
#include <complex>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/syscall.h>
#include <unistd.h>

#include "firewall.h"
#include "ntt_simd.h"
#include "seal/seal.h"
#include "seal/util/ntt.h"
#include "seal/util/numth.h"
#include "seal/util/polyarithsmallmod.h"
#include "seal/util/rlwe.h"
#include "seal/util/scalingvariant.h"

using namespace seal;

struct oml_context {
  explicit oml_context(const EncryptionParameters &parms)
      : ctx(parms, true, sec_level_type::none) {}
  // Security is enforced by dev.oml.he.HeParameters (Homomorphic Encryption Standard tables,
  // INSECURE sets only for tests); SEAL's own check would refuse the test sets.
  SEALContext ctx;
  int32_t scheme = 0;
  size_t n = 0;
  int top = 0;
  uint64_t t = 0;  // OML's plain modulus (BFV), even where SEAL holds a stand-in
  bool batching = false;
  // SEAL refuses plain moduli above 60 bits, but OML's two-party sets go up to t = 2^60. Such
  // a context gives SEAL a stand-in plain modulus and never lets SEAL use it: every step that
  // depends on t (plaintext checks, scaling by Q/t, the centered lift of plaintexts) is done
  // here with t, decryption rounds t x / Q of the phase here, and ciphertext products (BFV's
  // tensoring depends on t) are refused.
  bool wide_t = false;
  // SEAL always treats the last of several primes as the key-switching prime. Parameter sets
  // without one get an extra prime that only ever holds the secret and public keys inside
  // this library: public keys are exported reduced to the data primes and all public-key
  // encryption happens at data levels, so no object at that level is ever seen by anyone.
  bool extra_prime = false;
  std::vector<parms_id_type> levels;  // levels[l]: parms_id of data level l
  std::unique_ptr<Evaluator> evaluator;
  std::unique_ptr<BatchEncoder> batch;
  std::unique_ptr<CKKSEncoder> ckks;
};
struct oml_secret_key { SecretKey key; };
struct oml_public_key { PublicKey key; };
struct oml_relin_keys { RelinKeys keys; };
struct oml_galois_keys { GaloisKeys keys; };
struct oml_plaintext { Plaintext pt; };
struct oml_ciphertext {
  Ciphertext ct;
  // A seeded symmetric encryption keeps its compact serialized form (second component as a
  // seed) while ct holds the expanded ciphertext used for computing.
  std::vector<seal_byte> seeded;
  // An extracted answer (BFV, coefficient form) keeps only these coefficients of its first
  // component, ascending; the others are zero. It can be decrypted, not evaluated.
  std::vector<uint32_t> kept;
  // A tier-2 operand imported by oml_t2_ciphertext_import: both components in NTT form,
  // [component][prime][coefficient], computed once at import (empty otherwise).
  std::vector<uint64_t> t2_ntt;
};

namespace oml {
namespace {
thread_local std::string last_error;
}
void set_last_error(const char *message) noexcept {
  try {
    last_error.assign(message);
  } catch (...) {
    // Only a failed allocation can land here; the status code still tells the story.
  }
}
}  // namespace oml

namespace {

using oml::error;

void require(bool ok, oml_status code, const std::string &message) {
  if (!ok) {
    throw error(code, message);
  }
}

template <class T>
void need(const T *p, const char *what) {
  if (p == nullptr) {
    throw error(OML_E_INVALID_ARGUMENT, std::string(what) + " is null");
  }
}

bool is_ckks(const oml_context *c) { return c->scheme == OML_SCHEME_CKKS; }

int level_of_parms(const oml_context *c, const parms_id_type &pid) {
  auto cd = c->ctx.get_context_data(pid);
  require(cd != nullptr, OML_E_CONTEXT_MISMATCH, "object made under other parameters");
  int level = static_cast<int>(cd->chain_index());
  require(level <= c->top, OML_E_CONTEXT_MISMATCH, "object at the key level, not a data level");
  return level;
}

// Every ciphertext entering an operation is checked against the context (parameters, level,
// size, representation); the data itself was validated when it was made or loaded. Extracted
// answers pass here (decryption, metadata, export) but not check_ct (evaluation).
int check_any_ct(const oml_context *c, const oml_ciphertext *x) {
  need(x, "ciphertext");
  const Ciphertext &ct = x->ct;
  require(is_metadata_valid_for(ct, c->ctx), OML_E_CONTEXT_MISMATCH,
      "ciphertext does not belong to these parameters");
  int level = level_of_parms(c, ct.parms_id());
  require(ct.is_ntt_form() == is_ckks(c), OML_E_CONTEXT_MISMATCH,
      "ciphertext representation does not match the scheme");
  require(ct.size() >= 2, OML_E_INCOMPATIBLE, "ciphertext has fewer than two components");
  return level;
}

int check_ct(const oml_context *c, const oml_ciphertext *x) {
  int level = check_any_ct(c, x);
  require(x->kept.empty(), OML_E_INCOMPATIBLE,
      "an extracted answer can only be decrypted, not evaluated");
  return level;
}

void check_sk(const oml_context *c, const oml_secret_key *sk) {
  need(sk, "secret key");
  require(sk->key.parms_id() == c->ctx.key_parms_id(), OML_E_CONTEXT_MISMATCH,
      "secret key made under other parameters");
}

void check_pk(const oml_context *c, const oml_public_key *pk) {
  need(pk, "public key");
  require(pk->key.parms_id() == c->ctx.key_parms_id(), OML_E_CONTEXT_MISMATCH,
      "public key made under other parameters");
}

// Plaintext level in the Java API's terms: BFV plaintexts are level-free (top).
int check_pt(const oml_context *c, const oml_plaintext *p) {
  need(p, "plaintext");
  if (is_ckks(c)) {
    require(p->pt.is_ntt_form(), OML_E_INCOMPATIBLE, "not a CKKS plaintext");
    require(is_metadata_valid_for(p->pt, c->ctx), OML_E_CONTEXT_MISMATCH,
        "plaintext does not belong to these parameters");
    return level_of_parms(c, p->pt.parms_id());
  }
  require(!p->pt.is_ntt_form(), OML_E_INCOMPATIBLE, "not a BFV plaintext");
  if (c->wide_t) {
    bool ok = p->pt.coeff_count() <= c->n;
    for (size_t i = 0; ok && i < p->pt.coeff_count(); i++) {
      ok = p->pt[i] < c->t;
    }
    require(ok, OML_E_CONTEXT_MISMATCH, "plaintext does not belong to these parameters");
  } else {
    require(is_valid_for(p->pt, c->ctx), OML_E_CONTEXT_MISMATCH,
        "plaintext does not belong to these parameters");
  }
  return c->top;
}

template <class T>
T *release(std::unique_ptr<T> p) {
  return p.release();
}

oml_ciphertext *wrap(Ciphertext &&ct) {
  auto x = std::make_unique<oml_ciphertext>();
  x->ct = std::move(ct);
  return x.release();
}

std::shared_ptr<UniformRandomGenerator> fresh_prng() {
  // BLAKE2xb (or SHAKE256) seeded from std::random_device: SEAL's own CSPRNG.
  return UniformRandomGeneratorFactory::DefaultFactory()->create();
}

void ntt(const oml_context *c, uint64_t *poly, size_t primes, bool forward) {
  auto tables = c->ctx.first_context_data()->small_ntt_tables();
  for (size_t i = 0; i < primes; i++) {
    if (forward) {
      oml::ntt_forward(poly + i * c->n, tables[i]);
    } else {
      oml::ntt_inverse(poly + i * c->n, tables[i]);
    }
  }
}

// BFV's scaling of a plaintext into the first component, c0 += round(Q m / t) over the first
// primes of mods, for the first count coefficients of m (the rest are 0), computed as SEAL
// does (floor(Q/t) m + floor(((Q mod t) m + floor((t+1)/2)) / t)) but with OML's t, so that it
// also holds where SEAL only has a stand-in.
void add_scaled(const oml_context *c, const uint64_t *m, size_t count,
    const std::vector<Modulus> &mods, size_t primes, uint64_t *c0) {
  size_t n = c->n;
  uint64_t t = c->t;
  unsigned __int128 qt = 1;
  for (size_t i = 0; i < primes; i++) {
    qt = qt * mods[i].value() % t;
  }
  uint64_t q_mod_t = static_cast<uint64_t>(qt);
  // floor(Q/t) = (Q - (Q mod t)) / t, and Q is 0 modulo each of its primes.
  std::vector<uint64_t> div(primes);
  for (size_t i = 0; i < primes; i++) {
    uint64_t tinv = 0;
    require(util::try_invert_uint_mod(t % mods[i].value(), mods[i], tinv), OML_E_INTERNAL,
        "plain modulus not invertible modulo a prime");
    uint64_t neg = util::negate_uint_mod(q_mod_t % mods[i].value(), mods[i]);
    div[i] = util::multiply_uint_mod(neg, tinv, mods[i]);
  }
  uint64_t half = (t + 1) >> 1;
  for (size_t x = 0; x < count; x++) {
    uint64_t v = m[x];
    if (v == 0) {
      continue;
    }
    uint64_t fix = static_cast<uint64_t>(
        (static_cast<unsigned __int128>(q_mod_t) * v + half) / t);
    for (size_t i = 0; i < primes; i++) {
      unsigned __int128 a = static_cast<unsigned __int128>(div[i]) * v + fix;
      uint64_t w[2] = {static_cast<uint64_t>(a), static_cast<uint64_t>(a >> 64)};
      uint64_t add = util::barrett_reduce_128(w, mods[i]);
      uint64_t q = mods[i].value();
      uint64_t sum = c0[i * n + x] + add;
      c0[i * n + x] = sum >= q ? sum - q : sum;
    }
  }
}

// add_scaled for a plaintext at the level of pid.
void add_scaled_plain(const oml_context *c, const Plaintext &m, const parms_id_type &pid,
    uint64_t *c0) {
  const auto &mods = c->ctx.get_context_data(pid)->parms().coeff_modulus();
  add_scaled(c, m.data(), std::min(m.coeff_count(), c->n), mods, mods.size(), c0);
}

// A BFV plaintext lifted to R_Q centered with OML's t (coefficients of at least (t+1)/2 stand
// for negative values) and transformed, at the level of pid: the factor of plaintext products.
std::vector<uint64_t> lifted_ntt(const oml_context *c, const Plaintext &p,
    const parms_id_type &pid) {
  const auto &mods = c->ctx.get_context_data(pid)->parms().coeff_modulus();
  size_t primes = mods.size();
  size_t n = c->n;
  uint64_t t = c->t;
  uint64_t half = (t + 1) >> 1;
  std::vector<uint64_t> out(primes * n, 0);
  size_t count = std::min(p.coeff_count(), n);
  for (size_t x = 0; x < count; x++) {
    uint64_t v = p[x];
    for (size_t i = 0; i < primes; i++) {
      uint64_t q = mods[i].value();
      out[i * n + x] = v >= half ? util::negate_uint_mod((t - v) % q, mods[i]) : v % q;
    }
  }
  ntt(c, out.data(), primes, true);
  return out;
}

// A fresh public-key encryption of zero at data level `level`.
Ciphertext encrypt_zero_public(const oml_context *c, const PublicKey &pk, int level) {
  Ciphertext out;
  if (!c->extra_prime) {
    Encryptor enc(c->ctx, pk);
    enc.encrypt_zero(c->levels[level], out);
  } else {
    // Only the data primes' residues of the key are used: an RLWE public key modulo Q.
    util::encrypt_zero_asymmetric(pk, c->ctx, c->levels[level], is_ckks(c), out);
  }
  return out;
}

// Uniform integers in [-2^bits, 2^bits) added to the first component; the noise is drawn in
// coefficient form and transformed first when the ciphertext is in NTT form (CKKS).
void flood(const oml_context *c, Ciphertext &ct, int bits, UniformRandomGenerator &prng) {
  require(bits >= 1 && bits <= 2000, OML_E_INVALID_ARGUMENT, "flood bits outside [1, 2000]");
  auto cd = c->ctx.get_context_data(ct.parms_id());
  const auto &mods = cd->parms().coeff_modulus();
  size_t primes = mods.size();
  size_t n = c->n;
  size_t total = static_cast<size_t>(bits) + 1;
  size_t limbs = (total + 63) / 64;
  size_t top_bits = total - 64 * (limbs - 1);
  uint64_t top_mask = top_bits == 64 ? ~0ULL : ((1ULL << top_bits) - 1);
  std::vector<uint64_t> two64(primes), offset(primes);
  for (size_t i = 0; i < primes; i++) {
    uint64_t q = mods[i].value();
    two64[i] = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 64) % q);
    unsigned __int128 off = 1;
    for (int b = 0; b < bits; b++) {
      off = (off * 2) % q;
    }
    offset[i] = static_cast<uint64_t>(off);
  }
  std::vector<uint64_t> rnd(n * limbs);
  prng.generate(rnd.size() * sizeof(uint64_t), reinterpret_cast<seal_byte *>(rnd.data()));
  std::vector<uint64_t> noise(primes * n);
  for (size_t x = 0; x < n; x++) {
    uint64_t *v = &rnd[x * limbs];
    v[limbs - 1] &= top_mask;
    for (size_t i = 0; i < primes; i++) {
      uint64_t q = mods[i].value();
      unsigned __int128 acc = 0;
      for (size_t w = limbs; w-- > 0;) {
        acc = (acc * two64[i] + v[w]) % q;
      }
      uint64_t r = static_cast<uint64_t>(acc);
      noise[i * n + x] = r >= offset[i] ? r - offset[i] : r + q - offset[i];
    }
  }
  if (ct.is_ntt_form()) {
    ntt(c, noise.data(), primes, true);
  }
  util::add_poly_coeffmod(util::ConstRNSIter(ct.data(0), n), util::ConstRNSIter(noise.data(), n),
      primes, mods.data(), util::RNSIter(ct.data(0), n));
}

uint64_t uniform_below(uint64_t t, UniformRandomGenerator &prng) {
  if ((t & (t - 1)) == 0) {
    uint64_t v;
    prng.generate(sizeof v, reinterpret_cast<seal_byte *>(&v));
    return v & (t - 1);
  }
  uint64_t limit = ~0ULL - (~0ULL % t);
  for (;;) {
    uint64_t v;
    prng.generate(sizeof v, reinterpret_cast<seal_byte *>(&v));
    if (v < limit) {
      return v % t;
    }
  }
}

void check_seal_header(const uint8_t *in, size_t len) {
  require(in != nullptr && len > 0, OML_E_MALFORMED, "no bytes to load");
  require(len >= Serialization::seal_header_size, OML_E_MALFORMED,
      "shorter than a SEAL header");
  Serialization::SEALHeader h;
  std::memcpy(&h, in, sizeof h);
  require(Serialization::IsValidHeader(h), OML_E_MALFORMED, "not a valid SEAL object header");
  require(h.size == len, OML_E_MALFORMED,
      "declared size " + std::to_string(h.size) + " differs from the " + std::to_string(len)
          + " bytes given");
}

// Runs a SEAL load, turning whatever it throws into MALFORMED, and checks it consumed all.
template <class Load>
void load_all(size_t len, Load &&load) {
  std::streamoff used = 0;
  try {
    used = load();
  } catch (const error &) {
    throw;
  } catch (const std::bad_alloc &) {
    throw error(OML_E_MALFORMED, "bytes declare more data than they hold");
  } catch (const std::exception &e) {
    throw error(OML_E_MALFORMED, std::string("SEAL refused the bytes: ") + e.what());
  }
  require(static_cast<size_t>(used) == len, OML_E_MALFORMED, "trailing bytes after the object");
}

void out_size(size_t *size, size_t value) {
  need(size, "size");
  *size = value;
}

template <class T>
void save_object(const T &obj, uint8_t *out, size_t cap, size_t *written) {
  need(out, "output buffer");
  need(written, "written");
  size_t size = static_cast<size_t>(obj.save_size(compr_mode_type::none));
  require(cap >= size, OML_E_BUFFER_TOO_SMALL, "output buffer too small");
  *written = static_cast<size_t>(
      obj.save(reinterpret_cast<seal_byte *>(out), cap, compr_mode_type::none));
}

Ciphertext reduced_public_key(const oml_context *c, const PublicKey &pk) {
  Ciphertext r(c->ctx, c->levels[c->top]);
  r.resize(2);
  size_t data = (c->top + 1) * c->n;
  size_t full = pk.data().coeff_modulus_size() * c->n;
  for (size_t j = 0; j < 2; j++) {
    std::copy_n(pk.data().data() + j * full, data, r.data(j));
  }
  r.is_ntt_form() = true;
  return r;
}

}  // namespace

extern "C" {

int32_t oml_abi_version(void) { return OML_ABI_VERSION; }

const char *oml_seal_version(void) { return SEAL_VERSION; }

const char *oml_last_error_message(void) { return oml::last_error.c_str(); }

oml_status oml_context_create(int32_t scheme, uint64_t n, const uint64_t *primes, size_t count,
    uint64_t special, uint64_t plain, int32_t batching, oml_context **out) {
  return oml::guard([&] {
    need(out, "out");
    *out = nullptr;
    need(primes, "primes");
    require(count >= 1, OML_E_INVALID_PARAMETERS, "at least one prime is needed");
    require(scheme == OML_SCHEME_BFV || scheme == OML_SCHEME_CKKS, OML_E_INVALID_PARAMETERS,
        "unknown scheme");
    EncryptionParameters parms(scheme == OML_SCHEME_BFV ? scheme_type::bfv : scheme_type::ckks);
    parms.set_poly_modulus_degree(n);
    std::vector<Modulus> mods;
    for (size_t i = 0; i < count; i++) {
      mods.emplace_back(primes[i]);
    }
    bool extra = false;
    if (special != 0) {
      mods.emplace_back(special);
    } else if (count > 1) {
      auto candidates = util::get_primes(2 * n, 60, count + 3);
      for (const auto &m : candidates) {
        bool used = m.value() == plain;
        for (size_t i = 0; i < count; i++) {
          used |= primes[i] == m.value();
        }
        if (!used) {
          mods.push_back(m);
          extra = true;
          break;
        }
      }
      require(extra, OML_E_INVALID_PARAMETERS, "no prime left for SEAL's key level");
    }
    parms.set_coeff_modulus(mods);
    bool wide = scheme == OML_SCHEME_BFV && (plain >> 60) != 0;
    if (wide) {
      require(!batching, OML_E_INVALID_PARAMETERS,
          "batching needs a prime plain modulus of at most 60 bits");
      parms.set_plain_modulus(1ULL << 59);
    } else if (scheme == OML_SCHEME_BFV) {
      parms.set_plain_modulus(plain);
    }
    auto c = std::make_unique<oml_context>(parms);
    require(c->ctx.parameters_set(), OML_E_INVALID_PARAMETERS,
        std::string("SEAL refuses the parameters: ") + c->ctx.parameter_error_message());
    c->scheme = scheme;
    c->n = n;
    c->top = static_cast<int>(count) - 1;
    c->t = plain;
    c->wide_t = wide;
    c->extra_prime = extra;
    c->levels.assign(count, parms_id_zero);
    size_t found = 0;
    for (auto cd = c->ctx.first_context_data(); cd; cd = cd->next_context_data()) {
      size_t idx = cd->chain_index();
      require(idx < count, OML_E_INVALID_PARAMETERS, "unexpected SEAL modulus chain");
      c->levels[idx] = cd->parms_id();
      found++;
    }
    require(found == count && c->ctx.first_context_data()->chain_index() == count - 1,
        OML_E_INVALID_PARAMETERS, "SEAL cannot use every level of these parameters");
    c->evaluator = std::make_unique<Evaluator>(c->ctx);
    if (scheme == OML_SCHEME_BFV && batching) {
      require(c->ctx.first_context_data()->qualifiers().using_batching,
          OML_E_INVALID_PARAMETERS, "the plain modulus does not support batching");
      c->batch = std::make_unique<BatchEncoder>(c->ctx);
      c->batching = true;
    }
    if (scheme == OML_SCHEME_CKKS) {
      c->ckks = std::make_unique<CKKSEncoder>(c->ctx);
    }
    *out = c.release();
  });
}

void oml_context_destroy(oml_context *ctx) { delete ctx; }

oml_status oml_secret_key_create(const oml_context *c, oml_secret_key **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    KeyGenerator kg(c->ctx);
    auto sk = std::make_unique<oml_secret_key>();
    sk->key = kg.secret_key();
    *out = sk.release();
  });
}

void oml_secret_key_destroy(oml_secret_key *sk) { delete sk; }

oml_status oml_public_key_create(const oml_context *c, const oml_secret_key *sk,
    oml_public_key **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_sk(c, sk);
    KeyGenerator kg(c->ctx, sk->key);
    auto pk = std::make_unique<oml_public_key>();
    kg.create_public_key(pk->key);
    if (c->extra_prime) {
      // Never keep the key-level residues: the object equals what a load would give.
      size_t data = (c->top + 1) * c->n;
      size_t full = pk->key.data().coeff_modulus_size() * c->n;
      for (size_t j = 0; j < 2; j++) {
        std::fill(pk->key.data().data() + j * full + data, pk->key.data().data() + (j + 1) * full,
            0);
      }
    }
    *out = pk.release();
  });
}

void oml_public_key_destroy(oml_public_key *pk) { delete pk; }

oml_status oml_relin_keys_create(const oml_context *c, const oml_secret_key *sk,
    oml_relin_keys **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_sk(c, sk);
    require(!c->extra_prime && c->ctx.using_keyswitching(), OML_E_INCOMPATIBLE,
        "these parameters have no special prime: no relinearization keys");
    KeyGenerator kg(c->ctx, sk->key);
    auto rk = std::make_unique<oml_relin_keys>();
    kg.create_relin_keys(rk->keys);
    *out = rk.release();
  });
}

void oml_relin_keys_destroy(oml_relin_keys *rk) { delete rk; }

namespace {
uint32_t galois_element(const oml_context *c, int32_t steps) {
  int64_t half = static_cast<int64_t>(c->n / 2);
  int64_t s = ((static_cast<int64_t>(steps) % half) + half) % half;
  return c->ctx.key_context_data()->galois_tool()->get_elt_from_step(static_cast<int>(s));
}
}  // namespace

oml_status oml_galois_keys_create(const oml_context *c, const oml_secret_key *sk,
    const int32_t *steps, size_t count, int32_t conjugation, oml_galois_keys **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_sk(c, sk);
    require(count == 0 || steps != nullptr, OML_E_INVALID_ARGUMENT, "steps is null");
    require(!c->extra_prime && c->ctx.using_keyswitching(), OML_E_INCOMPATIBLE,
        "these parameters have no special prime: no Galois keys");
    require(is_ckks(c) || c->batching, OML_E_INCOMPATIBLE,
        "rotations need CKKS or BFV with batching");
    std::vector<uint32_t> elts;
    int64_t half = static_cast<int64_t>(c->n / 2);
    for (size_t i = 0; i < count; i++) {
      if (((static_cast<int64_t>(steps[i]) % half) + half) % half != 0) {
        elts.push_back(galois_element(c, steps[i]));
      }
    }
    if (conjugation) {
      require(is_ckks(c), OML_E_INCOMPATIBLE, "conjugation keys need CKKS");
      elts.push_back(static_cast<uint32_t>(2 * c->n - 1));
    }
    std::sort(elts.begin(), elts.end());
    elts.erase(std::unique(elts.begin(), elts.end()), elts.end());
    KeyGenerator kg(c->ctx, sk->key);
    auto gk = std::make_unique<oml_galois_keys>();
    kg.create_galois_keys(elts, gk->keys);
    *out = gk.release();
  });
}

oml_status oml_galois_keys_elements(const oml_galois_keys *gk, uint32_t *out, size_t cap,
    size_t *count) {
  return oml::guard([&] {
    need(gk, "Galois keys");
    need(count, "count");
    size_t k = 0;
    const auto &data = gk->keys.data();
    for (size_t i = 0; i < data.size(); i++) {
      if (!data[i].empty()) {
        if (k < cap) {
          need(out, "out");
          out[k] = static_cast<uint32_t>(2 * i + 1);
        }
        k++;
      }
    }
    *count = k;
  });
}

void oml_galois_keys_destroy(oml_galois_keys *gk) { delete gk; }

oml_status oml_plaintext_bfv_encode(const oml_context *c, const uint64_t *values, size_t count,
    oml_plaintext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(count == 0 || values != nullptr, OML_E_INVALID_ARGUMENT, "values is null");
    require(!is_ckks(c), OML_E_INCOMPATIBLE, "BFV encoding needs BFV parameters");
    require(count <= c->n, OML_E_INVALID_ARGUMENT, "more values than the ring degree");
    for (size_t i = 0; i < count; i++) {
      require(values[i] < c->t, OML_E_INVALID_ARGUMENT, "value not reduced modulo t");
    }
    auto p = std::make_unique<oml_plaintext>();
    if (c->batching) {
      std::vector<uint64_t> v(values, values + count);
      c->batch->encode(v, p->pt);
    } else {
      p->pt.resize(c->n);
      p->pt.set_zero();
      std::copy_n(values, count, p->pt.data());
    }
    *out = p.release();
  });
}

oml_status oml_plaintext_bfv_decode(const oml_context *c, const oml_plaintext *p, uint64_t *out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(!is_ckks(c), OML_E_INCOMPATIBLE, "BFV decoding needs BFV parameters");
    check_pt(c, p);
    if (c->batching) {
      std::vector<uint64_t> v;
      c->batch->decode(p->pt, v);
      std::copy_n(v.data(), c->n, out);
    } else {
      size_t have = p->pt.coeff_count();
      for (size_t i = 0; i < c->n; i++) {
        out[i] = i < have ? p->pt[i] : 0;
      }
    }
  });
}

oml_status oml_plaintext_ckks_encode(const oml_context *c, const double *re, const double *im,
    size_t count, double scale, int32_t level, oml_plaintext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "CKKS encoding needs CKKS parameters");
    require(count == 0 || re != nullptr, OML_E_INVALID_ARGUMENT, "values are null");
    require(count <= c->n / 2, OML_E_INVALID_ARGUMENT, "more values than slots");
    require(scale >= 1.0 && std::isfinite(scale), OML_E_INCOMPATIBLE,
        "scale must be finite and at least 1");
    require(level >= 0 && level <= c->top, OML_E_INCOMPATIBLE, "level outside the chain");
    std::vector<std::complex<double>> z(c->n / 2);
    double max = 0;
    for (size_t i = 0; i < count; i++) {
      z[i] = std::complex<double>(re[i], im ? im[i] : 0.0);
      double m = std::abs(z[i]);
      max = m > max || std::isnan(m) ? m : max;
    }
    // Every coefficient of the inverse embedding is at most the largest slot in magnitude, so
    // this bound keeps scaled coefficients below a quarter of the level's modulus, as the Java
    // engine requires; SEAL writes coefficients above 64 bits in several words.
    int bits = c->ctx.get_context_data(c->levels[level])->total_coeff_modulus_bit_count();
    require(max * scale < std::ldexp(1.0, bits - 2), OML_E_INCOMPATIBLE,
        "value times scale does not fit the modulus at this level: lower the scale or the values");
    auto p = std::make_unique<oml_plaintext>();
    c->ckks->encode(z, c->levels[level], scale, p->pt);
    *out = p.release();
  });
}

oml_status oml_plaintext_ckks_from_rns(const oml_context *c, const uint64_t *residues,
    size_t count, double scale, int32_t level, oml_plaintext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(residues, "residues");
    need(out, "out");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "CKKS plaintexts need CKKS parameters");
    require(scale >= 1.0 && std::isfinite(scale), OML_E_INCOMPATIBLE,
        "scale must be finite and at least 1");
    require(level >= 0 && level <= c->top, OML_E_INCOMPATIBLE, "level outside the chain");
    const auto &mods = c->ctx.get_context_data(c->levels[level])->parms().coeff_modulus();
    size_t primes = mods.size();
    size_t n = c->n;
    require(count == primes * n, OML_E_INVALID_ARGUMENT,
        "one residue per coefficient and prime of the level");
    auto p = std::make_unique<oml_plaintext>();
    p->pt.parms_id() = parms_id_zero;
    p->pt.resize(primes * n);
    for (size_t i = 0; i < primes; i++) {
      for (size_t x = 0; x < n; x++) {
        uint64_t v = residues[i * n + x];
        require(v < mods[i].value(), OML_E_INVALID_ARGUMENT, "residue not below its prime");
        p->pt[i * n + x] = v;
      }
    }
    ntt(c, p->pt.data(), primes, true);
    p->pt.parms_id() = c->levels[level];
    p->pt.scale() = scale;
    *out = p.release();
  });
}

oml_status oml_plaintext_ckks_decode(const oml_context *c, const oml_plaintext *p, double *re,
    double *im) {
  return oml::guard([&] {
    need(c, "context");
    need(re, "real");
    need(im, "imag");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "CKKS decoding needs CKKS parameters");
    check_pt(c, p);
    std::vector<std::complex<double>> z;
    c->ckks->decode(p->pt, z);
    for (size_t i = 0; i < c->n / 2; i++) {
      re[i] = z[i].real();
      im[i] = z[i].imag();
    }
  });
}

void oml_plaintext_destroy(oml_plaintext *p) { delete p; }

oml_status oml_encrypt_public(const oml_context *c, const oml_public_key *pk,
    const oml_plaintext *p, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_pk(c, pk);
    require(check_pt(c, p) == c->top, OML_E_INCOMPATIBLE,
        "plaintext level below the encryption level");
    Ciphertext ct;
    if (!c->extra_prime && !c->wide_t) {
      Encryptor enc(c->ctx, pk->key);
      enc.encrypt(p->pt, ct);
    } else {
      ct = encrypt_zero_public(c, pk->key, c->top);
      auto cd = c->ctx.first_context_data();
      if (is_ckks(c)) {
        const auto &mods = cd->parms().coeff_modulus();
        for (size_t i = 0; i < mods.size(); i++) {
          util::add_poly_coeffmod(util::ConstCoeffIter(ct.data(0) + i * c->n),
              util::ConstCoeffIter(p->pt.data() + i * c->n), c->n, mods[i],
              util::CoeffIter(ct.data(0) + i * c->n));
        }
        ct.scale() = p->pt.scale();
      } else {
        add_scaled_plain(c, p->pt, c->levels[c->top], ct.data(0));
      }
    }
    *out = wrap(std::move(ct));
  });
}

oml_status oml_encrypt_symmetric(const oml_context *c, const oml_secret_key *sk,
    const oml_plaintext *p, int32_t seeded, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_sk(c, sk);
    require(check_pt(c, p) == c->top, OML_E_INCOMPATIBLE,
        "plaintext level below the encryption level");
    Encryptor enc(c->ctx, sk->key);
    auto x = std::make_unique<oml_ciphertext>();
    if (c->wide_t) {
      // SEAL's Encryptor would scale by its stand-in: encrypt zero (with the second
      // component as a seed when asked) and scale the plaintext in with OML's t.
      Ciphertext d;
      d.resize(c->ctx, c->levels[c->top], 2);
      util::encrypt_zero_symmetric(sk->key, c->ctx, c->levels[c->top], false, seeded != 0, d);
      add_scaled_plain(c, p->pt, c->levels[c->top], d.data(0));
      if (seeded) {
        x->seeded.resize(static_cast<size_t>(d.save_size(compr_mode_type::none)));
        auto used = d.save(x->seeded.data(), x->seeded.size(), compr_mode_type::none);
        x->seeded.resize(static_cast<size_t>(used));
        x->ct.load(c->ctx, x->seeded.data(), x->seeded.size());
      } else {
        x->ct = std::move(d);
      }
    } else if (seeded) {
      auto compact = enc.encrypt_symmetric(p->pt);
      x->seeded.resize(static_cast<size_t>(compact.save_size(compr_mode_type::none)));
      auto used = compact.save(x->seeded.data(), x->seeded.size(), compr_mode_type::none);
      x->seeded.resize(static_cast<size_t>(used));
      x->ct.load(c->ctx, x->seeded.data(), x->seeded.size());
    } else {
      enc.encrypt_symmetric(p->pt, x->ct);
    }
    *out = x.release();
  });
}

namespace {
// The phase c_0 + c_1 s + ... in coefficient form, [prime][coefficient].
std::vector<uint64_t> phase_rows(const oml_context *c, const oml_secret_key *sk,
    const Ciphertext &ct, int level) {
  size_t n = c->n;
  size_t primes = static_cast<size_t>(level) + 1;
  const auto &mods = c->ctx.get_context_data(ct.parms_id())->parms().coeff_modulus();
  const uint64_t *s = sk->key.data().data();  // NTT form, key level; data levels are a prefix
  std::vector<uint64_t> acc(primes * n), spow(s, s + primes * n), tmp(n);
  for (size_t j = 0; j < ct.size(); j++) {
    for (size_t i = 0; i < primes; i++) {
      std::copy_n(ct.data(j) + i * n, n, tmp.data());
      if (!ct.is_ntt_form()) {
        util::ntt_negacyclic_harvey(util::CoeffIter(tmp.data()),
            c->ctx.first_context_data()->small_ntt_tables()[i]);
      }
      if (j > 0) {
        util::dyadic_product_coeffmod(util::ConstCoeffIter(tmp.data()),
            util::ConstCoeffIter(spow.data() + i * n), n, mods[i], util::CoeffIter(tmp.data()));
      }
      util::add_poly_coeffmod(util::ConstCoeffIter(acc.data() + i * n),
          util::ConstCoeffIter(tmp.data()), n, mods[i], util::CoeffIter(acc.data() + i * n));
      if (j > 0 && j + 1 < ct.size()) {
        util::dyadic_product_coeffmod(util::ConstCoeffIter(spow.data() + i * n),
            util::ConstCoeffIter(s + i * n), n, mods[i], util::CoeffIter(spow.data() + i * n));
      }
    }
  }
  ntt(c, acc.data(), primes, false);
  return acc;
}

// BFV decryption with OML's t where SEAL only holds a stand-in: round(t x / Q) mod t of the
// phase x. With y_i = [x_i (Q/q_i)^-1]_{q_i}, x = sum y_i Q/q_i - v Q for an integer v, so
// t x / Q = sum y_i t / q_i mod t: integer parts are summed modulo t, fractional parts as
// long doubles, and a coefficient whose fraction lies within 2^-40 of a rounding boundary
// (noise at the very edge of Delta / 2) is recomputed exactly in multiprecision.
void decrypt_wide(const oml_context *c, const oml_secret_key *sk, const Ciphertext &ct,
    int level, Plaintext &out) {
  size_t n = c->n;
  size_t k = static_cast<size_t>(level) + 1;
  uint64_t t = c->t;
  std::vector<uint64_t> x = phase_rows(c, sk, ct, level);
  auto cd = c->ctx.get_context_data(ct.parms_id());
  const auto &mods = cd->parms().coeff_modulus();
  std::vector<uint64_t> hat_inv(k);
  for (size_t i = 0; i < k; i++) {
    uint64_t qi = mods[i].value();
    unsigned __int128 h = 1;
    for (size_t j = 0; j < k; j++) {
      if (j != i) {
        h = h * (mods[j].value() % qi) % qi;
      }
    }
    require(util::try_invert_uint_mod(static_cast<uint64_t>(h), mods[i], hat_inv[i]),
        OML_E_INTERNAL, "primes are not coprime");
  }
  out.resize(n);
  std::vector<size_t> edge;
  for (size_t j = 0; j < n; j++) {
    unsigned __int128 whole = 0;
    long double frac = 0;
    for (size_t i = 0; i < k; i++) {
      uint64_t qi = mods[i].value();
      uint64_t y = static_cast<uint64_t>(
          static_cast<unsigned __int128>(x[i * n + j]) * hat_inv[i] % qi);
      unsigned __int128 prod = static_cast<unsigned __int128>(y) * t;
      whole += prod / qi;
      frac += static_cast<long double>(static_cast<uint64_t>(prod % qi)) / qi;
    }
    long double f = frac - std::floor(frac);
    if (std::fabs(f - 0.5L) < 0x1p-40L) {
      edge.push_back(j);
      continue;
    }
    whole += static_cast<unsigned __int128>(std::llround(frac));
    out[j] = static_cast<uint64_t>(whole % t);
  }
  if (edge.empty()) {
    return;
  }
  auto pool = MemoryManager::GetPool();
  cd->rns_tool()->base_q()->compose_array(x.data(), n, pool);
  std::vector<uint64_t> q(k + 1, 0), half(k + 1, 0), num(k + 1), quo(k + 1);
  std::copy_n(cd->total_coeff_modulus(), k, q.data());
  util::right_shift_uint(q.data(), 1, k + 1, half.data());
  for (size_t j : edge) {
    util::multiply_uint(x.data() + j * k, k, t, k + 1, num.data());
    util::add_uint(num.data(), half.data(), k + 1, num.data());
    util::divide_uint_inplace(num.data(), q.data(), k + 1, quo.data(), pool);
    out[j] = quo[0] % t;  // x < Q, so the quotient is at most t
  }
}
}  // namespace

oml_status oml_decrypt(const oml_context *c, const oml_secret_key *sk, const oml_ciphertext *x,
    oml_plaintext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_sk(c, sk);
    int level = check_any_ct(c, x);
    auto p = std::make_unique<oml_plaintext>();
    if (c->wide_t) {
      decrypt_wide(c, sk, x->ct, level, p->pt);
    } else {
      Decryptor dec(c->ctx, sk->key);
      dec.decrypt(x->ct, p->pt);
    }
    *out = p.release();
  });
}

oml_status oml_decrypt_phase(const oml_context *c, const oml_secret_key *sk,
    const oml_ciphertext *x, uint64_t *out, size_t out_len) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_sk(c, sk);
    int level = check_any_ct(c, x);
    require(out_len == (static_cast<size_t>(level) + 1) * c->n, OML_E_INVALID_ARGUMENT,
        "output length must be (level+1)*N");
    std::vector<uint64_t> acc = phase_rows(c, sk, x->ct, level);
    std::copy(acc.begin(), acc.end(), out);
  });
}

oml_status oml_ciphertext_info(const oml_context *c, const oml_ciphertext *x, int64_t *info,
    double *scale) {
  return oml::guard([&] {
    need(c, "context");
    need(info, "info");
    need(scale, "scale");
    info[0] = check_any_ct(c, x);
    info[1] = static_cast<int64_t>(x->ct.size());
    info[2] = x->ct.is_ntt_form() ? 1 : 0;
    info[3] = x->seeded.empty() ? 0 : 1;
    info[4] = static_cast<int64_t>(x->kept.size());
    *scale = x->ct.scale();
  });
}

oml_status oml_ciphertext_export(const oml_context *c, const oml_ciphertext *x, uint64_t *out,
    size_t out_len) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    int level = check_any_ct(c, x);
    size_t per = (static_cast<size_t>(level) + 1) * c->n;
    require(out_len == per * x->ct.size(), OML_E_INVALID_ARGUMENT,
        "output length must be size*(level+1)*N");
    std::copy_n(x->ct.data(), out_len, out);
    if (x->ct.is_ntt_form()) {
      for (size_t j = 0; j < x->ct.size(); j++) {
        ntt(c, out + j * per, static_cast<size_t>(level) + 1, false);
      }
    }
  });
}

void oml_ciphertext_destroy(oml_ciphertext *x) { delete x; }

oml_status oml_evaluator_add(const oml_context *c, const oml_ciphertext *a,
    const oml_ciphertext *b, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_ct(c, a);
    check_ct(c, b);
    Ciphertext r;
    c->evaluator->add(a->ct, b->ct, r);
    *out = wrap(std::move(r));
  });
}

oml_status oml_evaluator_sub(const oml_context *c, const oml_ciphertext *a,
    const oml_ciphertext *b, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_ct(c, a);
    check_ct(c, b);
    require(a->ct.parms_id() == b->ct.parms_id(), OML_E_INCOMPATIBLE,
        "operands at different levels");
    Ciphertext r;
    c->evaluator->sub(a->ct, b->ct, r);
    *out = wrap(std::move(r));
  });
}

oml_status oml_evaluator_negate(const oml_context *c, const oml_ciphertext *a,
    oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_ct(c, a);
    Ciphertext r;
    c->evaluator->negate(a->ct, r);
    *out = wrap(std::move(r));
  });
}

namespace {
// A CKKS plaintext may sit above the ciphertext's level: drop its extra primes.
Plaintext plain_at(const oml_context *c, const oml_plaintext *p, int pl, int level) {
  require(pl >= level, OML_E_INCOMPATIBLE, "plaintext level below the ciphertext level");
  Plaintext q = p->pt;
  if (is_ckks(c) && pl > level) {
    c->evaluator->mod_switch_to_inplace(q, c->levels[level]);
  }
  return q;
}
}  // namespace

oml_status oml_evaluator_add_plain(const oml_context *c, const oml_ciphertext *a,
    const oml_plaintext *p, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    int level = check_ct(c, a);
    Plaintext q = plain_at(c, p, check_pt(c, p), level);
    Ciphertext r;
    if (c->wide_t) {
      r = a->ct;
      add_scaled_plain(c, q, r.parms_id(), r.data(0));
    } else {
      c->evaluator->add_plain(a->ct, q, r);
    }
    *out = wrap(std::move(r));
  });
}

namespace {
// How many products below q^2 a 128-bit accumulator holds before it must be reduced.
size_t terms_per_fold(size_t count, const Modulus &q) {
  unsigned __int128 q2 = static_cast<unsigned __int128>(q.value()) * q.value();
  return static_cast<size_t>(
      std::min<unsigned __int128>(count, (static_cast<unsigned __int128>(1) << 127) / q2));
}

// Reduces len 128-bit sums modulo q in place (each result below q).
void fold(unsigned __int128 *z, size_t len, const Modulus &q) {
  for (size_t t = 0; t < len; t++) {
    uint64_t words[2] = {static_cast<uint64_t>(z[t]), static_cast<uint64_t>(z[t] >> 64)};
    z[t] = util::barrett_reduce_128(words, q);
  }
}
}  // namespace

namespace {
// The product of an NTT-form BFV ciphertext with a lifted, transformed plaintext, returned in
// coefficient form (BFV's representation).
Ciphertext bfv_product_ntt(const oml_context *c, const Ciphertext &an,
    const std::vector<uint64_t> &lift) {
  const auto &mods = c->ctx.get_context_data(an.parms_id())->parms().coeff_modulus();
  size_t primes = mods.size();
  Ciphertext r(c->ctx, an.parms_id());
  r.resize(an.size());
  for (size_t j = 0; j < an.size(); j++) {
    for (size_t k = 0; k < primes; k++) {
      util::dyadic_product_coeffmod(util::ConstCoeffIter(an.data(j) + k * c->n),
          util::ConstCoeffIter(lift.data() + k * c->n), c->n, mods[k],
          util::CoeffIter(r.data(j) + k * c->n));
    }
    ntt(c, r.data(j), primes, false);
  }
  return r;
}

Ciphertext multiply_plain_one(const oml_context *c, const oml_ciphertext *a,
    const oml_plaintext *p) {
  int level = check_ct(c, a);
  Plaintext q = plain_at(c, p, check_pt(c, p), level);
  Ciphertext r;
  if (q.is_zero()) {
    // SEAL refuses to produce a 'transparent' product; the Java engine returns an encryption
    // of zero, and so do we (it is public knowledge that the product with zero is zero).
    r = Ciphertext(c->ctx, a->ct.parms_id());
    r.resize(a->ct.size());
    std::fill(r.data(), r.data() + r.size() * r.coeff_modulus_size() * c->n, 0);
    r.is_ntt_form() = a->ct.is_ntt_form();
    r.scale() = a->ct.scale() * q.scale();
    return r;
  }
  if (!is_ckks(c) && c->wide_t) {
    // SEAL would lift the plaintext with its stand-in t: lift it here.
    Ciphertext an = a->ct;
    for (size_t j = 0; j < an.size(); j++) {
      ntt(c, an.data(j), an.coeff_modulus_size(), true);
    }
    return bfv_product_ntt(c, an, lifted_ntt(c, q, an.parms_id()));
  }
  c->evaluator->multiply_plain(a->ct, q, r);
  return r;
}
}  // namespace

oml_status oml_evaluator_multiply_plain(const oml_context *c, const oml_ciphertext *a,
    const oml_plaintext *p, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    *out = wrap(multiply_plain_one(c, a, p));
  });
}

oml_status oml_evaluator_multiply_constant_sums(const oml_context *c,
    const oml_ciphertext *const *a, size_t count, const int64_t *constants, size_t rows,
    double constant_scale, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "sums of constant products need CKKS");
    require(count > 0 && a != nullptr && (rows == 0 || constants != nullptr),
        OML_E_INVALID_ARGUMENT, "operand arrays are null or empty");
    int level = check_ct(c, a[0]);
    for (size_t i = 0; i < count; i++) {
      require(check_ct(c, a[i]) == level && a[i]->ct.size() == 2 && a[i]->ct.is_ntt_form()
          && a[i]->ct.scale() == a[0]->ct.scale(), OML_E_INCOMPATIBLE,
          "constant sums need size-two ciphertexts at one level and scale");
    }
    auto data = c->ctx.get_context_data(a[0]->ct.parms_id());
    const auto &mods = data->parms().coeff_modulus();
    size_t k = mods.size();
    size_t n = c->n;
    std::vector<std::unique_ptr<oml_ciphertext>> results;
    results.reserve(rows);
    std::vector<Ciphertext> res(rows);
    for (size_t j = 0; j < rows; j++) {
      res[j] = Ciphertext(c->ctx, a[0]->ct.parms_id());
      res[j].resize(2);
      std::fill(res[j].data(), res[j].data() + 2 * k * n, 0);
      res[j].is_ntt_form() = true;
      res[j].scale() = a[0]->ct.scale() * constant_scale;
    }
    // Products summed as 128-bit integers, reduced once per group of inputs (each product is
    // below q^2, so 2^127 / q^2 of them fit), over tiles of coefficients and blocks of rows so
    // that the accumulators stay in cache while the inputs stream by.
    const size_t tile = 512;
    const size_t block = 16;
    std::vector<unsigned __int128> acc(block * 2 * tile);
    std::vector<uint64_t> cm(block * count);
    for (size_t m = 0; m < k; m++) {
      const Modulus &q = mods[m];
      uint64_t qv = q.value();
      size_t group = terms_per_fold(count, q);
      for (size_t j0 = 0; j0 < rows; j0 += block) {
        size_t j1 = std::min(rows, j0 + block);
        for (size_t j = j0; j < j1; j++) {
          for (size_t i = 0; i < count; i++) {
            int64_t v = constants[j * count + i];
            uint64_t r = static_cast<uint64_t>(v < 0 ? -(v + 1) : v) % qv;  // |v| - 1 for v < 0
            cm[(j - j0) * count + i] = v < 0 ? (qv - 1 - r) % qv : r;
          }
        }
        for (size_t t0 = 0; t0 < n; t0 += tile) {
          size_t t1 = std::min(n, t0 + tile);
          size_t len = t1 - t0;
          std::fill(acc.begin(), acc.end(), 0);
          for (size_t i0 = 0; i0 < count; i0 += group) {
            size_t i1 = std::min(count, i0 + group);
            for (size_t i = i0; i < i1; i++) {
              for (size_t comp = 0; comp < 2; comp++) {
                const uint64_t *x = a[i]->ct.data(comp) + m * n + t0;
                for (size_t j = j0; j < j1; j++) {
                  uint64_t w = cm[(j - j0) * count + i];
                  if (w == 0) {
                    continue;
                  }
                  unsigned __int128 *z = acc.data() + ((j - j0) * 2 + comp) * tile;
                  for (size_t t = 0; t < len; t++) {
                    z[t] += static_cast<unsigned __int128>(x[t]) * w;
                  }
                }
              }
            }
            // Fold the group into its residue, which is below q.
            for (size_t j = j0; j < j1; j++) {
              for (size_t comp = 0; comp < 2; comp++) {
                fold(acc.data() + ((j - j0) * 2 + comp) * tile, len, q);
              }
            }
          }
          for (size_t j = j0; j < j1; j++) {
            for (size_t comp = 0; comp < 2; comp++) {
              const unsigned __int128 *z = acc.data() + ((j - j0) * 2 + comp) * tile;
              uint64_t *dst = res[j].data(comp) + m * n + t0;
              for (size_t t = 0; t < len; t++) {
                dst[t] = static_cast<uint64_t>(z[t]);
              }
            }
          }
        }
      }
    }
    for (size_t j = 0; j < rows; j++) {
      results.emplace_back(wrap(std::move(res[j])));
    }
    for (size_t j = 0; j < rows; j++) {
      out[j] = results[j].release();
    }
  });
}

oml_status oml_evaluator_multiply_plain_many(const oml_context *c,
    const oml_ciphertext *const *a, const oml_plaintext *const *p, size_t count,
    oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(count == 0 || (a != nullptr && p != nullptr), OML_E_INVALID_ARGUMENT,
        "operand arrays are null");
    std::vector<std::unique_ptr<oml_ciphertext>> results;
    results.reserve(count);
    if (is_ckks(c)) {
      for (size_t i = 0; i < count; i++) {
        results.emplace_back(wrap(multiply_plain_one(c, a[i], p[i])));
      }
    } else {
      // BFV ciphertexts live in coefficient form, and a batch typically multiplies one
      // ciphertext by many plaintexts: transform each distinct ciphertext once, each plaintext
      // once (SEAL's centered lift), multiply in the NTT domain, and transform back.
      std::unordered_map<const oml_ciphertext *, Ciphertext> transformed;
      std::vector<uint64_t> tmp(c->n);
      for (size_t i = 0; i < count; i++) {
        int level = check_ct(c, a[i]);
        check_pt(c, p[i]);
        if (p[i]->pt.is_zero()) {
          results.emplace_back(wrap(multiply_plain_one(c, a[i], p[i])));
          continue;
        }
        size_t primes = static_cast<size_t>(level) + 1;
        auto it = transformed.find(a[i]);
        if (it == transformed.end()) {
          Ciphertext t = a[i]->ct;
          for (size_t j = 0; j < t.size(); j++) {
            ntt(c, t.data(j), primes, true);
          }
          it = transformed.emplace(a[i], std::move(t)).first;
        }
        const Ciphertext &an = it->second;
        results.emplace_back(wrap(bfv_product_ntt(c, an, lifted_ntt(c, p[i]->pt, an.parms_id()))));
      }
    }
    for (size_t i = 0; i < count; i++) {
      out[i] = results[i].release();
    }
  });
}

namespace {
Ciphertext galois_threads(const oml_context *c, const Ciphertext &a, uint32_t elt,
    const GaloisKeys &gk, size_t threads);

// Whether a one-thread CKKS rotation, conjugation, relinearization or rescale is done here
// (galois_threads, relinearize_threads, rescale_threads on one thread) instead of by SEAL's
// evaluator, with the same residues byte for byte: where the AVX-512 transforms make ours the
// faster, unless the environment variable OML_SEAL_REFERENCE is "1" (tests compare the native
// operations against SEAL's own that way).
bool own_key_switch(const oml_context *c, const Ciphertext &a) {
  static const bool reference = [] {
    const char *env = std::getenv("OML_SEAL_REFERENCE");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }();
  return is_ckks(c) && a.is_ntt_form() && oml::ntt_simd_enabled() && !reference;
}

Ciphertext relinearize_threads(const oml_context *c, const Ciphertext &a, const RelinKeys &rk,
    size_t threads);
Ciphertext rescale_threads(const oml_context *c, const Ciphertext &a, size_t threads);
}  // namespace

oml_status oml_evaluator_multiply(const oml_context *c, const oml_ciphertext *a,
    const oml_ciphertext *b, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_ct(c, a);
    check_ct(c, b);
    require(a->ct.size() == 2 && b->ct.size() == 2, OML_E_INCOMPATIBLE,
        "multiply needs relinearized (size-2) operands");
    require(!c->wide_t, OML_E_INCOMPATIBLE,
        "SEAL multiplies BFV ciphertexts only for plain moduli of at most 60 bits");
    Ciphertext r;
    c->evaluator->multiply(a->ct, b->ct, r);
    *out = wrap(std::move(r));
  });
}

oml_status oml_evaluator_relinearize(const oml_context *c, const oml_ciphertext *a,
    const oml_relin_keys *rk, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    need(rk, "relinearization keys");
    check_ct(c, a);
    require(rk->keys.parms_id() == c->ctx.key_parms_id(), OML_E_CONTEXT_MISMATCH,
        "relinearization keys made under other parameters");
    require(a->ct.size() == 3, OML_E_INCOMPATIBLE, "relinearize needs a size-3 ciphertext");
    Ciphertext r;
    if (own_key_switch(c, a->ct)) {
      r = relinearize_threads(c, a->ct, rk->keys, 1);
    } else {
      c->evaluator->relinearize(a->ct, rk->keys, r);
    }
    *out = wrap(std::move(r));
  });
}

namespace {
// A rotation by steps as a left rotation in [0, N/2).
int normalized_steps(const oml_context *c, int32_t steps) {
  int64_t half = static_cast<int64_t>(c->n / 2);
  return static_cast<int>(((static_cast<int64_t>(steps) % half) + half) % half);
}

// SEAL would otherwise compose a rotation from power-of-two keys; require the exact key, as the
// Java engine does, so both backends accept the same calls.
void require_rotation_key(const oml_context *c, int32_t steps, const oml_galois_keys *gk) {
  int s = normalized_steps(c, steps);
  require(s == 0 || gk->keys.has_key(galois_element(c, s)), OML_E_INCOMPATIBLE,
      "no Galois key for a rotation by " + std::to_string(steps) + " steps");
}


Ciphertext rotate_one(const oml_context *c, const oml_ciphertext *a, int32_t steps,
    const oml_galois_keys *gk) {
  int s = normalized_steps(c, steps);
  Ciphertext r;
  if (s == 0) {
    r = a->ct;
  } else {
    require_rotation_key(c, steps, gk);
    if (own_key_switch(c, a->ct)) {
      r = galois_threads(c, a->ct, galois_element(c, s), gk->keys, 1);
    } else if (is_ckks(c)) {
      c->evaluator->rotate_vector(a->ct, s, gk->keys, r);
    } else {
      c->evaluator->rotate_rows(a->ct, s, gk->keys, r);
    }
  }
  return r;
}

void check_rotation(const oml_context *c, const oml_ciphertext *a, const oml_galois_keys *gk) {
  need(gk, "Galois keys");
  check_ct(c, a);
  require(gk->keys.parms_id() == c->ctx.key_parms_id(), OML_E_CONTEXT_MISMATCH,
      "Galois keys made under other parameters");
  require(is_ckks(c) || c->batching, OML_E_INCOMPATIBLE, "rotateRows needs BATCHING encoding");
  require(a->ct.size() == 2, OML_E_INCOMPATIBLE,
      "rotation needs a relinearized (size-2) ciphertext");
}
}  // namespace

oml_status oml_evaluator_rotate(const oml_context *c, const oml_ciphertext *a, int32_t steps,
    const oml_galois_keys *gk, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_rotation(c, a, gk);
    *out = wrap(rotate_one(c, a, steps, gk));
  });
}

oml_status oml_evaluator_rotate_many(const oml_context *c, const oml_ciphertext *a,
    const int32_t *steps, size_t count, const oml_galois_keys *gk, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(count == 0 || steps != nullptr, OML_E_INVALID_ARGUMENT, "steps is null");
    check_rotation(c, a, gk);
    // Every key is checked before any work, so a missing one fails the call without results.
    for (size_t k = 0; k < count; k++) {
      require_rotation_key(c, steps[k], gk);
    }
    // SEAL has no public hoisting: each rotation does its own key-switch decomposition.
    std::vector<std::unique_ptr<oml_ciphertext>> results;
    results.reserve(count);
    for (size_t k = 0; k < count; k++) {
      results.emplace_back(wrap(rotate_one(c, a, steps[k], gk)));
    }
    for (size_t k = 0; k < count; k++) {
      out[k] = results[k].release();
    }
  });
}

extern "C++" {
namespace {
// Key switches on several threads (ABI 7). The first index of part p of [0, count) split into
// parts contiguous ranges (part parts is count).
size_t part_begin(size_t count, size_t parts, size_t p) { return count * p / parts; }

// A thread of the library's own that runs one task at a time and waits on a condition variable
// in between: a woken thread is scheduled at once, where a new thread would queue behind the
// machine's other work, so a key switch can be split at a cost of microseconds. Workers are
// made on first use and kept (parked, no CPU) for the life of the process. A task posted and
// not yet started can be taken back (share() does, when the caller has done every item).
class Worker {
 public:
  Worker() : thread_([this] { loop(); }) { thread_.detach(); }

  void post(const std::function<void()> *task) {
    std::lock_guard<std::mutex> lock(m_);
    task_ = task;
    done_ = false;
    cv_.notify_all();
  }

  // True if the posted task had not started and now never will.
  bool take_back() {
    std::lock_guard<std::mutex> lock(m_);
    if (task_ == nullptr) {
      return false;
    }
    task_ = nullptr;
    done_ = true;
    return true;
  }

  void wait() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return done_; });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      cv_.wait(lock, [&] { return task_ != nullptr; });
      const std::function<void()> *task = task_;
      task_ = nullptr;  // started: no longer taken back
      lock.unlock();
      (*task)();  // never throws: share()'s tasks catch everything
      lock.lock();
      done_ = true;
      cv_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  const std::function<void()> *task_ = nullptr;
  bool done_ = true;
  std::thread thread_;
};

std::mutex idle_workers_mutex;
std::vector<Worker *> idle_workers;

Worker *take_worker() {
  {
    std::lock_guard<std::mutex> lock(idle_workers_mutex);
    if (!idle_workers.empty()) {
      Worker *w = idle_workers.back();
      idle_workers.pop_back();
      return w;
    }
  }
  return new Worker();  // kept for the life of the process
}

void give_back(Worker *w) {
  std::lock_guard<std::mutex> lock(idle_workers_mutex);
  idle_workers.push_back(w);
}

// A timeline of share() for finding idle time (OML_SEAL_TRACE=FILE in the environment when
// the library is loaded): every thread's part of a call: its start and end (steady clock, the JVM's System.nanoTime)
// and thread CPU time, with the thread's id, written to FILE by oml_trace_write. Off, it
// costs one test of a flag per call.
namespace trace {
struct Event {
  uint64_t call, start, end, cpu;
  uint32_t tid, part, parts;
};
const char *const file = std::getenv("OML_SEAL_TRACE");
const size_t capacity = 1 << 18;
std::atomic<size_t> used{0};
std::atomic<uint64_t> calls{0};
std::unique_ptr<Event[]> events(file != nullptr ? new Event[capacity] : nullptr);

uint64_t now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + t.tv_nsec;
}

uint64_t thread_cpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + t.tv_nsec;
}

// Writes the events so far to the file and forgets them; the number written (-1: no file).
int64_t write() {
  if (file == nullptr) {
    return -1;
  }
  FILE *f = std::fopen(file, "w");
  if (f == nullptr) {
    return -1;
  }
  size_t n = std::min(used.load(), capacity);
  for (size_t i = 0; i < n; i++) {
    const Event &e = events[i];
    std::fprintf(f, "%llu %u %u %u %llu %llu %llu\n", (unsigned long long) e.call, e.tid,
        e.part, e.parts, (unsigned long long) e.start, (unsigned long long) e.end,
        (unsigned long long) e.cpu);
  }
  std::fclose(f);
  used = 0;
  return static_cast<int64_t>(n);
}

template <class Part>
void timed(uint64_t call, size_t p, size_t parts, const Part &part) {
  uint64_t s = now();
  uint64_t c = thread_cpu();
  part(p);
  uint64_t c2 = thread_cpu();
  uint64_t e = now();
  size_t i = used.fetch_add(1);
  if (i < capacity) {
    events[i] = Event{call, s, e, c2 - c, static_cast<uint32_t>(syscall(SYS_gettid)),
        static_cast<uint32_t>(p), static_cast<uint32_t>(parts)};
  }
}
}  // namespace trace

// Runs item(i, slot) for every i in [0, count) on the calling thread (slot 0) and up to
// threads - 1 workers (slots 1, 2, ...), each thread claiming the next unclaimed item until
// none is left, all finished before it returns; then the first failure (by slot) is rethrown,
// so the firewall of the calling function sees it. A thread that starts late (a woken worker
// waits for a free core) or is preempted takes fewer items instead of holding the others up,
// and a worker that has not started when the caller has claimed the last item is taken back,
// not waited for. A slot's items run on one thread, one after the other (scratch memory per
// slot needs no lock); items must write disjoint memory, so the results do not depend on who
// ran what. If no worker can be had, the caller does every item.
template <class Item>
void share_untraced(size_t threads, size_t count, const Item &item, uint64_t call) {
  size_t parts = std::min(threads, count);
  if (parts <= 1) {
    for (size_t i = 0; i < count; i++) {
      item(i, 0);
    }
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::exception_ptr> errors(parts);
  std::vector<std::function<void()>> tasks;
  tasks.reserve(parts);
  for (size_t p = 0; p < parts; p++) {
    tasks.emplace_back([&, p] {
      auto claim = [&](size_t) {
        try {
          for (size_t i; (i = next.fetch_add(1)) < count;) {
            item(i, p);
          }
        } catch (...) {
          errors[p] = std::current_exception();
          next = count;  // the others stop after their current item
        }
      };
      if (trace::file != nullptr) {
        trace::timed(call, p, parts, claim);
      } else {
        claim(p);
      }
    });
  }
  std::vector<Worker *> workers;
  workers.reserve(parts - 1);
  try {
    for (size_t p = 1; p < parts; p++) {
      Worker *w = take_worker();
      w->post(&tasks[p]);
      workers.push_back(w);
    }
  } catch (...) {
    // Fewer workers: the items are claimed by the threads there are.
  }
  tasks[0]();
  for (Worker *w : workers) {
    if (!w->take_back()) {
      w->wait();
    }
    give_back(w);
  }
  for (auto &e : errors) {
    if (e) {
      std::rethrow_exception(e);
    }
  }
}

template <class Item>
void share(size_t threads, size_t count, const Item &item) {
  share_untraced(threads, count, item, trace::file != nullptr ? trace::calls.fetch_add(1) : 0);
}

// Runs part(p) for every p in [0, parts) on the calling thread and parts - 1 workers as
// share() does: each thread claims the next part not yet claimed, so a worker that starts late
// or is preempted leaves its part to a thread that is free, and one not yet started when every
// part is claimed is taken back instead of waited for. Parts must write disjoint memory.
template <class Part>
void run_parts(size_t parts, const Part &part) {
  share(parts, parts, [&](size_t p, size_t) { part(p); });
}
}  // namespace
}  // extern "C++"

namespace {
// Several inner products over the same ciphertexts, split by prime over threads: row j is
// sum_i a[i] * p[j * count + i] over the non-null plaintexts (out[j] null for a row with none).
void plain_sums(const oml_context *c, const oml_ciphertext *const *a, size_t count,
    const oml_plaintext *const *p, size_t rows, int32_t threads, oml_ciphertext **out) {
  {
    need(c, "context");
    need(out, "out");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "inner products of plaintext products need CKKS");
    require(count > 0 && rows > 0 && a != nullptr && p != nullptr, OML_E_INVALID_ARGUMENT,
        "operand arrays are null or empty");
    require(threads >= 1 && threads <= 64, OML_E_INVALID_ARGUMENT, "threads outside [1, 64]");
    int level = check_ct(c, a[0]);
    size_t size = a[0]->ct.size();
    for (size_t i = 0; i < count; i++) {
      require(check_ct(c, a[i]) == level && a[i]->ct.size() == size && a[i]->ct.is_ntt_form(),
          OML_E_INCOMPATIBLE, "inner product of ciphertexts at different levels or sizes");
    }
    std::vector<double> scale(rows, 0.0);
    std::vector<bool> used(rows, false);
    for (size_t j = 0; j < rows; j++) {
      for (size_t i = 0; i < count; i++) {
        const oml_plaintext *w = p[j * count + i];
        if (w == nullptr) {
          continue;
        }
        require(check_pt(c, w) >= level, OML_E_INCOMPATIBLE,
            "plaintext level below the ciphertext level");
        double s = a[i]->ct.scale() * w->pt.scale();
        require(!used[j] || s == scale[j], OML_E_INCOMPATIBLE,
            "inner product of products at different scales");
        scale[j] = s;
        used[j] = true;
      }
    }
    auto data = c->ctx.get_context_data(a[0]->ct.parms_id());
    const auto &mods = data->parms().coeff_modulus();
    size_t k = mods.size();
    size_t n = c->n;
    std::vector<Ciphertext> r(rows);
    for (size_t j = 0; j < rows; j++) {
      if (used[j]) {
        r[j] = Ciphertext(c->ctx, a[0]->ct.parms_id());
        r[j].resize(size);
        r[j].is_ntt_form() = true;
        r[j].scale() = scale[j];
      }
    }
    // Every row's sums over one tile of coefficients at once: each ciphertext's tile is read
    // once for all rows (where one inner product per call reads it once per row). The sums
    // are 128-bit (each product below q^2), reduced once per group of terms that fits;
    // plaintexts above the ciphertexts' level are read in place (their first rows). Primes
    // are shared out over the threads.
    const size_t tile = 128;
    size_t parts = std::min<size_t>(static_cast<size_t>(threads), k);
    run_parts(parts, [&](size_t part) {
      std::vector<unsigned __int128> acc(rows * size * tile);
      std::vector<const uint64_t *> sp(count), up(count), vp(count);
      for (size_t m = part_begin(k, parts, part); m < part_begin(k, parts, part + 1); m++) {
        const Modulus &q = mods[m];
        size_t group = terms_per_fold(count, q);
        if (size == 2) {
          // Row by row over each tile with the vector inner products, where they run.
          bool vector = true;
          for (size_t t0 = 0; t0 < n && vector; t0 += tile) {
            size_t len = std::min(n, t0 + tile) - t0;
            for (size_t j = 0; j < rows && vector; j++) {
              if (!used[j]) {
                continue;
              }
              size_t terms = 0;
              for (size_t i = 0; i < count; i++) {
                const oml_plaintext *w = p[j * count + i];
                if (w == nullptr || w->pt.is_zero()) {
                  continue;
                }
                sp[terms] = w->pt.data() + m * n;
                up[terms] = a[i]->ct.data(0) + m * n;
                vp[terms] = a[i]->ct.data(1) + m * n;
                terms++;
              }
              uint64_t *d0 = r[j].data(0) + m * n;
              uint64_t *d1 = r[j].data(1) + m * n;
              if (terms == 0) {
                std::fill(d0 + t0, d0 + t0 + len, 0);
                std::fill(d1 + t0, d1 + t0 + len, 0);
              } else {
                vector = oml::dot2(t0, len, terms, sp.data(), nullptr, up.data(), vp.data(), q,
                    d0, d1);
              }
            }
          }
          if (vector) {
            continue;
          }
        }
        for (size_t t0 = 0; t0 < n; t0 += tile) {
          size_t len = std::min(n, t0 + tile) - t0;
          std::fill(acc.begin(), acc.end(), 0);
          for (size_t i0 = 0; i0 < count; i0 += group) {
            size_t i1 = std::min(count, i0 + group);
            for (size_t i = i0; i < i1; i++) {
              for (size_t j = 0; j < rows; j++) {
                const oml_plaintext *w = p[j * count + i];
                if (w == nullptr || w->pt.is_zero()) {
                  continue;
                }
                const uint64_t *wt = w->pt.data() + m * n + t0;
                for (size_t comp = 0; comp < size; comp++) {
                  const uint64_t *x = a[i]->ct.data(comp) + m * n + t0;
                  unsigned __int128 *z = acc.data() + (j * size + comp) * tile;
                  for (size_t t = 0; t < len; t++) {
                    z[t] += static_cast<unsigned __int128>(x[t]) * wt[t];
                  }
                }
              }
            }
            for (size_t j = 0; j < rows * size; j++) {
              fold(acc.data() + j * tile, len, q);
            }
          }
          for (size_t j = 0; j < rows; j++) {
            if (!used[j]) {
              continue;
            }
            for (size_t comp = 0; comp < size; comp++) {
              const unsigned __int128 *z = acc.data() + (j * size + comp) * tile;
              uint64_t *dst = r[j].data(comp) + m * n + t0;
              for (size_t t = 0; t < len; t++) {
                dst[t] = static_cast<uint64_t>(z[t]);
              }
            }
          }
        }
      }
    });
    std::vector<std::unique_ptr<oml_ciphertext>> results(rows);
    for (size_t j = 0; j < rows; j++) {
      if (used[j]) {
        results[j].reset(wrap(std::move(r[j])));
      }
    }
    for (size_t j = 0; j < rows; j++) {
      out[j] = results[j].release();
    }
  }
}
}  // namespace

oml_status oml_evaluator_multiply_plain_sum(const oml_context *c,
    const oml_ciphertext *const *a, const oml_plaintext *const *p, size_t count,
    oml_ciphertext **out) {
  return oml::guard([&] {
    require(count > 0 && a != nullptr && p != nullptr, OML_E_INVALID_ARGUMENT,
        "operand arrays are null or empty");
    for (size_t i = 0; i < count; i++) {
      need(p[i], "plaintext");
    }
    plain_sums(c, a, count, p, 1, 1, out);
  });
}

// Several inner products over the same ciphertexts (ABI 9), split by prime over threads.
oml_status oml_evaluator_multiply_plain_sums(const oml_context *c,
    const oml_ciphertext *const *a, size_t count, const oml_plaintext *const *p, size_t rows,
    int32_t threads, oml_ciphertext **out) {
  return oml::guard([&] { plain_sums(c, a, count, p, rows, threads, out); });
}

namespace {
// The hoisted rotations of a CKKS ciphertext (c0, c1) in NTT form at k data primes. SEAL's
// rotation applies the automorphism to c1 and then decomposes it; here c1 is decomposed once
// and each rotation permutes the transformed digits instead, since in the NTT domain an
// automorphism is a permutation of the evaluation points. The key switch itself follows
// SEAL's: digit i (c1 mod q_i, lifted to [0, q_i)) is reduced and transformed at every prime
// of the level and at the special prime P, multiplied with the key's digit-i polynomials, and
// the sums are divided by P with rounding (adding floor(P / 2) before the floor division).
// A rotated digit is the rotated lifted residue, whose negated coefficients are -d where
// SEAL's are q_i - d: the results differ from SEAL's by a key-switching error of the same size
// (the difference, times the key, is a multiple of q_i P in its message part).
class HoistedRotation {
 public:
  // Only allocates: decompose() makes the digits (galois_threads makes one prime's at a time).
  HoistedRotation(const oml_context *c, const Ciphertext &a)
      : c_(c),
        a_(a),
        key_data_(*c->ctx.key_context_data()),
        mods_(key_data_.parms().coeff_modulus()),
        tables_(key_data_.small_ntt_tables()),
        n_(c->n),
        k_(a.coeff_modulus_size()),
        special_(mods_.size() - 1),
        coefficients_(new uint64_t[k_ * n_]) {
    require(k_ <= special_, OML_E_INCOMPATIBLE, "ciphertext above the key-switching level");
  }

  // The decomposition of c1, split by prime over threads (see run_parts); the digits do not
  // depend on threads.
  void decompose(size_t threads) {
    digits_.reset(new uint64_t[k_ * (k_ + 1) * n_]);
    run_parts(threads, [&](size_t part) {
      for (size_t i = part_begin(k_, threads, part); i < part_begin(k_, threads, part + 1); i++) {
        to_coefficients(i);
      }
    });
    run_parts(threads, [&](size_t part) {
      for (size_t j = part_begin(k_ + 1, threads, part);
           j < part_begin(k_ + 1, threads, part + 1); j++) {
        digits_at(j, digit(0, j), (k_ + 1) * n_);
      }
    });
  }

  // Row i of c1 in coefficient form.
  void to_coefficients(size_t i) {
    std::copy(a_.data(1) + i * n_, a_.data(1) + (i + 1) * n_, coefficients_.get() + i * n_);
    oml::ntt_inverse(coefficients_.get() + i * n_, tables_[i]);
  }

  // Every digit at prime j (the level's primes, then P at j == k), transformed: digit i at
  // out + i * stride.
  void digits_at(size_t j, uint64_t *out, size_t stride) const {
    size_t m = prime(j);
    for (size_t i = 0; i < k_; i++) {
      uint64_t *dst = out + i * stride;
      if (j == i) {
        // Digit i at its own prime is c1's row i, already transformed.
        std::copy(a_.data(1) + i * n_, a_.data(1) + (i + 1) * n_, dst);
        continue;
      }
      const uint64_t *d = coefficients_.get() + i * n_;
      if (mods_[i].value() <= mods_[m].value()) {
        std::copy(d, d + n_, dst);
      } else {
        oml::reduce_and_subtract(d, n_, mods_[m], 0, dst);
      }
      oml::ntt_forward(dst, tables_[m]);
    }
  }

  // perm[t]: the evaluation point whose value moves to t under the automorphism elt (read off
  // SEAL's own permutation).
  std::vector<uint32_t> permutation(uint32_t elt) const {
    std::vector<uint64_t> identity(n_);
    std::vector<uint64_t> perm64(n_);
    for (size_t t = 0; t < n_; t++) {
      identity[t] = t;
    }
    key_data_.galois_tool()->apply_galois_ntt(identity.data(), elt, perm64.data());
    return std::vector<uint32_t>(perm64.begin(), perm64.end());
  }

  // The rotation by the Galois element elt with its key, on the calling thread.
  Ciphertext rotate(uint32_t elt, const std::vector<PublicKey> &key) const {
    std::vector<uint32_t> perm = permutation(elt);
    KeySwitch ks = start(key);
    for (size_t j = 0; j <= k_; j++) {
      products_at(ks, perm.data(), j);
    }
    for (size_t j = 0; j < k_; j++) {
      divide_at(ks, perm.data(), j);
    }
    return std::move(ks.r);
  }

  // One key switch under way: its result and the inner products at every prime.
  struct KeySwitch {
    const std::vector<PublicKey> &key;
    Ciphertext r;
    std::unique_ptr<uint64_t[]> sums;  // [comp][j]: the inner product at prime j (j == k: P)
  };

  KeySwitch start(const std::vector<PublicKey> &key) const {
    require(key.size() >= k_, OML_E_INCOMPATIBLE, "Galois key with too few digits");
    KeySwitch ks{key, Ciphertext(c_->ctx, a_.parms_id()),
        std::unique_ptr<uint64_t[]>(new uint64_t[2 * (k_ + 1) * n_])};
    ks.r.resize(2);
    ks.r.is_ntt_form() = true;
    ks.r.scale() = a_.scale();
    return ks;
  }

  // The inner products at prime j of the digits permuted by perm with the key (128-bit sums,
  // reduced once per group that fits); at P (j == k) also brought to coefficient form plus
  // floor(P/2), which every prime's division needs.
  void products_at(KeySwitch &ks, const uint32_t *perm, size_t j) const {
    products_at(ks, perm, j, digit(0, j), (k_ + 1) * n_);
  }

  // The same with the digits at prime j read from digits + i * stride. Each coefficient's sums
  // over the digits stay in registers (128-bit, reduced after every group of products that
  // fits below 2^128, which for primes below 2^61 is every digit at once) and are reduced and
  // written once: no accumulator goes through memory.
  void products_at(KeySwitch &ks, const uint32_t *perm, size_t j, const uint64_t *digits,
      size_t stride) const {
    size_t m = prime(j);
    const Modulus &q = mods_[m];
    size_t group = terms_per_fold(k_, q);
    std::vector<const uint64_t *> k0(k_), k1(k_);
    for (size_t i = 0; i < k_; i++) {
      k0[i] = ks.key[i].data().data(0) + m * n_;
      k1[i] = ks.key[i].data().data(1) + m * n_;
    }
    uint64_t *dst0 = ks.sums.get() + j * n_;
    uint64_t *dst1 = ks.sums.get() + ((k_ + 1) + j) * n_;
    std::vector<const uint64_t *> d(k_);
    for (size_t i = 0; i < k_; i++) {
      d[i] = digits + i * stride;
    }
    if (oml::dot2(0, n_, k_, d.data(), perm, k0.data(), k1.data(), q, dst0, dst1)) {
      finish_products(ks, j);
      return;
    }
    auto reduce = [&q](unsigned __int128 z) {
      uint64_t words[2] = {static_cast<uint64_t>(z), static_cast<uint64_t>(z >> 64)};
      return util::barrett_reduce_128(words, q);
    };
    for (size_t t = 0; t < n_; t++) {
      const uint64_t *d = digits + perm[t];
      unsigned __int128 a0 = 0;
      unsigned __int128 a1 = 0;
      for (size_t i0 = 0; i0 < k_; i0 += group) {
        size_t i1 = std::min(k_, i0 + group);
        for (size_t i = i0; i < i1; i++) {
          unsigned __int128 x = d[i * stride];
          a0 += x * k0[i][t];
          a1 += x * k1[i][t];
        }
        if (i1 < k_) {
          a0 = reduce(a0);
          a1 = reduce(a1);
        }
      }
      dst0[t] = reduce(a0);
      dst1[t] = reduce(a1);
    }
    finish_products(ks, j);
  }

  // At P (j == k), the sums brought to coefficient form plus floor(P/2), which every prime's
  // division needs.
  void finish_products(KeySwitch &ks, size_t j) const {
    if (j == k_) {
      const Modulus &p = mods_[special_];
      for (size_t comp = 0; comp < 2; comp++) {
        uint64_t *last = ks.sums.get() + (comp * (k_ + 1) + k_) * n_;
        oml::ntt_inverse(last, tables_[special_]);
        util::add_poly_scalar_coeffmod(last, n_, p.value() >> 1, p, last);
      }
    }
  }

  // Division by P at prime j < k, rounded: (sum_j - ((sum_P + floor(P/2)) mod P - floor(P/2)))
  // / P mod q_j, plus c0 permuted by perm in the first component. Needs products_at(k) done.
  void divide_at(KeySwitch &ks, const uint32_t *perm, size_t j) const {
    const Modulus &p = mods_[special_];
    uint64_t half = p.value() >> 1;
    const util::MultiplyUIntModOperand *inv_p = key_data_.rns_tool()->inv_q_last_mod_q();
    std::vector<uint64_t> t(n_);
    const Modulus &q = mods_[j];
    for (size_t comp = 0; comp < 2; comp++) {
      const uint64_t *last = ks.sums.get() + (comp * (k_ + 1) + k_) * n_;
      uint64_t half_q = util::barrett_reduce_64(half, q);
      if (p.value() > q.value()) {
        oml::reduce_and_subtract(last, n_, q, half_q, t.data());
      } else {
        util::sub_poly_scalar_coeffmod(last, n_, half_q, q, t.data());
      }
      oml::ntt_forward(t.data(), tables_[j]);
      // (sum_j - t) / P, plus c0 rotated (its values permuted) in the first component.
      oml::finish_division(ks.sums.get() + (comp * (k_ + 1) + j) * n_, t.data(), n_, inv_p[j],
          q, comp == 0 ? a_.data(0) + j * n_ : nullptr, perm, ks.r.data(comp) + j * n_);
    }
  }

  size_t primes() const { return k_; }

 private:
  // Row j of the decomposition's primes: the level's primes, then P.
  size_t prime(size_t j) const { return j < k_ ? j : special_; }

  uint64_t *digit(size_t i, size_t j) { return digits_.get() + (i * (k_ + 1) + j) * n_; }

  const uint64_t *digit(size_t i, size_t j) const {
    return digits_.get() + (i * (k_ + 1) + j) * n_;
  }

  const oml_context *c_;
  const Ciphertext &a_;
  const SEALContext::ContextData &key_data_;
  const std::vector<Modulus> &mods_;
  const util::NTTTables *tables_;
  size_t n_;
  size_t k_;
  size_t special_;
  // Left uninitialized (every word is written before it is read): zeroing megabytes per key
  // switch cost a tenth of its time.
  std::unique_ptr<uint64_t[]> coefficients_;  // [row i] c1 in coefficient form
  std::unique_ptr<uint64_t[]> digits_;        // [digit i][prime j][coefficient], NTT form
};
}  // namespace

oml_status oml_evaluator_rotate_hoisted(const oml_context *c, const oml_ciphertext *a,
    const int32_t *steps, size_t count, const oml_galois_keys *gk, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "hoisted rotations need CKKS");
    require(count == 0 || steps != nullptr, OML_E_INVALID_ARGUMENT, "steps is null");
    check_rotation(c, a, gk);
    require(a->ct.is_ntt_form(), OML_E_INCOMPATIBLE, "hoisted rotations need NTT form");
    for (size_t k = 0; k < count; k++) {
      require_rotation_key(c, steps[k], gk);
    }
    std::vector<std::unique_ptr<oml_ciphertext>> results;
    results.reserve(count);
    std::unique_ptr<HoistedRotation> hoisted;
    for (size_t k = 0; k < count; k++) {
      int s = normalized_steps(c, steps[k]);
      if (s == 0) {
        results.emplace_back(wrap(Ciphertext(a->ct)));
        continue;
      }
      if (!hoisted) {
        hoisted = std::make_unique<HoistedRotation>(c, a->ct);
        hoisted->decompose(1);
      }
      uint32_t elt = galois_element(c, s);
      results.emplace_back(wrap(hoisted->rotate(elt, gk->keys.key(elt))));
    }
    for (size_t k = 0; k < count; k++) {
      out[k] = results[k].release();
    }
  });
}

oml_status oml_evaluator_conjugate(const oml_context *c, const oml_ciphertext *a,
    const oml_galois_keys *gk, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(is_ckks(c), OML_E_INCOMPATIBLE, "conjugate needs CKKS");
    check_rotation(c, a, gk);
    require(gk->keys.has_key(static_cast<uint32_t>(2 * c->n - 1)), OML_E_INCOMPATIBLE,
        "no Galois key for conjugation: generate it with createGaloisKeysWithConjugation");
    Ciphertext r;
    if (own_key_switch(c, a->ct)) {
      r = galois_threads(c, a->ct, static_cast<uint32_t>(2 * c->n - 1), gk->keys, 1);
    } else {
      c->evaluator->complex_conjugate(a->ct, gk->keys, r);
    }
    *out = wrap(std::move(r));
  });
}

// Key switches on several threads (ABI 7): one ciphertext's rotations and conjugation with
// the work of each key switch split by prime, and hoisted rotations whose one decomposition is
// split by prime and whose steps are shared out; the residues do not depend on the threads.
namespace {
size_t thread_count(int32_t threads) {
  require(threads >= 1 && threads <= 64, OML_E_INVALID_ARGUMENT, "threads outside [1, 64]");
  return static_cast<size_t>(threads);
}

void check_threaded_galois(const oml_context *c, const oml_ciphertext *a,
    const oml_galois_keys *gk) {
  require(is_ckks(c), OML_E_INCOMPATIBLE, "key switches on several threads need CKKS");
  check_rotation(c, a, gk);
  require(a->ct.is_ntt_form(), OML_E_INCOMPATIBLE, "key switches on several threads need NTT form");
}

extern "C++" {
// The key switch of b's second component with key, split by prime over threads: its
// decomposition, the digits' inner products with the key, and their rounded division by P added
// to b's first component, as SEAL's switch_key_inplace does; every step is exact arithmetic
// modulo a prime, so the residues are SEAL's. prepare(i) first puts row i of b's components in
// place (NTT form), in the first phase's share of primes.
template <class Prepare>
Ciphertext switch_key_threads(const oml_context *c, Ciphertext &b,
    const std::vector<PublicKey> &key, size_t threads, const Prepare &prepare) {
  size_t n = c->n;
  size_t k = b.coeff_modulus_size();
  HoistedRotation h(c, b);
  auto ks = h.start(key);
  std::vector<uint32_t> identity(n);
  for (size_t t = 0; t < n; t++) {
    identity[t] = static_cast<uint32_t>(t);
  }
  // Three phases, each split by prime: the rows put in place and the second component's
  // brought to coefficient form; the digits and their inner products with the key at each
  // prime; the divisions by P.
  run_parts(threads, [&](size_t part) {
    for (size_t i = part_begin(k, threads, part); i < part_begin(k, threads, part + 1); i++) {
      prepare(i);
      h.to_coefficients(i);
    }
  });
  run_parts(threads, [&](size_t part) {
    // One prime's digits at a time (a megabyte at N = 16384, not the whole decomposition).
    std::unique_ptr<uint64_t[]> digits(new uint64_t[k * n]);
    for (size_t j = part_begin(k + 1, threads, part); j < part_begin(k + 1, threads, part + 1);
         j++) {
      h.digits_at(j, digits.get(), n);
      h.products_at(ks, identity.data(), j, digits.get(), n);
    }
  });
  run_parts(threads, [&](size_t part) {
    for (size_t j = part_begin(k, threads, part); j < part_begin(k, threads, part + 1); j++) {
      h.divide_at(ks, identity.data(), j);
    }
  });
  return std::move(ks.r);
}
}  // extern "C++"

// SEAL's Galois automorphism elt of a with its key switch done here (switch_key_threads): c0
// and c1 are permuted as SEAL permutes them (apply_galois_ntt), then the permuted c1 switched.
Ciphertext galois_threads(const oml_context *c, const Ciphertext &a, uint32_t elt,
    const GaloisKeys &gk, size_t threads) {
  size_t n = c->n;
  auto galois = c->ctx.key_context_data()->galois_tool();
  Ciphertext b = a;
  return switch_key_threads(c, b, gk.key(elt), threads, [&](size_t i) {
    for (size_t comp = 0; comp < 2; comp++) {
      galois->apply_galois_ntt(util::ConstCoeffIter(a.data(comp) + i * n), elt,
          util::CoeffIter(b.data(comp) + i * n));
    }
  });
}

// SEAL's relinearization of a size-3 ciphertext (c0, c1, c2): c2 switched with the
// relinearization key (switch_key_threads on (c0, c2)), then c1 added to the second component.
Ciphertext relinearize_threads(const oml_context *c, const Ciphertext &a, const RelinKeys &rk,
    size_t threads) {
  size_t n = c->n;
  size_t k = a.coeff_modulus_size();
  Ciphertext b = a;
  b.resize(2);
  Ciphertext r = switch_key_threads(c, b, rk.key(2), threads, [&](size_t i) {
    std::copy_n(a.data(2) + i * n, n, b.data(1) + i * n);
  });
  const auto &mods = c->ctx.get_context_data(a.parms_id())->parms().coeff_modulus();
  run_parts(threads, [&](size_t part) {
    for (size_t i = part_begin(k, threads, part); i < part_begin(k, threads, part + 1); i++) {
      util::add_poly_coeffmod(r.data(1) + i * n, a.data(1) + i * n, n, mods[i],
          r.data(1) + i * n);
    }
  });
  return r;
}

// SEAL's CKKS rescale (rescale_to_next: each component divided by the last prime q with
// rounding, the scale divided by q), split by prime: the last row brought to coefficient form
// plus floor(q/2), then at every other prime q_i ((row_i - ((last + floor(q/2)) mod q_i -
// floor(q/2))) / q mod q_i. Where SEAL would refuse the scale, SEAL is called to refuse it.
Ciphertext rescale_threads(const oml_context *c, const Ciphertext &a, size_t threads) {
  auto data = c->ctx.get_context_data(a.parms_id());
  auto next = data->next_context_data();
  const auto &mods = data->parms().coeff_modulus();
  size_t k = mods.size();
  size_t n = c->n;
  const Modulus &last = mods[k - 1];
  double scale = a.scale() / static_cast<double>(last.value());
  auto fits = [](double s, const SEALContext::ContextData &d) {
    return std::isnormal(s) && s > 0 &&
        static_cast<int>(std::log2(s)) < d.total_coeff_modulus_bit_count();
  };
  if (!a.is_ntt_form() || !fits(a.scale(), *data) || !fits(scale, *next)) {
    Ciphertext r;
    c->evaluator->rescale_to_next(a, r);
    return r;
  }
  size_t size = a.size();
  const util::NTTTables *tables = data->small_ntt_tables();
  const util::MultiplyUIntModOperand *inv = data->rns_tool()->inv_q_last_mod_q();
  uint64_t half = last.value() >> 1;
  // The last rows in coefficient form plus floor(q/2), one component per part.
  std::vector<uint64_t> lasts(size * n);
  run_parts(std::min(threads, size), [&](size_t part) {
    size_t parts = std::min(threads, size);
    for (size_t comp = part_begin(size, parts, part); comp < part_begin(size, parts, part + 1);
         comp++) {
      uint64_t *row = lasts.data() + comp * n;
      std::copy_n(a.data(comp) + (k - 1) * n, n, row);
      oml::ntt_inverse(row, tables[k - 1]);
      util::add_poly_scalar_coeffmod(row, n, half, last, row);
    }
  });
  Ciphertext r(c->ctx, next->parms_id());
  r.resize(size);
  r.is_ntt_form() = true;
  r.scale() = scale;
  run_parts(threads, [&](size_t part) {
    std::vector<uint64_t> t(n);
    for (size_t i = part_begin(k - 1, threads, part); i < part_begin(k - 1, threads, part + 1);
         i++) {
      const Modulus &q = mods[i];
      uint64_t half_q = util::barrett_reduce_64(half, q);
      for (size_t comp = 0; comp < size; comp++) {
        const uint64_t *row = lasts.data() + comp * n;
        if (last.value() > q.value()) {
          oml::reduce_and_subtract(row, n, q, half_q, t.data());
        } else {
          util::sub_poly_scalar_coeffmod(row, n, half_q, q, t.data());
        }
        oml::ntt_forward(t.data(), tables[i]);
        oml::finish_division(a.data(comp) + i * n, t.data(), n, inv[i], q, nullptr, nullptr,
            r.data(comp) + i * n);
      }
    }
  });
  return r;
}
}  // namespace

oml_status oml_evaluator_rotate_threads(const oml_context *c, const oml_ciphertext *a,
    int32_t steps, const oml_galois_keys *gk, int32_t threads, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    size_t parts = thread_count(threads);
    check_threaded_galois(c, a, gk);
    require_rotation_key(c, steps, gk);
    int s = normalized_steps(c, steps);
    *out = wrap(s == 0 ? Ciphertext(a->ct)
                       : galois_threads(c, a->ct, galois_element(c, s), gk->keys, parts));
  });
}

oml_status oml_evaluator_conjugate_threads(const oml_context *c, const oml_ciphertext *a,
    const oml_galois_keys *gk, int32_t threads, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    size_t parts = thread_count(threads);
    check_threaded_galois(c, a, gk);
    uint32_t elt = static_cast<uint32_t>(2 * c->n - 1);
    require(gk->keys.has_key(elt), OML_E_INCOMPATIBLE,
        "no Galois key for conjugation: generate it with createGaloisKeysWithConjugation");
    *out = wrap(galois_threads(c, a->ct, elt, gk->keys, parts));
  });
}

oml_status oml_evaluator_rotate_hoisted_threads(const oml_context *c, const oml_ciphertext *a,
    const int32_t *steps, size_t count, const oml_galois_keys *gk, int32_t threads,
    oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    size_t parts = thread_count(threads);
    require(count == 0 || steps != nullptr, OML_E_INVALID_ARGUMENT, "steps is null");
    check_threaded_galois(c, a, gk);
    bool any = false;
    for (size_t k = 0; k < count; k++) {
      require_rotation_key(c, steps[k], gk);
      any = any || normalized_steps(c, steps[k]) != 0;
    }
    std::unique_ptr<HoistedRotation> hoisted;
    if (any) {
      hoisted = std::make_unique<HoistedRotation>(c, a->ct);
      hoisted->decompose(parts);
    }
    // The steps shared out in contiguous ranges, each rotation on one thread.
    std::vector<std::unique_ptr<oml_ciphertext>> results(count);
    run_parts(std::min(parts, std::max<size_t>(count, 1)), [&](size_t part) {
      size_t used = std::min(parts, std::max<size_t>(count, 1));
      for (size_t k = part_begin(count, used, part); k < part_begin(count, used, part + 1);
           k++) {
        int s = normalized_steps(c, steps[k]);
        if (s == 0) {
          results[k].reset(wrap(Ciphertext(a->ct)));
        } else {
          uint32_t elt = galois_element(c, s);
          results[k].reset(wrap(hoisted->rotate(elt, gk->keys.key(elt))));
        }
      }
    });
    for (size_t k = 0; k < count; k++) {
      out[k] = results[k].release();
    }
  });
}

int64_t oml_trace_write(void) {
  try {
    return trace::write();
  } catch (...) {
    return -1;
  }
}

oml_status oml_evaluator_rescale(const oml_context *c, const oml_ciphertext *a,
    oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    int level = check_ct(c, a);
    require(is_ckks(c), OML_E_INCOMPATIBLE, "rescale needs CKKS");
    require(level > 0, OML_E_INCOMPATIBLE, "ciphertext at level 0 cannot be rescaled");
    Ciphertext r;
    if (own_key_switch(c, a->ct)) {
      r = rescale_threads(c, a->ct, 1);
    } else {
      c->evaluator->rescale_to_next(a->ct, r);
    }
    *out = wrap(std::move(r));
  });
}

oml_status oml_evaluator_relinearize_threads(const oml_context *c, const oml_ciphertext *a,
    const oml_relin_keys *rk, int32_t threads, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    need(rk, "relinearization keys");
    size_t parts = thread_count(threads);
    check_ct(c, a);
    require(is_ckks(c) && a->ct.is_ntt_form(), OML_E_INCOMPATIBLE,
        "relinearization on several threads needs CKKS");
    require(rk->keys.parms_id() == c->ctx.key_parms_id(), OML_E_CONTEXT_MISMATCH,
        "relinearization keys made under other parameters");
    require(a->ct.size() == 3, OML_E_INCOMPATIBLE, "relinearize needs a size-3 ciphertext");
    *out = wrap(relinearize_threads(c, a->ct, rk->keys, parts));
  });
}

oml_status oml_evaluator_rescale_threads(const oml_context *c, const oml_ciphertext *a,
    int32_t threads, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    size_t parts = thread_count(threads);
    int level = check_ct(c, a);
    require(is_ckks(c), OML_E_INCOMPATIBLE, "rescale needs CKKS");
    require(level > 0, OML_E_INCOMPATIBLE, "ciphertext at level 0 cannot be rescaled");
    *out = wrap(rescale_threads(c, a->ct, parts));
  });
}

oml_status oml_evaluator_mod_switch_to(const oml_context *c, const oml_ciphertext *a,
    int32_t target, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    int level = check_ct(c, a);
    require(target >= 0 && target <= level, OML_E_INCOMPATIBLE,
        "target level must be between 0 and the ciphertext's level");
    Ciphertext r;
    if (target == level) {
      r = a->ct;
    } else {
      c->evaluator->mod_switch_to(a->ct, c->levels[target], r);
    }
    *out = wrap(std::move(r));
  });
}

oml_status oml_evaluator_rerandomize(const oml_context *c, const oml_ciphertext *a,
    const oml_public_key *pk, int32_t flood_bits, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    int level = check_ct(c, a);
    check_pk(c, pk);
    require(a->ct.size() == 2, OML_E_INCOMPATIBLE, "rerandomize needs a size-2 ciphertext");
    Ciphertext r = encrypt_zero_public(c, pk->key, level);
    require(r.is_ntt_form() == a->ct.is_ntt_form(), OML_E_INTERNAL,
        "fresh encryption in another representation");
    r.scale() = a->ct.scale();
    const auto &mods = c->ctx.get_context_data(a->ct.parms_id())->parms().coeff_modulus();
    for (size_t j = 0; j < 2; j++) {
      util::add_poly_coeffmod(util::ConstRNSIter(a->ct.data(j), c->n),
          util::ConstRNSIter(r.data(j), c->n), mods.size(), mods.data(), util::RNSIter(r.data(j), c->n));
    }
    flood(c, r, flood_bits, *fresh_prng());
    *out = wrap(std::move(r));
  });
}

namespace {
// The residue of a signed word: |v| < 2^63 and q < 2^61, the magnitude's residue, negated for
// negative values.
uint64_t signed_residue(int64_t v, const Modulus &q) {
  uint64_t m = static_cast<uint64_t>(v < 0 ? -(v + 1) : v) + (v < 0 ? 1 : 0);
  uint64_t res = m % q.value();
  return v < 0 && res != 0 ? q.value() - res : res;
}

// a + Enc_pk(0) + (e, 0) with e = sum_t parts[t] * 2^(shift (part_count - 1 - t)).
oml_status rerandomize_with_noise(const oml_context *c, const oml_ciphertext *a,
    const oml_public_key *pk, const int64_t *parts, int32_t part_count, int32_t shift,
    size_t count, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(parts, "noise");
    need(out, "out");
    require(shift >= 0 && shift < 64, OML_E_INVALID_ARGUMENT, "shift outside [0, 64)");
    require(part_count >= 1 && part_count <= 8, OML_E_INVALID_ARGUMENT,
        "part count outside [1, 8]");
    int level = check_ct(c, a);
    check_pk(c, pk);
    require(a->ct.size() == 2, OML_E_INCOMPATIBLE, "rerandomize needs a size-2 ciphertext");
    require(count == c->n, OML_E_INVALID_ARGUMENT, "noise must have one value per coefficient");
    Ciphertext r = encrypt_zero_public(c, pk->key, level);
    require(r.is_ntt_form() == a->ct.is_ntt_form(), OML_E_INTERNAL,
        "fresh encryption in another representation");
    r.scale() = a->ct.scale();
    const auto &mods = c->ctx.get_context_data(a->ct.parms_id())->parms().coeff_modulus();
    size_t primes = mods.size();
    size_t n = c->n;
    for (size_t j = 0; j < 2; j++) {
      util::add_poly_coeffmod(util::ConstRNSIter(a->ct.data(j), n),
          util::ConstRNSIter(r.data(j), n), primes, mods.data(), util::RNSIter(r.data(j), n));
    }
    std::vector<uint64_t> e(primes * n);
    for (size_t i = 0; i < primes; i++) {
      uint64_t step = util::exponentiate_uint_mod(2 % mods[i].value(), shift, mods[i]);
      for (size_t x = 0; x < n; x++) {
        uint64_t res = 0;
        for (int32_t t = 0; t < part_count; t++) {
          res = util::add_uint_mod(util::multiply_uint_mod(res, step, mods[i]),
              signed_residue(parts[static_cast<size_t>(t) * n + x], mods[i]), mods[i]);
        }
        e[i * n + x] = res;
      }
    }
    if (r.is_ntt_form()) {
      ntt(c, e.data(), primes, true);
    }
    util::add_poly_coeffmod(util::ConstRNSIter(r.data(0), n), util::ConstRNSIter(e.data(), n),
        primes, mods.data(), util::RNSIter(r.data(0), n));
    *out = wrap(std::move(r));
  });
}
}  // namespace

oml_status oml_evaluator_rerandomize_noise(const oml_context *c, const oml_ciphertext *a,
    const oml_public_key *pk, const int64_t *noise, size_t count, oml_ciphertext **out) {
  return rerandomize_with_noise(c, a, pk, noise, 1, 0, count, out);
}

oml_status oml_evaluator_rerandomize_noise_wide(const oml_context *c, const oml_ciphertext *a,
    const oml_public_key *pk, const int64_t *parts, int32_t part_count, int32_t shift,
    size_t count, oml_ciphertext **out) {
  return rerandomize_with_noise(c, a, pk, parts, part_count, shift, count, out);
}

oml_status oml_matvec_answer(const oml_context *c, const oml_ciphertext *const *query,
    size_t inputs, const uint64_t *w, size_t rows, size_t cols, size_t br, size_t bc,
    const uint64_t *mask, const oml_public_key *pk, int32_t flood_bits, int32_t answer_level,
    oml_ciphertext **out, size_t outputs) {
  return oml::guard([&] {
    need(c, "context");
    need(query, "query");
    need(w, "matrix");
    need(mask, "mask");
    need(out, "out");
    check_pk(c, pk);
    require(!is_ckks(c) && !c->batching, OML_E_INCOMPATIBLE,
        "the matrix-vector product needs BFV with coefficient encoding");
    size_t n = c->n;
    require(rows >= 1 && cols >= 1 && br >= 1 && bc >= 1 && br * bc <= n, OML_E_INVALID_ARGUMENT,
        "tiles must be non-empty and fit in the ring");
    require(inputs == (cols + bc - 1) / bc && outputs == (rows + br - 1) / br,
        OML_E_INVALID_ARGUMENT, "ciphertext counts do not match the layout");
    require(answer_level >= 0 && answer_level <= c->top, OML_E_INVALID_ARGUMENT,
        "answer level outside the chain");
    for (size_t i = 0; i < rows * cols; i++) {
      require(w[i] < c->t, OML_E_INVALID_ARGUMENT, "matrix entry not reduced modulo t");
    }
    for (size_t i = 0; i < rows; i++) {
      require(mask[i] < c->t, OML_E_INVALID_ARGUMENT, "mask entry not reduced modulo t");
    }
    auto top = c->levels[c->top];
    auto cd = c->ctx.first_context_data();
    const auto &mods = cd->parms().coeff_modulus();
    size_t primes = mods.size();
    // The query is transformed once; each tile is lifted and transformed once; products are
    // accumulated in the NTT domain, so an answer costs one inverse transform.
    std::vector<Ciphertext> q(inputs);
    for (size_t j = 0; j < inputs; j++) {
      int level = check_ct(c, query[j]);
      // The flooding budget assumes fresh symmetric noise: only seeded ciphertexts (made by
      // encryptQuery, kept compact through serialization) are that.
      require(level == c->top && query[j]->ct.size() == 2 && !query[j]->seeded.empty(),
          OML_E_INCOMPATIBLE,
          "query ciphertexts must be fresh seeded symmetric encryptions from encryptQuery");
      q[j] = query[j]->ct;
      ntt(c, q[j].data(0), primes, true);
      ntt(c, q[j].data(1), primes, true);
    }
    auto prng = fresh_prng();
    std::vector<std::unique_ptr<oml_ciphertext>> results;
    std::vector<uint64_t> tmp(n);
    for (size_t o = 0; o < outputs; o++) {
      Ciphertext acc(c->ctx, top);
      acc.resize(2);
      std::fill(acc.data(), acc.data() + 2 * primes * n, 0);
      for (size_t j = 0; j < inputs; j++) {
        Plaintext tile(n);
        tile.set_zero();
        for (size_t i = 0; i < br && o * br + i < rows; i++) {
          const uint64_t *row = w + (o * br + i) * cols;
          for (size_t k = 0; k < bc && j * bc + k < cols; k++) {
            tile[i * bc + bc - 1 - k] = row[j * bc + k];
          }
        }
        std::vector<uint64_t> lift = lifted_ntt(c, tile, top);
        for (size_t comp = 0; comp < 2; comp++) {
          for (size_t i = 0; i < primes; i++) {
            util::dyadic_product_coeffmod(util::ConstCoeffIter(q[j].data(comp) + i * n),
                util::ConstCoeffIter(lift.data() + i * n), n, mods[i], util::CoeffIter(tmp.data()));
            util::add_poly_coeffmod(util::ConstCoeffIter(acc.data(comp) + i * n),
                util::ConstCoeffIter(tmp.data()), n, mods[i],
                util::CoeffIter(acc.data(comp) + i * n));
          }
        }
      }
      ntt(c, acc.data(0), primes, false);
      ntt(c, acc.data(1), primes, false);
      // Every coefficient that is not a wanted output carries a partial sum of W's entries:
      // mask them all with fresh uniform values, and the wanted ones with -s.
      Plaintext m(n);
      for (size_t x = 0; x < n; x++) {
        m[x] = uniform_below(c->t, *prng);
      }
      for (size_t i = 0; i < br && o * br + i < rows; i++) {
        uint64_t s = mask[o * br + i];
        m[i * bc + bc - 1] = s == 0 ? 0 : c->t - s;
      }
      Ciphertext fresh = encrypt_zero_public(c, pk->key, c->top);
      add_scaled_plain(c, m, top, fresh.data(0));
      for (size_t comp = 0; comp < 2; comp++) {
        util::add_poly_coeffmod(util::ConstRNSIter(acc.data(comp), n),
            util::ConstRNSIter(fresh.data(comp), n), primes, mods.data(),
            util::RNSIter(acc.data(comp), n));
      }
      flood(c, acc, flood_bits, *prng);
      if (answer_level < c->top) {
        c->evaluator->mod_switch_to_inplace(acc, c->levels[answer_level]);
      }
      // Keep only the output coefficients of the first component: the receiver needs nothing
      // else to decrypt them, the answer shrinks to about half, and the flooding (sized for
      // rows coefficients) only has to cover what is sent.
      std::vector<uint32_t> kept;
      for (size_t i = 0; i < br && o * br + i < rows; i++) {
        kept.push_back(static_cast<uint32_t>(i * bc + bc - 1));
      }
      size_t low_primes = static_cast<size_t>(answer_level) + 1;
      std::vector<uint64_t> keep(low_primes * kept.size());
      for (size_t i = 0; i < low_primes; i++) {
        for (size_t k = 0; k < kept.size(); k++) {
          keep[i * kept.size() + k] = acc.data(0)[i * n + kept[k]];
        }
      }
      std::fill(acc.data(0), acc.data(0) + low_primes * n, 0);
      for (size_t i = 0; i < low_primes; i++) {
        for (size_t k = 0; k < kept.size(); k++) {
          acc.data(0)[i * n + kept[k]] = keep[i * kept.size() + k];
        }
      }
      auto x = std::unique_ptr<oml_ciphertext>(wrap(std::move(acc)));
      x->kept = std::move(kept);
      results.push_back(std::move(x));
    }
    for (size_t o = 0; o < outputs; o++) {
      out[o] = results[o].release();
    }
  });
}

namespace {
// An extracted answer has no SEAL form (a SEAL ciphertext holds whole components), so it is
// written in a small format of its own, little-endian: magic "OMLx", level, count (u32 each),
// the count kept positions (u32, ascending), the kept coefficients of the first component
// (u64, [prime][position]), then the whole second component (u64, [prime][coefficient]).
constexpr uint8_t EXTRACTED_MAGIC[4] = {'O', 'M', 'L', 'x'};
constexpr size_t EXTRACTED_HEADER = 12;

size_t extracted_size(const oml_ciphertext *x) {
  size_t primes = x->ct.coeff_modulus_size();
  return EXTRACTED_HEADER + 4 * x->kept.size() + 8 * primes * x->kept.size()
      + 8 * primes * x->ct.poly_modulus_degree();
}

void put_u32(uint8_t *&p, uint32_t v) {
  for (int i = 0; i < 4; i++) {
    *p++ = static_cast<uint8_t>(v >> (8 * i));
  }
}

void put_u64(uint8_t *&p, uint64_t v) {
  for (int i = 0; i < 8; i++) {
    *p++ = static_cast<uint8_t>(v >> (8 * i));
  }
}

uint32_t get_u32(const uint8_t *&p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    v |= static_cast<uint32_t>(*p++) << (8 * i);
  }
  return v;
}

uint64_t get_u64(const uint8_t *&p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) {
    v |= static_cast<uint64_t>(*p++) << (8 * i);
  }
  return v;
}

size_t save_size_of(const oml_ciphertext *x) {
  if (!x->kept.empty()) {
    return extracted_size(x);
  }
  return x->seeded.empty() ? static_cast<size_t>(x->ct.save_size(compr_mode_type::none))
                           : x->seeded.size();
}

void save_extracted(const oml_ciphertext *x, uint8_t *out, size_t cap, size_t *written) {
  need(out, "output buffer");
  need(written, "written");
  size_t size = extracted_size(x);
  require(cap >= size, OML_E_BUFFER_TOO_SMALL, "output buffer too small");
  size_t n = x->ct.poly_modulus_degree();
  size_t primes = x->ct.coeff_modulus_size();
  uint8_t *p = out;
  std::memcpy(p, EXTRACTED_MAGIC, 4);
  p += 4;
  put_u32(p, static_cast<uint32_t>(primes - 1));
  put_u32(p, static_cast<uint32_t>(x->kept.size()));
  for (uint32_t pos : x->kept) {
    put_u32(p, pos);
  }
  for (size_t i = 0; i < primes; i++) {
    for (uint32_t pos : x->kept) {
      put_u64(p, x->ct.data(0)[i * n + pos]);
    }
  }
  for (size_t i = 0; i < primes * n; i++) {
    put_u64(p, x->ct.data(1)[i]);
  }
  *written = size;
}

std::unique_ptr<oml_ciphertext> load_extracted(const oml_context *c, const uint8_t *in,
    size_t len) {
  require(!is_ckks(c), OML_E_MALFORMED, "extracted answers exist only for BFV");
  require(len >= EXTRACTED_HEADER, OML_E_MALFORMED, "extracted answer shorter than its header");
  const uint8_t *p = in + 4;
  uint32_t level = get_u32(p);
  uint32_t count = get_u32(p);
  require(level <= static_cast<uint32_t>(c->top), OML_E_MALFORMED,
      "extracted answer: level " + std::to_string(level) + " out of range");
  size_t n = c->n;
  require(count >= 1 && count <= n, OML_E_MALFORMED,
      "extracted answer: invalid number of kept coefficients");
  size_t primes = static_cast<size_t>(level) + 1;
  size_t expect = EXTRACTED_HEADER + 4 * size_t{count} + 8 * primes * count + 8 * primes * n;
  require(len == expect, OML_E_MALFORMED,
      "extracted answer: expected " + std::to_string(expect) + " bytes, got "
          + std::to_string(len));
  auto x = std::make_unique<oml_ciphertext>();
  x->kept.resize(count);
  for (uint32_t k = 0; k < count; k++) {
    x->kept[k] = get_u32(p);
    require(x->kept[k] < n && (k == 0 || x->kept[k] > x->kept[k - 1]), OML_E_MALFORMED,
        "extracted answer: kept positions must ascend within [0, N)");
  }
  x->ct = Ciphertext(c->ctx, c->levels[level]);
  x->ct.resize(2);
  std::fill(x->ct.data(), x->ct.data() + 2 * primes * n, 0);
  const auto &mods = c->ctx.get_context_data(c->levels[level])->parms().coeff_modulus();
  for (size_t i = 0; i < primes; i++) {
    for (uint32_t pos : x->kept) {
      uint64_t v = get_u64(p);
      require(v < mods[i].value(), OML_E_MALFORMED,
          "extracted answer: coefficient outside its modulus");
      x->ct.data(0)[i * n + pos] = v;
    }
  }
  for (size_t i = 0; i < primes; i++) {
    for (size_t j = 0; j < n; j++) {
      uint64_t v = get_u64(p);
      require(v < mods[i].value(), OML_E_MALFORMED,
          "extracted answer: coefficient outside its modulus");
      x->ct.data(1)[i * n + j] = v;
    }
  }
  return x;
}
}  // namespace

oml_status oml_ciphertext_save_size(const oml_ciphertext *x, size_t *size) {
  return oml::guard([&] {
    need(x, "ciphertext");
    out_size(size, save_size_of(x));
  });
}

oml_status oml_ciphertext_save(const oml_ciphertext *x, uint8_t *out, size_t cap,
    size_t *written) {
  return oml::guard([&] {
    need(x, "ciphertext");
    if (!x->kept.empty()) {
      save_extracted(x, out, cap, written);
    } else if (x->seeded.empty()) {
      save_object(x->ct, out, cap, written);
    } else {
      need(out, "output buffer");
      need(written, "written");
      require(cap >= x->seeded.size(), OML_E_BUFFER_TOO_SMALL, "output buffer too small");
      std::memcpy(out, x->seeded.data(), x->seeded.size());
      *written = x->seeded.size();
    }
  });
}

namespace {
std::unique_ptr<oml_ciphertext> load_ciphertext(const oml_context *c, const uint8_t *in,
    size_t len) {
  if (in != nullptr && len >= 4 && std::memcmp(in, EXTRACTED_MAGIC, 4) == 0) {
    return load_extracted(c, in, len);
  }
  check_seal_header(in, len);
  auto x = std::make_unique<oml_ciphertext>();
  load_all(len, [&] { return x->ct.load(c->ctx, reinterpret_cast<const seal_byte *>(in), len); });
  require(x->ct.is_ntt_form() == is_ckks(c), OML_E_MALFORMED,
      "ciphertext representation does not match the scheme");
  require(x->ct.size() >= 2 && x->ct.size() <= 3, OML_E_MALFORMED,
      "ciphertext must have two or three components");
  level_of_parms(c, x->ct.parms_id());
  if (static_cast<size_t>(x->ct.save_size(compr_mode_type::none)) > len) {
    // Fewer bytes than the expanded form: it arrived seeded, keep it compact.
    x->seeded.assign(reinterpret_cast<const seal_byte *>(in),
        reinterpret_cast<const seal_byte *>(in) + len);
  }
  return x;
}
}  // namespace

oml_status oml_ciphertext_load(const oml_context *c, const uint8_t *in, size_t len,
    oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    *out = load_ciphertext(c, in, len).release();
  });
}

oml_status oml_ciphertext_save_many(const oml_ciphertext *const *cts, size_t count,
    uint8_t *out, size_t cap, uint64_t *sizes) {
  return oml::guard([&] {
    require(count == 0 || (cts != nullptr && sizes != nullptr), OML_E_INVALID_ARGUMENT,
        "arrays are null");
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
      size_t written = 0;
      oml_status st = oml_ciphertext_save(cts[i], out + pos, cap - pos, &written);
      if (st != OML_OK) {
        throw error(st, oml::last_error);
      }
      sizes[i] = written;
      pos += written;
    }
  });
}

oml_status oml_ciphertext_load_many(const oml_context *c, const uint8_t *in,
    const uint64_t *sizes, size_t count, oml_ciphertext **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    require(count == 0 || (in != nullptr && sizes != nullptr), OML_E_INVALID_ARGUMENT,
        "arrays are null");
    std::vector<std::unique_ptr<oml_ciphertext>> results;
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
      results.push_back(load_ciphertext(c, in + pos, static_cast<size_t>(sizes[i])));
      pos += static_cast<size_t>(sizes[i]);
    }
    for (size_t i = 0; i < count; i++) {
      out[i] = results[i].release();
    }
  });
}

oml_status oml_public_key_save_size(const oml_context *c, const oml_public_key *pk,
    size_t *size) {
  return oml::guard([&] {
    need(c, "context");
    check_pk(c, pk);
    out_size(size, c->extra_prime
        ? static_cast<size_t>(reduced_public_key(c, pk->key).save_size(compr_mode_type::none))
        : static_cast<size_t>(pk->key.save_size(compr_mode_type::none)));
  });
}

oml_status oml_public_key_save(const oml_context *c, const oml_public_key *pk, uint8_t *out,
    size_t cap, size_t *written) {
  return oml::guard([&] {
    need(c, "context");
    check_pk(c, pk);
    if (c->extra_prime) {
      save_object(reduced_public_key(c, pk->key), out, cap, written);
    } else {
      save_object(pk->key, out, cap, written);
    }
  });
}

oml_status oml_public_key_load(const oml_context *c, const uint8_t *in, size_t len,
    oml_public_key **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_seal_header(in, len);
    auto pk = std::make_unique<oml_public_key>();
    if (c->extra_prime) {
      Ciphertext r;
      load_all(len, [&] { return r.load(c->ctx, reinterpret_cast<const seal_byte *>(in), len); });
      require(r.parms_id() == c->levels[c->top] && r.size() == 2 && r.is_ntt_form(),
          OML_E_MALFORMED, "not a public key of these parameters");
      Ciphertext &d = pk->key.data();
      d.resize(c->ctx, c->ctx.key_parms_id(), 2);
      size_t data = (c->top + 1) * c->n;
      size_t full = d.coeff_modulus_size() * c->n;
      std::fill(d.data(), d.data() + 2 * full, 0);
      for (size_t j = 0; j < 2; j++) {
        std::copy_n(r.data(j), data, d.data() + j * full);
      }
      d.is_ntt_form() = true;
    } else {
      load_all(len, [&] {
        return pk->key.load(c->ctx, reinterpret_cast<const seal_byte *>(in), len);
      });
    }
    *out = pk.release();
  });
}

oml_status oml_relin_keys_save_size(const oml_relin_keys *rk, size_t *size) {
  return oml::guard([&] {
    need(rk, "relinearization keys");
    out_size(size, static_cast<size_t>(rk->keys.save_size(compr_mode_type::none)));
  });
}

oml_status oml_relin_keys_save(const oml_relin_keys *rk, uint8_t *out, size_t cap,
    size_t *written) {
  return oml::guard([&] {
    need(rk, "relinearization keys");
    save_object(rk->keys, out, cap, written);
  });
}

oml_status oml_relin_keys_load(const oml_context *c, const uint8_t *in, size_t len,
    oml_relin_keys **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_seal_header(in, len);
    auto rk = std::make_unique<oml_relin_keys>();
    load_all(len, [&] {
      return rk->keys.load(c->ctx, reinterpret_cast<const seal_byte *>(in), len);
    });
    require(rk->keys.size() == 1, OML_E_MALFORMED, "not a set of relinearization keys");
    *out = rk.release();
  });
}

oml_status oml_galois_keys_save_size(const oml_galois_keys *gk, size_t *size) {
  return oml::guard([&] {
    need(gk, "Galois keys");
    out_size(size, static_cast<size_t>(gk->keys.save_size(compr_mode_type::none)));
  });
}

oml_status oml_galois_keys_save(const oml_galois_keys *gk, uint8_t *out, size_t cap,
    size_t *written) {
  return oml::guard([&] {
    need(gk, "Galois keys");
    save_object(gk->keys, out, cap, written);
  });
}

oml_status oml_galois_keys_load(const oml_context *c, const uint8_t *in, size_t len,
    oml_galois_keys **out) {
  return oml::guard([&] {
    need(c, "context");
    need(out, "out");
    check_seal_header(in, len);
    auto gk = std::make_unique<oml_galois_keys>();
    load_all(len, [&] {
      return gk->keys.load(c->ctx, reinterpret_cast<const seal_byte *>(in), len);
    });
    *out = gk.release();
  });
}

}  // extern "C"

// ---------------------------------------------------------------------------------------------
// Tier-2 offline HE step (ABI 6): imports of another backend's operands and the licensee's
// products in the compact form. See include/oml_seal.h.
// ---------------------------------------------------------------------------------------------
namespace {

void check_t2_context(const oml_context *c) {
  need(c, "context");
  require(!is_ckks(c) && !c->batching, OML_E_INCOMPATIBLE,
      "the tier-2 products need BFV with coefficient encoding");
}

// Residues in coefficient form, each below its prime, copied into rows of `primes` primes.
void copy_residues(const oml_context *c, const uint64_t *in, size_t primes, uint64_t *out) {
  const auto &mods = c->ctx.first_context_data()->parms().coeff_modulus();
  size_t n = c->n;
  for (size_t i = 0; i < primes; i++) {
    uint64_t q = mods[i].value();
    bool ok = true;
    for (size_t x = 0; x < n; x++) {
      uint64_t v = in[i * n + x];
      ok &= v < q;
      out[i * n + x] = v;
    }
    require(ok, OML_E_MALFORMED, "residue not below its prime");
  }
}

// The word-arithmetic switch from the modulus of `primes` primes to 2^bits (as
// dev.oml.he.java.internal.JavaCoefficientMatVec does): y_i = a_i (Q/q_i)^-1 mod q_i, then
// round(sum_i y_i 2^bits / q_i) mod 2^bits with floor(2^(bits+64) / q_i) in two words.
struct PowerOfTwoSwitch {
  int bits;
  std::vector<Modulus> q;
  std::vector<uint64_t> hat_inv, hi, lo;

  PowerOfTwoSwitch(const std::vector<Modulus> &mods, size_t primes, int b) : bits(b) {
    for (size_t i = 0; i < primes; i++) {
      q.push_back(mods[i]);
      uint64_t h = 1;
      for (size_t j = 0; j < primes; j++) {
        if (j != i) {
          h = util::multiply_uint_mod(mods[j].value() % mods[i].value(), h, mods[i]);
        }
      }
      uint64_t inv = 0;
      require(util::try_invert_uint_mod(h, mods[i], inv), OML_E_INTERNAL,
          "primes are not coprime");
      hat_inv.push_back(inv);
      unsigned __int128 ratio =
          (static_cast<unsigned __int128>(1) << (bits + 64)) / mods[i].value();
      lo.push_back(static_cast<uint64_t>(ratio));
      hi.push_back(static_cast<uint64_t>(ratio >> 64));
    }
  }

  uint64_t apply(const uint64_t *rows, size_t n, size_t j) const {
    uint64_t whole = 0;
    uint64_t frac = 0;
    for (size_t i = 0; i < q.size(); i++) {
      uint64_t y = util::multiply_uint_mod(rows[i * n + j], hat_inv[i], q[i]);
      unsigned __int128 prod = static_cast<unsigned __int128>(y) * lo[i];
      whole += y * hi[i] + static_cast<uint64_t>(prod >> 64);
      uint64_t f = frac + static_cast<uint64_t>(prod);
      if (f < frac) {
        whole++;
      }
      frac = f;
    }
    whole += frac >> 63;
    return whole & ((1ULL << bits) - 1);
  }
};

// a mod q for a 128-bit a given as two words
inline uint64_t reduce_128(uint64_t lo, uint64_t hi, const Modulus &q) {
  uint64_t w[2] = {lo, hi};
  return util::barrett_reduce_128(w, q);
}

// Uniform values below t, drawn in one batch from the generator (rejection sampling).
void uniform_batch(uint64_t t, size_t count, UniformRandomGenerator &prng, uint64_t *out) {
  uint64_t limit = (t & (t - 1)) == 0 ? 0 : ~0ULL - (~0ULL % t);
  std::vector<uint64_t> buf(count + count / 8 + 16);
  size_t used = buf.size();
  for (size_t x = 0; x < count;) {
    if (used == buf.size()) {
      prng.generate(buf.size() * sizeof(uint64_t), reinterpret_cast<seal_byte *>(buf.data()));
      used = 0;
    }
    uint64_t v = buf[used++];
    if (limit == 0) {
      out[x++] = v & (t - 1);
    } else if (v < limit) {
      out[x++] = v % t;
    }
  }
}

// Uniform integers in [-2^bits, 2^bits) added to c0 (coefficient form), as flood() draws them,
// with Barrett reductions.
void flood_fast(const oml_context *c, uint64_t *c0, const std::vector<Modulus> &mods,
    size_t primes, int bits, UniformRandomGenerator &prng) {
  require(bits >= 1 && bits <= 2000, OML_E_INVALID_ARGUMENT, "flood bits outside [1, 2000]");
  size_t n = c->n;
  size_t total = static_cast<size_t>(bits) + 1;
  size_t limbs = (total + 63) / 64;
  size_t top_bits = total - 64 * (limbs - 1);
  uint64_t top_mask = top_bits == 64 ? ~0ULL : ((1ULL << top_bits) - 1);
  std::vector<uint64_t> offset(primes);
  for (size_t i = 0; i < primes; i++) {
    uint64_t off = 1;
    for (int b = 0; b < bits; b++) {
      off = util::add_uint_mod(off, off, mods[i]);
    }
    offset[i] = off;
  }
  std::vector<uint64_t> rnd(n * limbs);
  prng.generate(rnd.size() * sizeof(uint64_t), reinterpret_cast<seal_byte *>(rnd.data()));
  for (size_t x = 0; x < n; x++) {
    uint64_t *v = &rnd[x * limbs];
    v[limbs - 1] &= top_mask;
    for (size_t i = 0; i < primes; i++) {
      uint64_t acc = 0;
      for (size_t w = limbs; w-- > 0;) {
        acc = reduce_128(v[w], acc, mods[i]);  // acc 2^64 + v[w]
      }
      uint64_t r = util::sub_uint_mod(acc, offset[i], mods[i]);
      c0[i * n + x] = util::add_uint_mod(c0[i * n + x], r, mods[i]);
    }
  }
}

// The arguments of a tier-2 import (either form): a context made for tier 2, both pointers,
// a level of its chain and 2 * (level + 1) * N residues. Clears *out; returns the primes.
size_t check_t2_import(const oml_context *c, const uint64_t *residues, size_t count,
    int32_t level, oml_ciphertext **out) {
  check_t2_context(c);
  need(residues, "residues");
  need(out, "out");
  *out = nullptr;
  require(level >= 0 && level <= c->top, OML_E_INVALID_ARGUMENT, "level outside the chain");
  size_t primes = static_cast<size_t>(level) + 1;
  require(count == 2 * primes * c->n, OML_E_INVALID_ARGUMENT,
      "residues must be 2 * (level + 1) * N values");
  return primes;
}

}  // namespace

extern "C" {

oml_status oml_t2_ciphertext_import(const oml_context *c, const uint64_t *residues,
    size_t count, int32_t level, oml_ciphertext **out) {
  return oml::guard([&] {
    size_t n = c->n;
    size_t primes = check_t2_import(c, residues, count, level, out);
    auto x = std::make_unique<oml_ciphertext>();
    x->ct = Ciphertext(c->ctx, c->levels[level]);
    x->ct.resize(2);
    for (size_t j = 0; j < 2; j++) {
      copy_residues(c, residues + j * primes * n, primes, x->ct.data(j));
    }
    x->t2_ntt.assign(x->ct.data(), x->ct.data() + 2 * primes * n);
    ntt(c, x->t2_ntt.data(), primes, true);
    ntt(c, x->t2_ntt.data() + primes * n, primes, true);
    *out = x.release();
  });
}

oml_status oml_t2_public_key_import(const oml_context *c, const uint64_t *residues,
    size_t count, oml_public_key **out) {
  return oml::guard([&] {
    check_t2_context(c);
    need(residues, "residues");
    need(out, "out");
    *out = nullptr;
    require(c->extra_prime, OML_E_INCOMPATIBLE,
        "importing a public key needs parameters without a special prime");
    size_t n = c->n;
    size_t primes = static_cast<size_t>(c->top) + 1;
    require(count == 2 * primes * n, OML_E_INVALID_ARGUMENT,
        "residues must be 2 * (top + 1) * N values");
    auto pk = std::make_unique<oml_public_key>();
    Ciphertext &d = pk->key.data();
    d.resize(c->ctx, c->ctx.key_parms_id(), 2);
    size_t full = d.coeff_modulus_size() * n;
    std::fill(d.data(), d.data() + 2 * full, 0);
    for (size_t j = 0; j < 2; j++) {
      copy_residues(c, residues + j * primes * n, primes, d.data() + j * full);
      ntt(c, d.data() + j * full, primes, true);
    }
    d.is_ntt_form() = true;
    *out = pk.release();
  });
}

oml_status oml_t2_products_compact(const oml_context *c, const oml_ciphertext *const *operands,
    size_t operand_count, const uint64_t *plains, size_t plain_count, const uint32_t *op_index,
    const uint32_t *plain_index, size_t inputs, size_t rows, size_t br, size_t bc,
    const uint64_t *mask, const oml_public_key *pk, int32_t flood_bits, int32_t bits,
    uint64_t *c0_out, uint64_t *c1_out) {
  return oml::guard([&] {
    check_t2_context(c);
    need(operands, "operands");
    need(plains, "plains");
    need(op_index, "operand indices");
    need(plain_index, "plaintext indices");
    need(mask, "mask");
    need(c0_out, "c0 output");
    need(c1_out, "c1 output");
    check_pk(c, pk);
    size_t n = c->n;
    require(rows >= 1 && inputs >= 1 && br >= 1 && bc >= 1 && br * bc <= n && bc <= n,
        OML_E_INVALID_ARGUMENT, "tiles must be non-empty and fit in the ring");
    require(operand_count >= 1 && plain_count >= 1, OML_E_INVALID_ARGUMENT,
        "no operands or no plaintexts");
    require(bits >= 1 && bits <= 63, OML_E_INVALID_ARGUMENT, "bits outside [1, 63]");
    size_t outputs = (rows + br - 1) / br;
    bool inside = true;
    for (size_t k = 0; k < outputs * inputs; k++) {
      inside &= op_index[k] < operand_count && plain_index[k] < plain_count;
    }
    require(inside, OML_E_INVALID_ARGUMENT, "index outside the operands or plaintexts");
    // (one require per check, not per value: its message is a std::string)
    bool reduced = true;
    for (size_t i = 0; i < plain_count * n; i++) {
      reduced &= plains[i] < c->t;
    }
    require(reduced, OML_E_INVALID_ARGUMENT, "plaintext not reduced modulo t");
    for (size_t i = 0; i < rows; i++) {
      reduced &= mask[i] < c->t;
    }
    require(reduced, OML_E_INVALID_ARGUMENT, "mask entry not reduced modulo t");
    int level = check_ct(c, operands[0]);
    size_t primes = static_cast<size_t>(level) + 1;
    // the operands' NTT form: imported ones carry it, seeded fresh ones are transformed here
    std::vector<std::vector<uint64_t>> own(operand_count);
    std::vector<const uint64_t *> op(operand_count);
    for (size_t j = 0; j < operand_count; j++) {
      require(check_ct(c, operands[j]) == level, OML_E_INCOMPATIBLE,
          "operands are not all at one level");
      const oml_ciphertext *x = operands[j];
      require(x->ct.size() == 2, OML_E_INCOMPATIBLE, "operands must have two components");
      if (!x->t2_ntt.empty()) {
        op[j] = x->t2_ntt.data();
      } else {
        // The flooding budget assumes fresh symmetric noise: only seeded ciphertexts are that.
        require(!x->seeded.empty(), OML_E_INCOMPATIBLE,
            "operands must be fresh seeded symmetric encryptions");
        own[j].assign(x->ct.data(), x->ct.data() + 2 * primes * n);
        ntt(c, own[j].data(), primes, true);
        ntt(c, own[j].data() + primes * n, primes, true);
        op[j] = own[j].data();
      }
    }
    auto pid = c->levels[level];
    const auto &mods = c->ctx.get_context_data(pid)->parms().coeff_modulus();
    // the plaintexts lifted centered to R_Q and transformed (t is below every prime here)
    uint64_t half = (c->t + 1) >> 1;
    for (size_t i = 0; i < primes; i++) {
      require(mods[i].value() > c->t, OML_E_INCOMPATIBLE, "plain modulus above a prime");
    }
    std::vector<std::vector<uint64_t>> lifted(plain_count);
    for (size_t k = 0; k < plain_count; k++) {
      lifted[k].resize(primes * n);
      const uint64_t *src = plains + k * n;
      for (size_t i = 0; i < primes; i++) {
        uint64_t q = mods[i].value();
        uint64_t *dst = lifted[k].data() + i * n;
        for (size_t x = 0; x < n; x++) {
          uint64_t v = src[x];
          dst[x] = v >= half ? q - (c->t - v) : v;
        }
      }
      ntt(c, lifted[k].data(), primes, true);
    }
    PowerOfTwoSwitch sw(mods, primes, bits);
    auto prng = fresh_prng();
    const EncryptionParameters &parms = c->ctx.get_context_data(pid)->parms();
    std::vector<uint64_t> tmp(n), u(primes * n), e(primes * n), m(n);
    std::vector<unsigned __int128> wide(n);
    for (size_t o = 0; o < outputs; o++) {
      Ciphertext acc(c->ctx, pid);
      acc.resize(2);
      std::fill(acc.data(), acc.data() + 2 * primes * n, 0);
      // sum_j a_j m_j unreduced in 128 bits (each product below 2^122, at most 2^6 terms
      // between reductions), then one Barrett reduction per coefficient
      for (size_t comp = 0; comp < 2; comp++) {
        for (size_t i = 0; i < primes; i++) {
          std::fill(wide.begin(), wide.end(), 0);
          for (size_t j = 0; j < inputs; j++) {
            const uint64_t *a = op[op_index[o * inputs + j]] + (comp * primes + i) * n;
            const uint64_t *m = lifted[plain_index[o * inputs + j]].data() + i * n;
            for (size_t x = 0; x < n; x++) {
              wide[x] += static_cast<unsigned __int128>(a[x]) * m[x];
            }
            if ((j & 63) == 63) {
              for (size_t x = 0; x < n; x++) {
                wide[x] = reduce_128(static_cast<uint64_t>(wide[x]),
                    static_cast<uint64_t>(wide[x] >> 64), mods[i]);
              }
            }
          }
          uint64_t *dst = acc.data(comp) + i * n;
          for (size_t x = 0; x < n; x++) {
            dst[x] = reduce_128(static_cast<uint64_t>(wide[x]),
                static_cast<uint64_t>(wide[x] >> 64), mods[i]);
          }
        }
      }
      // A fresh Enc_pk(0) = (pk_0 u + e_0, pk_1 u + e_1), computed as SEAL's
      // encrypt_zero_asymmetric does (u ternary, e_j from SEAL's noise sampler, the centered
      // binomial of FloodingBudget.FRESH_NOISE_BOUND), with pk_j u added while the sum is still
      // in the NTT domain so that one inverse transform serves both.
      util::sample_poly_ternary(prng, parms, u.data());
      ntt(c, u.data(), primes, true);
      for (size_t comp = 0; comp < 2; comp++) {
        const uint64_t *pkc = pk->key.data().data(comp);
        for (size_t i = 0; i < primes; i++) {
          util::dyadic_product_coeffmod(util::ConstCoeffIter(u.data() + i * n),
              util::ConstCoeffIter(pkc + i * n), n, mods[i], util::CoeffIter(tmp.data()));
          util::add_poly_coeffmod(util::ConstCoeffIter(acc.data(comp) + i * n),
              util::ConstCoeffIter(tmp.data()), n, mods[i],
              util::CoeffIter(acc.data(comp) + i * n));
        }
      }
      ntt(c, acc.data(0), primes, false);
      ntt(c, acc.data(1), primes, false);
      for (size_t comp = 0; comp < 2; comp++) {
        util::sample_poly_cbd(prng, parms, e.data());
        util::add_poly_coeffmod(util::ConstRNSIter(acc.data(comp), n),
            util::ConstRNSIter(e.data(), n), primes, mods.data(),
            util::RNSIter(acc.data(comp), n));
      }
      // Every coefficient that is not a wanted output carries a partial sum: mask them all with
      // fresh uniform values, and the wanted ones with -mask.
      size_t kept = std::min(br, rows - o * br);
      uniform_batch(c->t, n, *prng, m.data());
      for (size_t i = 0; i < kept; i++) {
        uint64_t s = mask[o * br + i];
        m[i * bc + bc - 1] = s == 0 ? 0 : c->t - s;
      }
      add_scaled(c, m.data(), c->n, mods, primes, acc.data(0));
      flood_fast(c, acc.data(0), mods, primes, flood_bits, *prng);
      for (size_t i = 0; i < kept; i++) {
        c0_out[o * br + i] = sw.apply(acc.data(0), n, i * bc + bc - 1);
      }
      for (size_t x = 0; x < n; x++) {
        c1_out[o * n + x] = sw.apply(acc.data(1), n, x);
      }
    }
  });
}

/*
 * Tier-2 operands in NTT form (ABI 8). The pure-Java engine keeps a fresh ciphertext in NTT
 * form with index i holding the evaluation at psi^(2 bitrev(i) + 1), psi the smallest
 * primitive 2N-th root of each prime: the order and the root of SEAL's NTT tables. So its
 * residues become this library's NTT form as they are, and the licensee skips the pure-Java
 * inverse transform and this side's forward one. The coefficient form that the ciphertext object
 * also holds is computed here by SEAL's inverse transform.
 */
oml_status oml_t2_ciphertext_import_ntt(const oml_context *c, const uint64_t *residues,
    size_t count, int32_t level, oml_ciphertext **out) {
  return oml::guard([&] {
    size_t n = c->n;
    size_t primes = check_t2_import(c, residues, count, level, out);
    auto x = std::make_unique<oml_ciphertext>();
    x->t2_ntt.resize(2 * primes * n);
    for (size_t j = 0; j < 2; j++) {
      copy_residues(c, residues + j * primes * n, primes, x->t2_ntt.data() + j * primes * n);
    }
    x->ct = Ciphertext(c->ctx, c->levels[level]);
    x->ct.resize(2);
    std::copy(x->t2_ntt.begin(), x->t2_ntt.end(), x->ct.data());
    ntt(c, x->ct.data(), primes, false);
    ntt(c, x->ct.data() + primes * n, primes, false);
    *out = x.release();
  });
}


}  // extern "C"
