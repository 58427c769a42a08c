// Negacyclic NTTs over one word-sized prime q < 2^62 with AVX-512 (F and DQ), eight butterflies
// per instruction, where SEAL's own transforms do one at a time.
//
// Both directions use Harvey's lazy butterflies with Shoup's precomputed quotients, on SEAL's
// own tables of root powers (bit-reversed order, as SEAL's transforms read them):
// - forward (Cooley-Tukey): x' = g(x) + w y, y' = g(x) - w y + 2q, where g(a) = a - 2q if
//   a >= 2q and w y is computed as y W - floor(y W' / 2^64) q in [0, 2q) (W' = floor(W 2^64/q));
//   values stay in [0, 4q).
// - inverse (Gentleman-Sande): x' = g(x + y), y' = w (x - y + 2q); values stay in [0, 2q); the
//   last stage also multiplies by 1/n.
// The high word of the 64x64-bit product has no AVX-512 instruction below IFMA's 52 bits; it is
// put together from four 32x32-bit products. Stages whose butterflies are closer than eight
// words apart gather their x and y words into vectors first.
#include "ntt_simd.h"

// GCC 12 warns of uninitialized variables inside its own AVX-512 headers when they are used in
// functions with a target attribute (its intrinsics start from an undefined vector); the
// warnings are about the header, not this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wpsabi"
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "seal/util/polyarithsmallmod.h"
#include "seal/util/uintarithsmallmod.h"

