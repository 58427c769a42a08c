// The AVX-512 transforms and division helpers of ntt_simd.cpp against SEAL's own, residue for
// residue. Transforms: random inputs
// (forward: in [0, 4q) as SEAL's transform accepts them; inverse: in [0, 2q)), primes of 40 to 61
// bits, n from 16 to 32768, and a forward-inverse round trip. On a CPU without AVX-512 (or with
// OML_NATIVE_SIMD=0) both sides are SEAL's and the test says so.
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "ntt_simd.h"
#include "seal/util/ntt.h"
#include "seal/util/numth.h"
#include "seal/util/polyarithsmallmod.h"

using namespace seal;

int main() {
  std::printf("AVX-512 transforms %s\n", oml::ntt_simd_enabled() ? "in use" : "NOT in use (SEAL's on both sides)");
  std::mt19937_64 rng(20261203);
  int failures = 0;
  int checks = 0;
  for (int log_n : {4, 5, 10, 13, 14, 15}) {
    size_t n = size_t(1) << log_n;
    for (int bits : {40, 43, 55, 60, 61}) {
      auto primes = util::get_primes(2 * n, bits, 1);
      const Modulus &q = primes[0];
      MemoryPoolHandle pool = MemoryManager::GetPool();
      util::NTTTables tables(log_n, q, pool);
      std::vector<uint64_t> a(n), b(n);
      for (int rep = 0; rep < 3; rep++) {
        for (size_t t = 0; t < n; t++) {
          a[t] = rng() % (4 * q.value());
        }
        b = a;
        util::ntt_negacyclic_harvey(util::CoeffIter(a.data()), tables);
        oml::ntt_forward(b.data(), tables);
        checks++;
        if (a != b) {
          std::printf("forward differs: n = %zu, %d-bit prime\n", n, bits);
          failures++;
        }
        for (size_t t = 0; t < n; t++) {
          a[t] = rng() % (2 * q.value());
        }
        b = a;
        std::vector<uint64_t> original = a;
        util::inverse_ntt_negacyclic_harvey(util::CoeffIter(a.data()), tables);
        oml::ntt_inverse(b.data(), tables);
        checks++;
        if (a != b) {
          std::printf("inverse differs: n = %zu, %d-bit prime\n", n, bits);
          failures++;
        }
        oml::ntt_forward(b.data(), tables);
        for (auto &v : original) {
          v %= q.value();
        }
        checks++;
        if (b != original) {
          std::printf("round trip differs: n = %zu, %d-bit prime\n", n, bits);
          failures++;
        }
      }
    }
  }
  // The division helpers against SEAL's element-wise functions.
  for (int bits : {40, 55, 60, 61}) {
    size_t n = 4096;
    auto primes = util::get_primes(2 * n, bits, 2);
    const Modulus &q = primes[0];
    std::vector<uint64_t> in(n), want(n), got(n), sum(n), t(n), c0(n);
    std::vector<uint32_t> perm(n);
    for (size_t i = 0; i < n; i++) {
      in[i] = rng();
      sum[i] = rng() % q.value();
      t[i] = rng() % q.value();
      c0[i] = rng() % q.value();
      perm[i] = static_cast<uint32_t>((i * 5 + 3) % n);
    }
    uint64_t sub = rng() % q.value();
    util::modulo_poly_coeffs(in.data(), n, q, want.data());
    util::sub_poly_scalar_coeffmod(want.data(), n, sub, q, want.data());
    oml::reduce_and_subtract(in.data(), n, q, sub, got.data());
    checks++;
    if (want != got) {
      std::printf("reduce_and_subtract differs: %d-bit prime\n", bits);
      failures++;
    }
    util::MultiplyUIntModOperand inv;
    inv.set(util::barrett_reduce_64(primes[1].value(), q), q);
    util::sub_poly_coeffmod(sum.data(), t.data(), n, q, want.data());
    util::multiply_poly_scalar_coeffmod(want.data(), n, inv, q, want.data());
    oml::finish_division(sum.data(), t.data(), n, inv, q, nullptr, perm.data(), got.data());
    checks++;
    if (want != got) {
      std::printf("finish_division differs: %d-bit prime\n", bits);
      failures++;
    }
    for (size_t i = 0; i < n; i++) {
      want[i] = util::add_uint_mod(want[i], c0[perm[i]], q);
    }
    oml::finish_division(sum.data(), t.data(), n, inv, q, c0.data(), perm.data(), got.data());
    checks++;
    if (want != got) {
      std::printf("finish_division with c0 differs: %d-bit prime\n", bits);
      failures++;
    }
  }
  // Two inner products with a shared (optionally gathered) operand against 128-bit sums.
  bool dot_used = false;
  for (int bits : {40, 55, 60, 61}) {
    size_t n = 1024;
    const Modulus q = util::get_primes(2 * n, bits, 1)[0];
    for (size_t count : {size_t(1), size_t(7), size_t(16), size_t(64)}) {
      std::vector<std::vector<uint64_t>> sv(count, std::vector<uint64_t>(n)), uv = sv, vv = sv;
      std::vector<const uint64_t *> sp(count), up(count), vp(count);
      for (size_t i = 0; i < count; i++) {
        for (size_t t = 0; t < n; t++) {
          // The largest residues too, where the limbs carry most.
          sv[i][t] = t % 5 == 0 ? q.value() - 1 : rng() % q.value();
          uv[i][t] = t % 7 == 0 ? q.value() - 1 : rng() % q.value();
          vv[i][t] = rng() % q.value();
        }
        sp[i] = sv[i].data();
        up[i] = uv[i].data();
        vp[i] = vv[i].data();
      }
      std::vector<uint32_t> perm(n);
      for (size_t t = 0; t < n; t++) {
        perm[t] = static_cast<uint32_t>((t * 77 + 13) % n);
      }
      for (const uint32_t *pm : {static_cast<const uint32_t *>(nullptr),
               static_cast<const uint32_t *>(perm.data())}) {
        std::vector<uint64_t> gu(n), gv(n), wu(n), wv(n);
        for (size_t t = 0; t < n; t++) {
          unsigned __int128 a = 0;
          unsigned __int128 b = 0;
          for (size_t i = 0; i < count; i++) {
            uint64_t x = sp[i][pm != nullptr ? pm[t] : t];
            a += static_cast<unsigned __int128>(x) * up[i][t] % q.value();
            b += static_cast<unsigned __int128>(x) * vp[i][t] % q.value();
          }
          wu[t] = static_cast<uint64_t>(a % q.value());
          wv[t] = static_cast<uint64_t>(b % q.value());
        }
        // Two halves, to check the offset.
        bool used = oml::dot2(0, n / 2, count, sp.data(), pm, up.data(), vp.data(), q,
            gu.data(), gv.data());
        used = oml::dot2(n / 2, n / 2, count, sp.data(), pm, up.data(), vp.data(), q, gu.data(),
            gv.data()) && used;
        dot_used = dot_used || used;
        if (used) {
          checks++;
          if (gu != wu || gv != wv) {
            std::printf("dot2 differs: %d-bit prime, %zu terms\n", bits, count);
            failures++;
          }
        }
      }
    }
  }
  std::printf("IFMA inner products %s\n", dot_used ? "checked" : "NOT available (not checked)");
  std::printf("%d of %d checks failed\n", failures, checks);
  return failures == 0 ? 0 : 1;
}
