// Proves the exception firewall: whatever is thrown inside an exported function comes back as
// a status code with a message, and SEAL's own exceptions (refused operands, malformed bytes,
// invalid parameters) are classified. A C++ exception escaping would terminate this process.
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "firewall.h"
#include "oml_seal.h"
#include "seal/modulus.h"

static int failures = 0;

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                        \
    }                                                                    \
  } while (0)

struct not_a_std_exception {};

static bool message_contains(const char *part) {
  return std::strstr(oml_last_error_message(), part) != nullptr;
}

static void guard_catches_everything() {
  CHECK(oml::guard([] {}) == OML_OK);
  CHECK(std::string(oml_last_error_message()).empty());
  CHECK(oml::guard([] { throw oml::error(OML_E_MALFORMED, "bad bytes"); }) == OML_E_MALFORMED);
  CHECK(message_contains("bad bytes"));
  CHECK(oml::guard([] { throw std::bad_alloc(); }) == OML_E_OUT_OF_MEMORY);
  CHECK(oml::guard([] { throw std::invalid_argument("scale mismatch"); }) == OML_E_INCOMPATIBLE);
  CHECK(message_contains("scale mismatch"));
  CHECK(oml::guard([] { throw std::logic_error("pool"); }) == OML_E_INTERNAL);
  CHECK(oml::guard([] { throw std::runtime_error("io"); }) == OML_E_INTERNAL);
  CHECK(oml::guard([] { throw 42; }) == OML_E_INTERNAL);
  CHECK(message_contains("unknown exception"));
  CHECK(oml::guard([] { throw not_a_std_exception(); }) == OML_E_INTERNAL);
}

static void messages_are_per_thread() {
  CHECK(oml::guard([] { throw oml::error(OML_E_MALFORMED, "main thread"); }) == OML_E_MALFORMED);
  std::thread other([] {
    CHECK(oml::guard([] { throw oml::error(OML_E_INCOMPATIBLE, "other thread"); })
        == OML_E_INCOMPATIBLE);
  });
  other.join();
  CHECK(message_contains("main thread"));
}