namespace oml {
namespace {

using seal::util::MultiplyUIntModOperand;
using seal::util::NTTTables;

bool cpu_has_avx512() {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

bool decide_simd() {
  const char *env = std::getenv("OML_NATIVE_SIMD");
  if (env != nullptr && std::strcmp(env, "0") == 0) {
    return false;
  }
  return cpu_has_avx512();
}

#if defined(__GNUC__) && defined(__x86_64__)
#define OML_AVX512 __attribute__((target("avx512f,avx512dq")))

// floor(a b / 2^64) per lane, from four 32x32-bit products; b_hi = b >> 32.
OML_AVX512 inline __m512i mulhi64(__m512i a, __m512i b, __m512i b_hi) {
  const __m512i low32 = _mm512_set1_epi64(0xffffffffULL);
  __m512i a_hi = _mm512_srli_epi64(a, 32);
  __m512i p00 = _mm512_mul_epu32(a, b);
  __m512i p01 = _mm512_mul_epu32(a, b_hi);
  __m512i p10 = _mm512_mul_epu32(a_hi, b);
  __m512i p11 = _mm512_mul_epu32(a_hi, b_hi);
  __m512i mid = _mm512_add_epi64(_mm512_srli_epi64(p00, 32),
      _mm512_add_epi64(_mm512_and_si512(p01, low32), _mm512_and_si512(p10, low32)));
  __m512i hi = _mm512_add_epi64(p11, _mm512_add_epi64(_mm512_srli_epi64(p01, 32),
      _mm512_srli_epi64(p10, 32)));
  return _mm512_add_epi64(hi, _mm512_srli_epi64(mid, 32));
}

// w y in [0, 2q) per lane.
OML_AVX512 inline __m512i mul_root(__m512i y, __m512i w, __m512i w_quot, __m512i w_quot_hi,
    __m512i q) {
  __m512i h = mulhi64(y, w_quot, w_quot_hi);
  return _mm512_sub_epi64(_mm512_mullo_epi64(y, w), _mm512_mullo_epi64(h, q));
}

// a - 2q where a >= 2q: the wrapped difference is larger than a exactly when a < 2q.
OML_AVX512 inline __m512i guard(__m512i a, __m512i two_q) {
  return _mm512_min_epu64(a, _mm512_sub_epi64(a, two_q));
}

// Stages whose butterflies are gap = 1, 2 or 4 words apart, sixteen words (8 / gap groups of
// 2 gap words) at a time: the x and y words of the groups are gathered into two vectors, each
// lane with its group's root, and put back after the butterflies.
struct SmallGap {
  __m512i x_idx, y_idx, lo_idx, hi_idx, w_idx, wq_idx;
  __mmask8 root_mask;
};

OML_AVX512 SmallGap small_gap(std::size_t gap) {
  alignas(64) long long x[8], y[8], lo[8], hi[8], w[8], wq[8];
  for (std::size_t t = 0; t < 8; t++) {
    std::size_t group = t / gap;
    std::size_t p = t % gap;
    x[t] = static_cast<long long>(group * 2 * gap + p);
    y[t] = x[t] + static_cast<long long>(gap);
    w[t] = static_cast<long long>(2 * group);
    wq[t] = w[t] + 1;
  }
  for (std::size_t e = 0; e < 16; e++) {
    std::size_t group = e / (2 * gap);
    std::size_t p = e % (2 * gap);
    long long from = p < gap ? static_cast<long long>(group * gap + p)
                             : static_cast<long long>(8 + group * gap + p - gap);
    (e < 8 ? lo[e] : hi[e - 8]) = from;
  }
  std::size_t roots = 8 / gap;
  return SmallGap{_mm512_load_si512(x), _mm512_load_si512(y), _mm512_load_si512(lo),
      _mm512_load_si512(hi), _mm512_load_si512(w), _mm512_load_si512(wq),
      static_cast<__mmask8>((1u << (roots > 4 ? 8 : 2 * roots)) - 1)};
}

// The roots of the groups of sixteen words starting at roots[first] (as many as 8 / gap), per
// lane: operands and quotients.
OML_AVX512 inline void small_gap_roots(const SmallGap &g, const MultiplyUIntModOperand *first,
    std::size_t gap, __m512i &w, __m512i &wq) {
  const long long *r = reinterpret_cast<const long long *>(first);
  __m512i r0 = _mm512_maskz_loadu_epi64(g.root_mask, r);
  __m512i r1 = gap == 1 ? _mm512_loadu_si512(r + 8) : _mm512_setzero_si512();
  w = _mm512_permutex2var_epi64(r0, g.w_idx, r1);
  wq = _mm512_permutex2var_epi64(r0, g.wq_idx, r1);
}

// The two butterflies, on u = x and v = y (the words gap apart) with the group's root w.
struct ForwardButterfly {
  __m512i q, two_q;
  // x' = g(x) + w y, y' = g(x) - w y + 2q.
  OML_AVX512 void operator()(__m512i &u, __m512i &v, __m512i w, __m512i wq, __m512i wq_hi) const {
    __m512i x = guard(u, two_q);
    __m512i t = mul_root(v, w, wq, wq_hi, q);
    u = _mm512_add_epi64(x, t);
    v = _mm512_add_epi64(_mm512_sub_epi64(x, t), two_q);
  }
};

struct InverseButterfly {
  __m512i q, two_q;
  // x' = g(x + y), y' = w (x - y + 2q).
  OML_AVX512 void operator()(__m512i &u, __m512i &v, __m512i w, __m512i wq, __m512i wq_hi) const {
    __m512i x = guard(_mm512_add_epi64(u, v), two_q);
    v = mul_root(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), w, wq, wq_hi, q);
    u = x;
  }
};

// One stage of m groups of butterflies gap words apart, group i with roots[i].
template <class Butterfly>
OML_AVX512 void stage(std::uint64_t *values, const MultiplyUIntModOperand *roots, std::size_t m,
    std::size_t gap, const Butterfly &butterfly) {
  if (gap >= 8) {
    for (std::size_t i = 0; i < m; i++) {
      const __m512i w = _mm512_set1_epi64(static_cast<long long>(roots[i].operand));
      const __m512i wq = _mm512_set1_epi64(static_cast<long long>(roots[i].quotient));
      const __m512i wq_hi = _mm512_srli_epi64(wq, 32);
      std::uint64_t *x = values + 2 * i * gap;
      std::uint64_t *y = x + gap;
      for (std::size_t j = 0; j < gap; j += 8) {
        __m512i u = _mm512_loadu_si512(x + j);
        __m512i v = _mm512_loadu_si512(y + j);
        butterfly(u, v, w, wq, wq_hi);
        _mm512_storeu_si512(x + j, u);
        _mm512_storeu_si512(y + j, v);
      }
    }
    return;
  }
  const SmallGap g = small_gap(gap);
  for (std::size_t i = 0; i < m; i += 8 / gap) {
    __m512i w, wq;
    small_gap_roots(g, roots + i, gap, w, wq);
    __m512i wq_hi = _mm512_srli_epi64(wq, 32);
    std::uint64_t *p = values + 2 * i * gap;
    __m512i a = _mm512_loadu_si512(p);
    __m512i b = _mm512_loadu_si512(p + 8);
    __m512i u = _mm512_permutex2var_epi64(a, g.x_idx, b);
    __m512i v = _mm512_permutex2var_epi64(a, g.y_idx, b);
    butterfly(u, v, w, wq, wq_hi);
    _mm512_storeu_si512(p, _mm512_permutex2var_epi64(u, g.lo_idx, v));
    _mm512_storeu_si512(p + 8, _mm512_permutex2var_epi64(u, g.hi_idx, v));
  }
}

OML_AVX512 void forward_avx512(std::uint64_t *values, const NTTTables &tables) {
  const std::size_t n = std::size_t(1) << tables.coeff_count_power();
  const std::uint64_t qs = tables.modulus().value();
  const MultiplyUIntModOperand *roots = tables.get_from_root_powers();
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(qs));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * qs));
  const ForwardButterfly butterfly{q, two_q};
  // Stage m (1, 2, ..., n/2) reads roots[m, 2m).
  for (std::size_t m = 1, gap = n >> 1; m < n; m <<= 1, gap >>= 1) {
    stage(values, roots + m, m, gap, butterfly);
  }
  // [0, 4q) to [0, q).
  for (std::size_t j = 0; j < n; j += 8) {
    __m512i a = guard(_mm512_loadu_si512(values + j), two_q);
    _mm512_storeu_si512(values + j, _mm512_min_epu64(a, _mm512_sub_epi64(a, q)));
  }
}

