// Negacyclic NTTs with AVX-512 where the CPU has it (see ntt_simd.cpp).
#pragma once

#include <cstdint>

#include "seal/util/ntt.h"

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

}  // namespace oml