static void abi_calls_turn_seal_exceptions_into_statuses() {
  oml_context *ctx = nullptr;
  CHECK(oml_context_create(OML_SCHEME_BFV, 1024, nullptr, 1, 0, 256, 0, &ctx)
      == OML_E_INVALID_ARGUMENT);
  uint64_t not_prime[] = {1000};
  CHECK(oml_context_create(OML_SCHEME_BFV, 1024, not_prime, 1, 0, 256, 0, &ctx)
      == OML_E_INVALID_PARAMETERS);
  CHECK(ctx == nullptr);

  // CKKS, N = 2048, two 40-bit data primes and a 60-bit special prime (found by SEAL's rules).
  auto chain = seal::CoeffModulus::Create(2048, {40, 40, 60});
  uint64_t primes[] = {chain[0].value(), chain[1].value()};
  uint64_t special = chain[2].value();
  oml_status st = oml_context_create(OML_SCHEME_CKKS, 2048, primes, 2, special, 0, 0, &ctx);
  if (st != OML_OK) {
    std::fprintf(stderr, "context: %s\n", oml_last_error_message());
  }
  CHECK(st == OML_OK);
  if (st != OML_OK) {
    return;
  }
  oml_secret_key *sk = nullptr;
  CHECK(oml_secret_key_create(ctx, &sk) == OML_OK);
  double re[] = {0.5, -0.25};
  oml_plaintext *pt = nullptr;
  CHECK(oml_plaintext_ckks_encode(ctx, re, nullptr, 2, 0x1p30, 1, &pt) == OML_OK);
  oml_ciphertext *ct = nullptr;
  CHECK(oml_encrypt_symmetric(ctx, sk, pt, 1, &ct) == OML_OK);
  oml_ciphertext *low = nullptr;
  CHECK(oml_evaluator_mod_switch_to(ctx, ct, 0, &low) == OML_OK);

  // SEAL throws std::invalid_argument for operands at different levels.
  oml_ciphertext *sum = nullptr;
  CHECK(oml_evaluator_add(ctx, ct, low, &sum) == OML_E_INCOMPATIBLE);
  CHECK(sum == nullptr);
  CHECK(message_contains("SEAL refused"));
  oml_ciphertext *end = nullptr;
  CHECK(oml_evaluator_rescale(ctx, low, &end) == OML_E_INCOMPATIBLE);

  // Malformed bytes: SEAL's loader throws; we get MALFORMED, never an escaped exception.
  size_t size = 0;
  CHECK(oml_ciphertext_save_size(ct, &size) == OML_OK);
  std::vector<uint8_t> bytes(size);
  size_t written = 0;
  CHECK(oml_ciphertext_save(ct, bytes.data(), bytes.size(), &written) == OML_OK);
  CHECK(written == size);
  oml_ciphertext *back = nullptr;
  CHECK(oml_ciphertext_load(ctx, bytes.data(), bytes.size(), &back) == OML_OK);
  oml_ciphertext_destroy(back);
  std::vector<uint8_t> bad = bytes;
  bad[20] ^= 0x5a;  // inside the parameter id
  back = nullptr;
  CHECK(oml_ciphertext_load(ctx, bad.data(), bad.size(), &back) == OML_E_MALFORMED);
  CHECK(back == nullptr);
  CHECK(oml_ciphertext_load(ctx, bytes.data(), bytes.size() - 1, &back) == OML_E_MALFORMED);
  for (uint32_t seed = 1; seed < 200; seed++) {
    std::vector<uint8_t> noise(bytes.size());
    uint32_t x = seed;
    for (auto &b : noise) {
      x = x * 1664525u + 1013904223u;
      b = static_cast<uint8_t>(x >> 24);
    }
    std::memcpy(noise.data(), bytes.data(), 16);  // keep the header so SEAL's loader runs
    oml_status s = oml_ciphertext_load(ctx, noise.data(), noise.size(), &back);
    CHECK(s == OML_E_MALFORMED);
    oml_galois_keys *gk = nullptr;
    s = oml_galois_keys_load(ctx, noise.data(), noise.size(), &gk);
    CHECK(s == OML_E_MALFORMED);
  }
  uint8_t small_buf[8];
  CHECK(oml_ciphertext_save(ct, small_buf, sizeof small_buf, &written) == OML_E_BUFFER_TOO_SMALL);

  // Relinearization keys need a special prime; objects of another context are refused.
  oml_context *other = nullptr;
  uint64_t one[] = {special};
  CHECK(oml_context_create(OML_SCHEME_CKKS, 2048, one, 1, 0, 0, 0, &other) == OML_OK);
  oml_relin_keys *rk = nullptr;
  CHECK(oml_relin_keys_create(other, sk, &rk) == OML_E_CONTEXT_MISMATCH);
  oml_plaintext *dec = nullptr;
  CHECK(oml_decrypt(other, sk, ct, &dec) == OML_E_CONTEXT_MISMATCH);

  oml_ciphertext_destroy(low);
  oml_ciphertext_destroy(ct);
  oml_plaintext_destroy(pt);
  oml_secret_key_destroy(sk);
  oml_context_destroy(other);
  oml_context_destroy(ctx);
}