OML_AVX512 void inverse_avx512(std::uint64_t *values, const NTTTables &tables) {
  const std::size_t n = std::size_t(1) << tables.coeff_count_power();
  const std::uint64_t qs = tables.modulus().value();
  const MultiplyUIntModOperand *roots = tables.get_from_inv_root_powers();
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(qs));
  const __m512i two_q = _mm512_set1_epi64(static_cast<long long>(2 * qs));
  const InverseButterfly butterfly{q, two_q};
  // Every stage but the last; stage m (n/2, ..., 2) reads roots[1 + (n - 2m), ...), in order.
  std::size_t root = 0;
  std::size_t gap = 1;
  for (std::size_t m = n >> 1; m > 1; m >>= 1, gap <<= 1) {
    stage(values, roots + root + 1, m, gap, butterfly);
    root += m;
  }
  // The last stage with 1/n: x' = (x + y) / n, y' = (x - y) w / n, then [0, 2q) to [0, q).
  const MultiplyUIntModOperand &inv_n = tables.inv_degree_modulo();
  MultiplyUIntModOperand scaled;
  scaled.set(seal::util::multiply_uint_mod(roots[++root].operand, inv_n, tables.modulus()),
      tables.modulus());
  const __m512i nw = _mm512_set1_epi64(static_cast<long long>(inv_n.operand));
  const __m512i nq = _mm512_set1_epi64(static_cast<long long>(inv_n.quotient));
  const __m512i nq_hi = _mm512_srli_epi64(nq, 32);
  const __m512i sw = _mm512_set1_epi64(static_cast<long long>(scaled.operand));
  const __m512i sq = _mm512_set1_epi64(static_cast<long long>(scaled.quotient));
  const __m512i sq_hi = _mm512_srli_epi64(sq, 32);
  std::uint64_t *x = values;
  std::uint64_t *y = values + gap;
  for (std::size_t j = 0; j < gap; j += 8) {
    __m512i u = _mm512_loadu_si512(x + j);
    __m512i v = _mm512_loadu_si512(y + j);
    __m512i a = mul_root(guard(_mm512_add_epi64(u, v), two_q), nw, nq, nq_hi, q);
    __m512i b = mul_root(_mm512_add_epi64(_mm512_sub_epi64(u, v), two_q), sw, sq, sq_hi, q);
    _mm512_storeu_si512(x + j, _mm512_min_epu64(a, _mm512_sub_epi64(a, q)));
    _mm512_storeu_si512(y + j, _mm512_min_epu64(b, _mm512_sub_epi64(b, q)));
  }
}
// a - q where a >= q.
OML_AVX512 inline __m512i below(__m512i a, __m512i q) {
  return _mm512_min_epu64(a, _mm512_sub_epi64(a, q));
}

