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

int main() {
  guard_catches_everything();
  messages_are_per_thread();
  abi_calls_turn_seal_exceptions_into_statuses();
  if (failures != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("firewall: all checks passed (ABI %d, SEAL %s)\n", oml_abi_version(),
      oml_seal_version());
  return 0;
}