// A matrix-vector answer is extracted: it decrypts and round-trips through its own format, is
// refused by evaluation, and every corruption of its bytes is refused on load.
static void extracted_answers_load_strictly() {
  auto chain = seal::CoeffModulus::Create(2048, {30, 30, 50});
  uint64_t primes[] = {chain[0].value(), chain[1].value()};
  oml_context *ctx = nullptr;
  CHECK(oml_context_create(OML_SCHEME_BFV, 2048, primes, 2, chain[2].value(), 1ULL << 16, 0, &ctx)
      == OML_OK);
  if (ctx == nullptr) {
    return;
  }
  oml_secret_key *sk = nullptr;
  oml_public_key *pk = nullptr;
  CHECK(oml_secret_key_create(ctx, &sk) == OML_OK);
  CHECK(oml_public_key_create(ctx, sk, &pk) == OML_OK);
  uint64_t r[4] = {1, 2, 3, 4};
  oml_plaintext *pt = nullptr;
  CHECK(oml_plaintext_bfv_encode(ctx, r, 4, &pt) == OML_OK);
  oml_ciphertext *q = nullptr;
  CHECK(oml_encrypt_symmetric(ctx, sk, pt, 1, &q) == OML_OK);
  uint64_t w[8] = {1, 0, 0, 0, 0, 1, 0, 0};
  uint64_t mask[2] = {0, 0};
  oml_ciphertext *answer = nullptr;
  const oml_ciphertext *query[] = {q};
  CHECK(oml_matvec_answer(ctx, query, 1, w, 2, 4, 2, 4, mask, pk, 10, 0, &answer, 1) == OML_OK);
  if (answer == nullptr) {
    return;
  }
  int64_t info[5] = {0, 0, 0, 0, 0};
  double scale = 0;
  CHECK(oml_ciphertext_info(ctx, answer, info, &scale) == OML_OK);
  CHECK(info[0] == 0 && info[4] == 2);
  oml_ciphertext *sum = nullptr;
  CHECK(oml_evaluator_add(ctx, answer, answer, &sum) == OML_E_INCOMPATIBLE);
  CHECK(message_contains("extracted"));
  // A non-seeded query is refused (its noise is not what the budget assumes).
  oml_ciphertext *full = nullptr;
  CHECK(oml_encrypt_symmetric(ctx, sk, pt, 0, &full) == OML_OK);
  const oml_ciphertext *bad_query[] = {full};
  oml_ciphertext *none = nullptr;
  CHECK(oml_matvec_answer(ctx, bad_query, 1, w, 2, 4, 2, 4, mask, pk, 10, 0, &none, 1)
      == OML_E_INCOMPATIBLE);

  size_t size = 0;
  CHECK(oml_ciphertext_save_size(answer, &size) == OML_OK);
  std::vector<uint8_t> bytes(size);
  size_t written = 0;
  CHECK(oml_ciphertext_save(answer, bytes.data(), bytes.size(), &written) == OML_OK);
  CHECK(written == size && size == 12 + 2 * 4 + 2 * 8 + 2048 * 8);
  oml_ciphertext *back = nullptr;
  CHECK(oml_ciphertext_load(ctx, bytes.data(), bytes.size(), &back) == OML_OK);
  if (back != nullptr) {
    CHECK(oml_ciphertext_info(ctx, back, info, &scale) == OML_OK && info[4] == 2);
    oml_plaintext *a = nullptr;
    oml_plaintext *b = nullptr;
    uint64_t da[2048];
    uint64_t db[2048];
    CHECK(oml_decrypt(ctx, sk, answer, &a) == OML_OK);
    CHECK(oml_decrypt(ctx, sk, back, &b) == OML_OK);
    CHECK(oml_plaintext_bfv_decode(ctx, a, da) == OML_OK);
    CHECK(oml_plaintext_bfv_decode(ctx, b, db) == OML_OK);
    // Outputs at coefficients bc - 1 and 2 bc - 1: W r = (r_0, r_1) = (1, 2).
    CHECK(da[3] == 1 && da[7] == 2 && db[3] == 1 && db[7] == 2);
    oml_plaintext_destroy(a);
    oml_plaintext_destroy(b);
    oml_ciphertext_destroy(back);
  }
  auto refused = [&](std::vector<uint8_t> v) {
    oml_ciphertext *x = nullptr;
    oml_status s = oml_ciphertext_load(ctx, v.data(), v.size(), &x);
    oml_ciphertext_destroy(x);
    return s == OML_E_MALFORMED && x == nullptr;
  };
  CHECK(refused(std::vector<uint8_t>(bytes.begin(), bytes.end() - 1)));
  std::vector<uint8_t> bad = bytes;
  bad[4] = 2;  // level above the top
  CHECK(refused(bad));
  bad = bytes;
  bad[8] = 0;  // no kept coefficient
  CHECK(refused(bad));
  bad = bytes;
  std::memcpy(&bad[16], &bad[12], 4);  // positions not ascending
  CHECK(refused(bad));
  bad = bytes;
  std::memset(&bad[20], 0xff, 8);  // a kept coefficient above its prime
  CHECK(refused(bad));
  bad = bytes;
  std::memset(&bad[bad.size() - 8], 0xff, 8);  // a second-component coefficient above its prime
  CHECK(refused(bad));

  oml_ciphertext_destroy(full);
  oml_ciphertext_destroy(answer);
  oml_ciphertext_destroy(q);
  oml_plaintext_destroy(pt);
  oml_public_key_destroy(pk);
  oml_secret_key_destroy(sk);
  oml_context_destroy(ctx);
}