OML_AVX512 void reduce_and_subtract_avx512(const std::uint64_t *in, std::size_t n,
    const seal::Modulus &modulus, std::uint64_t sub, std::uint64_t *out) {
  // Barrett with floor(2^64 / q): the estimate is at most one short, so one subtraction.
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(modulus.value()));
  const __m512i mu = _mm512_set1_epi64(static_cast<long long>(modulus.const_ratio()[1]));
  const __m512i mu_hi = _mm512_srli_epi64(mu, 32);
  const __m512i neg = _mm512_set1_epi64(static_cast<long long>(modulus.value() - sub));
  for (std::size_t t = 0; t < n; t += 8) {
    __m512i x = _mm512_loadu_si512(in + t);
    __m512i r = _mm512_sub_epi64(x, _mm512_mullo_epi64(mulhi64(x, mu, mu_hi), q));
    r = below(r, q);
    // r - sub mod q as r + (q - sub), below 2q.
    _mm512_storeu_si512(out + t, below(_mm512_add_epi64(r, neg), q));
  }
}

OML_AVX512 void finish_division_avx512(const std::uint64_t *sum, const std::uint64_t *t_,
    std::size_t n, const MultiplyUIntModOperand &inv, const seal::Modulus &modulus,
    const std::uint64_t *c0, const std::uint32_t *perm, std::uint64_t *dst) {
  const __m512i q = _mm512_set1_epi64(static_cast<long long>(modulus.value()));
  const __m512i w = _mm512_set1_epi64(static_cast<long long>(inv.operand));
  const __m512i wq = _mm512_set1_epi64(static_cast<long long>(inv.quotient));
  const __m512i wq_hi = _mm512_srli_epi64(wq, 32);
  for (std::size_t t = 0; t < n; t += 8) {
    __m512i d = _mm512_add_epi64(_mm512_sub_epi64(_mm512_loadu_si512(sum + t),
        _mm512_loadu_si512(t_ + t)), q);  // in (0, 2q)
    __m512i r = below(mul_root(d, w, wq, wq_hi, q), q);
    if (c0 != nullptr) {
      __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(perm + t));
      __m512i c = _mm512_i32gather_epi64(idx, reinterpret_cast<const long long *>(c0), 8);
      r = below(_mm512_add_epi64(r, c), q);
    }
    _mm512_storeu_si512(dst + t, r);
  }
}

#define OML_IFMA __attribute__((target("avx512f,avx512dq,avx512ifma")))

// A sum of products as three limb sums: value = lo + mid 2^52 + hi 2^104.
struct Limbs {
  __m512i lo, mid, hi;
};

// acc += x y for x = x0 + x1 2^52, y = y0 + y1 2^52 (x0, y0 < 2^52; x1, y1 < 2^9).
OML_IFMA inline void mac(Limbs &acc, __m512i x0, __m512i x1, __m512i y0, __m512i y1) {
  acc.lo = _mm512_madd52lo_epu64(acc.lo, x0, y0);
  acc.mid = _mm512_madd52hi_epu64(acc.mid, x0, y0);
  acc.mid = _mm512_madd52lo_epu64(acc.mid, x0, y1);
  acc.mid = _mm512_madd52lo_epu64(acc.mid, x1, y0);
  acc.hi = _mm512_madd52hi_epu64(acc.hi, x0, y1);
  acc.hi = _mm512_madd52hi_epu64(acc.hi, x1, y0);
  acc.hi = _mm512_madd52lo_epu64(acc.hi, x1, y1);
}

