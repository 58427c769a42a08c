// Negacyclic NTTs with AVX-512 where the CPU has it (see ntt_simd.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "seal/modulus.h"
#include "seal/util/ntt.h"
#include "seal/util/uintarithsmallmod.h"

namespace oml {

// Whether the AVX-512 transforms are in use: the CPU has AVX-512 F and DQ, and the environment
// variable OML_NATIVE_SIMD is not "0" (read once).
bool ntt_simd_enabled();

// SEAL's forward transform (util::ntt_negacyclic_harvey) of n = 2^k values: the same roots and
// bit-reversed order, inputs in [0, 4q), outputs in [0, q). Any correct transform gives the same
// canonical residues, so the result is SEAL's to the last bit whichever path runs.
void ntt_forward(std::uint64_t *values, const seal::util::NTTTables &tables);

// SEAL's inverse transform (util::inverse_ntt_negacyclic_harvey), including the factor 1/n:
// inputs in [0, 2q), outputs in [0, q).
void ntt_inverse(std::uint64_t *values, const seal::util::NTTTables &tables);

// out[t] = (in[t] mod q - sub) mod q for t < n, with sub < q (inputs any 64-bit words).
void reduce_and_subtract(const std::uint64_t *in, std::size_t n, const seal::Modulus &q,
    std::uint64_t sub, std::uint64_t *out);

// The last step of a key switch's division by the special prime at one prime q, for t < n:
// dst[t] = (sum[t] - t_[t]) inv mod q, plus c0[perm[t]] mod q where c0 is not null (the
// rotated first component). sum, t_ and c0 hold residues below q.
void finish_division(const std::uint64_t *sum, const std::uint64_t *t_, std::size_t n,
    const seal::util::MultiplyUIntModOperand &inv, const seal::Modulus &q,
    const std::uint64_t *c0, const std::uint32_t *perm, std::uint64_t *dst);

// Two inner products with a shared operand, for t in [t0, t0 + len) (len a multiple of 8):
// out_u[t] = sum_i s_i[p(t)] u_i[t] mod q and out_v[t] = sum_i s_i[p(t)] v_i[t] mod q, where
// p(t) = perm[t] if perm is not null, else t. Operands are residues below q < 2^61. With
// AVX-512 IFMA the 128-bit products are summed as 52-bit limbs, eight coefficients at a time;
// returns false (and computes nothing) where that path is not available or count > 64, so the
// caller runs its own loop.
bool dot2(std::size_t t0, std::size_t len, std::size_t count, const std::uint64_t *const *s,
    const std::uint32_t *perm, const std::uint64_t *const *u, const std::uint64_t *const *v,
    const seal::Modulus &q, std::uint64_t *out_u, std::uint64_t *out_v);

}  // namespace oml