// Rotations of one ciphertext in one call (SEAL's and hoisted): every key is checked before any
// result is made.
static void rotate_many_checks_every_key_first() {
  auto chain = seal::CoeffModulus::Create(2048, {40, 60});
  uint64_t primes[] = {chain[0].value()};
  oml_context *ctx = nullptr;
  CHECK(oml_context_create(OML_SCHEME_CKKS, 2048, primes, 1, chain[1].value(), 0, 0, &ctx)
      == OML_OK);
  if (ctx == nullptr) {
    return;
  }
  oml_secret_key *sk = nullptr;
  CHECK(oml_secret_key_create(ctx, &sk) == OML_OK);
  int32_t steps[] = {1};
  oml_galois_keys *gk = nullptr;
  CHECK(oml_galois_keys_create(ctx, sk, steps, 1, 0, &gk) == OML_OK);
  oml_ciphertext *conj = nullptr;
  double re[] = {1, 2, 3};
  oml_plaintext *pt = nullptr;
  CHECK(oml_plaintext_ckks_encode(ctx, re, nullptr, 3, 0x1p30, 0, &pt) == OML_OK);
  oml_ciphertext *ct = nullptr;
  CHECK(oml_encrypt_symmetric(ctx, sk, pt, 0, &ct) == OML_OK);
  int32_t ok[] = {1, 0, 1025};
  oml_ciphertext *out[3] = {nullptr, nullptr, nullptr};
  CHECK(oml_evaluator_rotate_many(ctx, ct, ok, 3, gk, out) == OML_OK);
  for (auto *o : out) {
    CHECK(o != nullptr);
    oml_ciphertext_destroy(o);
  }
  int32_t missing[] = {1, 3};
  oml_ciphertext *none[2] = {nullptr, nullptr};
  CHECK(oml_evaluator_rotate_many(ctx, ct, missing, 2, gk, none) == OML_E_INCOMPATIBLE);
  CHECK(none[0] == nullptr && none[1] == nullptr);
  CHECK(oml_evaluator_rotate_many(ctx, ct, nullptr, 2, gk, none) == OML_E_INVALID_ARGUMENT);
  // The hoisted call likewise: results for steps with keys, nothing when one key is missing.
  oml_ciphertext *hoisted[3] = {nullptr, nullptr, nullptr};
  CHECK(oml_evaluator_rotate_hoisted(ctx, ct, ok, 3, gk, hoisted) == OML_OK);
  for (auto *o : hoisted) {
    CHECK(o != nullptr);
    oml_ciphertext_destroy(o);
  }
  CHECK(oml_evaluator_rotate_hoisted(ctx, ct, missing, 2, gk, none) == OML_E_INCOMPATIBLE);
  CHECK(none[0] == nullptr && none[1] == nullptr);
  CHECK(oml_evaluator_rotate_hoisted(ctx, ct, nullptr, 2, gk, none) == OML_E_INVALID_ARGUMENT);
  // On several threads (ABI 7): the same refusals, and a thread count outside [1, 64].
  CHECK(oml_evaluator_rotate_hoisted_threads(ctx, ct, ok, 3, gk, 2, hoisted) == OML_OK);
  for (auto *o : hoisted) {
    CHECK(o != nullptr);
    oml_ciphertext_destroy(o);
  }
  CHECK(oml_evaluator_rotate_hoisted_threads(ctx, ct, missing, 2, gk, 2, none)
      == OML_E_INCOMPATIBLE);
  CHECK(none[0] == nullptr && none[1] == nullptr);
  CHECK(oml_evaluator_rotate_hoisted_threads(ctx, ct, ok, 3, gk, 0, none)
      == OML_E_INVALID_ARGUMENT);
  CHECK(oml_evaluator_rotate_hoisted_threads(ctx, ct, ok, 3, gk, 65, none)
      == OML_E_INVALID_ARGUMENT);
  CHECK(none[0] == nullptr && none[1] == nullptr);
  oml_ciphertext *one = nullptr;
  CHECK(oml_evaluator_rotate_threads(ctx, ct, 1, gk, 2, &one) == OML_OK);
  CHECK(one != nullptr);
  oml_ciphertext_destroy(one);
  one = nullptr;
  CHECK(oml_evaluator_rotate_threads(ctx, ct, 3, gk, 2, &one) == OML_E_INCOMPATIBLE);
  CHECK(oml_evaluator_rotate_threads(ctx, ct, 1, gk, 0, &one) == OML_E_INVALID_ARGUMENT);
  CHECK(oml_evaluator_rotate_threads(ctx, ct, 1, nullptr, 2, &one) == OML_E_INVALID_ARGUMENT);
  CHECK(oml_evaluator_conjugate_threads(ctx, ct, gk, 2, &one) == OML_E_INCOMPATIBLE);
  CHECK(one == nullptr);
  // Conjugation needs its own key.
  CHECK(oml_evaluator_conjugate(ctx, ct, gk, &conj) == OML_E_INCOMPATIBLE);
  oml_galois_keys *gc = nullptr;
  CHECK(oml_galois_keys_create(ctx, sk, steps, 1, 1, &gc) == OML_OK);
  CHECK(oml_evaluator_conjugate(ctx, ct, gc, &conj) == OML_OK);
  oml_ciphertext_destroy(conj);
  CHECK(oml_evaluator_conjugate_threads(ctx, ct, gc, 3, &conj) == OML_OK);
  oml_ciphertext_destroy(conj);
  oml_galois_keys_destroy(gc);
  oml_ciphertext_destroy(ct);
  oml_plaintext_destroy(pt);
  oml_galois_keys_destroy(gk);
  oml_secret_key_destroy(sk);
  oml_context_destroy(ctx);
}