struct LimbReduction {
  __m512i q, one, one_q, one_q_hi, c52, c52_q, c52_q_hi, c104, c104_q, c104_q_hi;
};

OML_IFMA void shoup(std::uint64_t w, const seal::Modulus &modulus, __m512i &op, __m512i &quot,
    __m512i &quot_hi) {
  MultiplyUIntModOperand m;
  m.set(w, modulus);
  op = _mm512_set1_epi64(static_cast<long long>(m.operand));
  quot = _mm512_set1_epi64(static_cast<long long>(m.quotient));
  quot_hi = _mm512_srli_epi64(quot, 32);
}

OML_IFMA LimbReduction limb_reduction(const seal::Modulus &modulus) {
  LimbReduction r;
  r.q = _mm512_set1_epi64(static_cast<long long>(modulus.value()));
  std::uint64_t two52 = seal::util::barrett_reduce_64(std::uint64_t(1) << 52, modulus);
  std::uint64_t two104 = seal::util::multiply_uint_mod(two52, two52, modulus);
  shoup(1, modulus, r.one, r.one_q, r.one_q_hi);
  shoup(two52, modulus, r.c52, r.c52_q, r.c52_q_hi);
  shoup(two104, modulus, r.c104, r.c104_q, r.c104_q_hi);
  return r;
}

// lo + mid 2^52 + hi 2^104 mod q (limb sums below 2^63).
OML_IFMA inline __m512i reduce_limbs(const Limbs &a, const LimbReduction &r) {
  const __m512i mask = _mm512_set1_epi64((1LL << 52) - 1);
  __m512i mid = _mm512_add_epi64(a.mid, _mm512_srli_epi64(a.lo, 52));
  __m512i hi = _mm512_add_epi64(a.hi, _mm512_srli_epi64(mid, 52));
  __m512i x = mul_root(_mm512_and_si512(a.lo, mask), r.one, r.one_q, r.one_q_hi, r.q);
  __m512i y = mul_root(_mm512_and_si512(mid, mask), r.c52, r.c52_q, r.c52_q_hi, r.q);
  __m512i z = mul_root(hi, r.c104, r.c104_q, r.c104_q_hi, r.q);
  // Each below 2q: the sum below 6q, brought below q in three steps.
  const __m512i two_q = _mm512_add_epi64(r.q, r.q);
  __m512i sum = _mm512_add_epi64(_mm512_add_epi64(x, y), z);
  sum = _mm512_min_epu64(sum, _mm512_sub_epi64(sum, _mm512_add_epi64(two_q, two_q)));
  sum = _mm512_min_epu64(sum, _mm512_sub_epi64(sum, two_q));
  return _mm512_min_epu64(sum, _mm512_sub_epi64(sum, r.q));
}

OML_IFMA void dot2_ifma(std::size_t t0, std::size_t len, std::size_t count,
    const std::uint64_t *const *s, const std::uint32_t *perm, const std::uint64_t *const *u,
    const std::uint64_t *const *v, const seal::Modulus &modulus, std::uint64_t *out_u,
    std::uint64_t *out_v) {
  const LimbReduction r = limb_reduction(modulus);
  const __m512i mask = _mm512_set1_epi64((1LL << 52) - 1);
  const __m512i zero = _mm512_setzero_si512();
  for (std::size_t t = t0; t < t0 + len; t += 8) {
    Limbs au{zero, zero, zero};
    Limbs av{zero, zero, zero};
    __m256i idx = perm != nullptr
        ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(perm + t))
        : _mm256_setzero_si256();
    for (std::size_t i = 0; i < count; i++) {
      __m512i x = perm != nullptr
          ? _mm512_i32gather_epi64(idx, reinterpret_cast<const long long *>(s[i]), 8)
          : _mm512_loadu_si512(s[i] + t);
      __m512i x0 = _mm512_and_si512(x, mask);
      __m512i x1 = _mm512_srli_epi64(x, 52);
      __m512i y = _mm512_loadu_si512(u[i] + t);
      mac(au, x0, x1, _mm512_and_si512(y, mask), _mm512_srli_epi64(y, 52));
      __m512i z = _mm512_loadu_si512(v[i] + t);
      mac(av, x0, x1, _mm512_and_si512(z, mask), _mm512_srli_epi64(z, 52));
    }
    _mm512_storeu_si512(out_u + t, reduce_limbs(au, r));
    _mm512_storeu_si512(out_v + t, reduce_limbs(av, r));
  }
}

bool cpu_has_ifma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512ifma");
}
#endif

}  // namespace

bool dot2(std::size_t t0, std::size_t len, std::size_t count, const std::uint64_t *const *s,
    const std::uint32_t *perm, const std::uint64_t *const *u, const std::uint64_t *const *v,
    const seal::Modulus &q, std::uint64_t *out_u, std::uint64_t *out_v) {
#if defined(__GNUC__) && defined(__x86_64__)
  static const bool ifma = cpu_has_ifma();
  if (ifma && ntt_simd_enabled() && count <= 64 && len % 8 == 0 && q.bit_count() <= 61) {
    dot2_ifma(t0, len, count, s, perm, u, v, q, out_u, out_v);
    return true;
  }
#endif
  return false;
}

void reduce_and_subtract(const std::uint64_t *in, std::size_t n, const seal::Modulus &q,
    std::uint64_t sub, std::uint64_t *out) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (ntt_simd_enabled() && n % 8 == 0 && q.bit_count() <= 62) {
    reduce_and_subtract_avx512(in, n, q, sub, out);
    return;
  }
#endif
  seal::util::modulo_poly_coeffs(in, n, q, out);
  if (sub != 0) {
    seal::util::sub_poly_scalar_coeffmod(out, n, sub, q, out);
  }
}

void finish_division(const std::uint64_t *sum, const std::uint64_t *t_, std::size_t n,
    const MultiplyUIntModOperand &inv, const seal::Modulus &q, const std::uint64_t *c0,
    const std::uint32_t *perm, std::uint64_t *dst) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (ntt_simd_enabled() && n % 8 == 0 && q.bit_count() <= 62) {
    finish_division_avx512(sum, t_, n, inv, q, c0, perm, dst);
    return;
  }
#endif
  seal::util::sub_poly_coeffmod(sum, t_, n, q, dst);
  seal::util::multiply_poly_scalar_coeffmod(dst, n, inv, q, dst);
  if (c0 != nullptr) {
    for (std::size_t s = 0; s < n; s++) {
      std::uint64_t v = dst[s] + c0[perm[s]];
      dst[s] = v >= q.value() ? v - q.value() : v;
    }
  }
}

bool ntt_simd_enabled() {
  static const bool enabled = decide_simd();
  return enabled;
}

void ntt_forward(std::uint64_t *values, const NTTTables &tables) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (ntt_simd_enabled() && tables.coeff_count_power() >= 4 && tables.modulus().bit_count() <= 62) {
    forward_avx512(values, tables);
    return;
  }
#endif
  seal::util::ntt_negacyclic_harvey(seal::util::CoeffIter(values), tables);
}

void ntt_inverse(std::uint64_t *values, const NTTTables &tables) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (ntt_simd_enabled() && tables.coeff_count_power() >= 4 && tables.modulus().bit_count() <= 62) {
    inverse_avx512(values, tables);
    return;
  }
#endif
  seal::util::inverse_ntt_negacyclic_harvey(seal::util::CoeffIter(values), tables);
}

}  // namespace oml

#pragma GCC diagnostic pop