// t = 2^60 is above SEAL's limit: the context still encrypts, decrypts (from the phase, with
// OML's t) and multiplies by plaintexts, and refuses ciphertext products.
static void plain_modulus_above_seal_limit() {
  auto chain = seal::CoeffModulus::Create(2048, {60, 60, 60});
  uint64_t primes[] = {chain[0].value(), chain[1].value()};
  oml_context *ctx = nullptr;
  CHECK(oml_context_create(OML_SCHEME_BFV, 2048, primes, 2, chain[2].value(), 1ULL << 60, 0, &ctx)
      == OML_OK);
  if (ctx == nullptr) {
    return;
  }
  oml_context *batched = nullptr;
  CHECK(oml_context_create(OML_SCHEME_BFV, 2048, primes, 2, chain[2].value(), 1ULL << 60, 1,
      &batched) == OML_E_INVALID_PARAMETERS);
  oml_secret_key *sk = nullptr;
  CHECK(oml_secret_key_create(ctx, &sk) == OML_OK);
  uint64_t v[] = {(1ULL << 60) - 1, 1ULL << 59};
  oml_plaintext *pt = nullptr;
  CHECK(oml_plaintext_bfv_encode(ctx, v, 2, &pt) == OML_OK);
  uint64_t too_big[] = {1ULL << 60};
  oml_plaintext *bad = nullptr;
  CHECK(oml_plaintext_bfv_encode(ctx, too_big, 1, &bad) == OML_E_INVALID_ARGUMENT);
  oml_ciphertext *ct = nullptr;
  CHECK(oml_encrypt_symmetric(ctx, sk, pt, 1, &ct) == OML_OK);
  oml_plaintext *dec = nullptr;
  CHECK(oml_decrypt(ctx, sk, ct, &dec) == OML_OK);
  std::vector<uint64_t> m(2048, 1);
  CHECK(dec != nullptr && oml_plaintext_bfv_decode(ctx, dec, m.data()) == OML_OK);
  CHECK(m[0] == v[0] && m[1] == v[1] && m[2] == 0 && m[2047] == 0);
  oml_plaintext_destroy(dec);
  oml_ciphertext *prod = nullptr;
  CHECK(oml_evaluator_multiply(ctx, ct, ct, &prod) == OML_E_INCOMPATIBLE);
  oml_ciphertext *scaled = nullptr;
  CHECK(oml_evaluator_multiply_plain(ctx, ct, pt, &scaled) == OML_OK);
  oml_ciphertext_destroy(scaled);
  oml_ciphertext_destroy(ct);
  oml_plaintext_destroy(pt);
  oml_secret_key_destroy(sk);
  oml_context_destroy(ctx);
}

int main() {
  guard_catches_everything();
  messages_are_per_thread();
  abi_calls_turn_seal_exceptions_into_statuses();
  extracted_answers_load_strictly();
  rotate_many_checks_every_key_first();
  plain_modulus_above_seal_limit();
  if (failures != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("firewall: all checks passed (ABI %d, SEAL %s)\n", oml_abi_version(),
      oml_seal_version());
  return 0;
}
