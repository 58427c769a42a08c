/*
 * OML's C ABI over Microsoft SEAL.
 *
 * Conventions (kept deliberately small so that a JNA binding stays obvious):
 *  - Names are flat: oml_<type>_<verb>.
 *  - Every object is an opaque handle created by a function that writes it to an out-pointer
 *    and released by exactly one oml_<type>_destroy call. Handles never reference each other:
 *    operations take the context and the operands explicitly, so ownership is always the
 *    caller's and nothing is freed behind its back.
 *  - Every function except the destroy functions and oml_last_error_message returns an
 *    oml_status; 0 means success. On failure a message (never containing key material) can be
 *    read with oml_last_error_message() on the same thread until the next call.
 *  - No C++ exception crosses this boundary: every function body runs inside a catch-all
 *    firewall that turns exceptions into status codes (a test in native/test proves it).
 *  - Calls are coarse where it pays: a whole matrix-vector product, a batch of
 *    multiply-by-plaintext, save and load of many ciphertexts.
 *  - Levels count data primes as the Java API does: level l holds primes q_0..q_l.
 */
#ifndef OML_SEAL_H
#define OML_SEAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define OML_API __declspec(dllexport)
#else
#define OML_API __attribute__((visibility("default")))
#endif

/* Bumped whenever a signature or a status code changes; the Java side refuses a mismatch. */
#define OML_ABI_VERSION 9

typedef int32_t oml_status;

enum {
  OML_OK = 0,
  OML_E_INVALID_ARGUMENT = 1,   /* null pointer, bad length: a bug in the caller */
  OML_E_INVALID_PARAMETERS = 2, /* SEAL refuses the parameter set */
  OML_E_CONTEXT_MISMATCH = 3,   /* object made under other parameters */
  OML_E_INCOMPATIBLE = 4,       /* operands do not fit together or with the operation */
  OML_E_MALFORMED = 5,          /* serialized bytes refused by validation */
  OML_E_NOISE_BUDGET = 6,       /* correctness or privacy bound would not hold */
  OML_E_OUT_OF_MEMORY = 7,
  OML_E_BUFFER_TOO_SMALL = 8,
  OML_E_INTERNAL = 9            /* any other exception caught by the firewall */
};

enum { OML_SCHEME_BFV = 1, OML_SCHEME_CKKS = 2 };

typedef struct oml_context oml_context;
typedef struct oml_secret_key oml_secret_key;
typedef struct oml_public_key oml_public_key;
typedef struct oml_relin_keys oml_relin_keys;
typedef struct oml_galois_keys oml_galois_keys;
typedef struct oml_plaintext oml_plaintext;
typedef struct oml_ciphertext oml_ciphertext;

OML_API int32_t oml_abi_version(void);
/* The SEAL version this library was built against, e.g. "4.4.3". */
OML_API const char *oml_seal_version(void);
OML_API const char *oml_last_error_message(void);

/* Context. primes are the data primes q_0..q_{count-1}; special_prime 0 means none.
 * plain_modulus and batching are ignored for CKKS. */
OML_API oml_status oml_context_create(int32_t scheme, uint64_t poly_modulus_degree,
    const uint64_t *primes, size_t count, uint64_t special_prime, uint64_t plain_modulus,
    int32_t batching, oml_context **out);
OML_API void oml_context_destroy(oml_context *ctx);

/* Keys. */
OML_API oml_status oml_secret_key_create(const oml_context *ctx, oml_secret_key **out);
OML_API void oml_secret_key_destroy(oml_secret_key *sk);
OML_API oml_status oml_public_key_create(const oml_context *ctx, const oml_secret_key *sk,
    oml_public_key **out);
OML_API void oml_public_key_destroy(oml_public_key *pk);
OML_API oml_status oml_relin_keys_create(const oml_context *ctx, const oml_secret_key *sk,
    oml_relin_keys **out);
OML_API void oml_relin_keys_destroy(oml_relin_keys *rk);
/* Keys for the rotations by steps and, when conjugation != 0 (CKKS), for complex conjugation
 * (Galois element 2N - 1). */
OML_API oml_status oml_galois_keys_create(const oml_context *ctx, const oml_secret_key *sk,
    const int32_t *steps, size_t count, int32_t conjugation, oml_galois_keys **out);
/* Writes up to cap elements ascending; *count receives the total. */
OML_API oml_status oml_galois_keys_elements(const oml_galois_keys *gk, uint32_t *out, size_t cap,
    size_t *count);
OML_API void oml_galois_keys_destroy(oml_galois_keys *gk);

/* Plaintexts. BFV values must already be reduced below t. */
OML_API oml_status oml_plaintext_bfv_encode(const oml_context *ctx, const uint64_t *values,
    size_t count, oml_plaintext **out);
/* Writes N values. */
OML_API oml_status oml_plaintext_bfv_decode(const oml_context *ctx, const oml_plaintext *pt,
    uint64_t *out);
/* imag may be null; real and imag hold count values each (count <= N/2). */
OML_API oml_status oml_plaintext_ckks_encode(const oml_context *ctx, const double *real,
    const double *imag, size_t count, double scale, int32_t level, oml_plaintext **out);
/* Writes N/2 values to each of real and imag. */
/* A CKKS plaintext from its coefficients modulo each prime of the level (count == primes * N,
 * prime-major, coefficient form, each below its prime), at scale: for encodings computed by the
 * caller (scales above 2^62, in double-double precision). */
OML_API oml_status oml_plaintext_ckks_from_rns(const oml_context *ctx, const uint64_t *residues,
    size_t count, double scale, int32_t level, oml_plaintext **out);
OML_API oml_status oml_plaintext_ckks_decode(const oml_context *ctx, const oml_plaintext *pt,
    double *real, double *imag);
OML_API void oml_plaintext_destroy(oml_plaintext *pt);

/* Encryption. */
OML_API oml_status oml_encrypt_public(const oml_context *ctx, const oml_public_key *pk,
    const oml_plaintext *pt, oml_ciphertext **out);
/* seeded != 0: the ciphertext keeps a compact form whose second component is a seed. */
OML_API oml_status oml_encrypt_symmetric(const oml_context *ctx, const oml_secret_key *sk,
    const oml_plaintext *pt, int32_t seeded, oml_ciphertext **out);
OML_API oml_status oml_decrypt(const oml_context *ctx, const oml_secret_key *sk,
    const oml_ciphertext *ct, oml_plaintext **out);
/* Phase c_0 + c_1 s + ... per prime, canonical residues, [prime][coefficient]. */
OML_API oml_status oml_decrypt_phase(const oml_context *ctx, const oml_secret_key *sk,
    const oml_ciphertext *ct, uint64_t *out, size_t out_len);

/* Ciphertext metadata: info[0] level, info[1] size, info[2] NTT form, info[3] seeded,
 * info[4] the number of coefficients an extracted answer keeps (0: not extracted). Extracted
 * answers (from oml_matvec_answer) can be decrypted, exported and saved, not evaluated. */
OML_API oml_status oml_ciphertext_info(const oml_context *ctx, const oml_ciphertext *ct,
    int64_t *info, double *scale);
/* Components in coefficient form, [component][prime][coefficient] (an extracted answer's
 * first component is zero outside its kept coefficients). */
OML_API oml_status oml_ciphertext_export(const oml_context *ctx, const oml_ciphertext *ct,
    uint64_t *out, size_t out_len);
OML_API void oml_ciphertext_destroy(oml_ciphertext *ct);

/* Evaluation: results are new ciphertexts, operands are never modified. */
OML_API oml_status oml_evaluator_add(const oml_context *ctx, const oml_ciphertext *a,
    const oml_ciphertext *b, oml_ciphertext **out);
OML_API oml_status oml_evaluator_sub(const oml_context *ctx, const oml_ciphertext *a,
    const oml_ciphertext *b, oml_ciphertext **out);
OML_API oml_status oml_evaluator_negate(const oml_context *ctx, const oml_ciphertext *a,
    oml_ciphertext **out);
OML_API oml_status oml_evaluator_add_plain(const oml_context *ctx, const oml_ciphertext *a,
    const oml_plaintext *p, oml_ciphertext **out);
OML_API oml_status oml_evaluator_multiply_plain(const oml_context *ctx, const oml_ciphertext *a,
    const oml_plaintext *p, oml_ciphertext **out);
/* count products a[i] * p[i] in one call. */
OML_API oml_status oml_evaluator_multiply_plain_many(const oml_context *ctx,
    const oml_ciphertext *const *a, const oml_plaintext *const *p, size_t count,
    oml_ciphertext **out);
/* CKKS: the inner product sum_i a[i] * p[i] (count >= 1) as one ciphertext, accumulated in place
 * (no ciphertext per product). The a[i] share one level and size; each p[i] is at that level or
 * above; every a[i].scale * p[i].scale is the same, the result's scale. */
OML_API oml_status oml_evaluator_multiply_plain_sum(const oml_context *ctx,
    const oml_ciphertext *const *a, const oml_plaintext *const *p, size_t count,
    oml_ciphertext **out);
/* CKKS (ABI 9): rows inner products over the same count ciphertexts at once: row j is
 * sum_i a[i] * p[j * count + i] over the i whose plaintext is not NULL (out[j] is NULL for a row
 * with none). The a[i] share one level and size; each plaintext is at that level or above; the
 * products of one row share a scale, the row's. The residues are those of
 * oml_evaluator_multiply_plain_sum row by row; the calling thread and threads - 1 threads of the
 * library's own (1 <= threads <= 64) share the primes. */
OML_API oml_status oml_evaluator_multiply_plain_sums(const oml_context *ctx,
    const oml_ciphertext *const *a, size_t count, const oml_plaintext *const *p, size_t rows,
    int32_t threads, oml_ciphertext **out);
/* CKKS: for each of rows rows, sum_i constants[row * count + i] * a[i] (constants as signed
 * integers, the same in every slot); the results have scale a[0].scale * constant_scale. The
 * count ciphertexts share one level and scale and have size two. out holds rows pointers. */
OML_API oml_status oml_evaluator_multiply_constant_sums(const oml_context *ctx,
    const oml_ciphertext *const *a, size_t count, const int64_t *constants, size_t rows,
    double constant_scale, oml_ciphertext **out);
OML_API oml_status oml_evaluator_multiply(const oml_context *ctx, const oml_ciphertext *a,
    const oml_ciphertext *b, oml_ciphertext **out);
OML_API oml_status oml_evaluator_relinearize(const oml_context *ctx, const oml_ciphertext *a,
    const oml_relin_keys *rk, oml_ciphertext **out);
/* BFV: rotate both batching rows left; CKKS: rotate the slots left. */
OML_API oml_status oml_evaluator_rotate(const oml_context *ctx, const oml_ciphertext *a,
    int32_t steps, const oml_galois_keys *gk, oml_ciphertext **out);
/* CKKS: complex conjugation of every slot, with a key made with conjugation != 0. */
OML_API oml_status oml_evaluator_conjugate(const oml_context *ctx, const oml_ciphertext *a,
    const oml_galois_keys *gk, oml_ciphertext **out);
/* count rotations of one ciphertext (out[k] by steps[k]) in one call, each SEAL's own rotation
 * with its own key switch; every key is checked first. */
OML_API oml_status oml_evaluator_rotate_many(const oml_context *ctx, const oml_ciphertext *a,
    const int32_t *steps, size_t count, const oml_galois_keys *gk, oml_ciphertext **out);
/* CKKS: count rotations of one ciphertext (out[k] by steps[k]) sharing one key-switch
 * decomposition (hoisting): c1 is brought to coefficient form once, decomposed per prime of
 * its level and each digit transformed once at every prime of the level and at the special
 * prime; each rotation then permutes the transformed digits and c0 (an automorphism in the
 * NTT domain), takes the inner product with its key and divides by the special prime, rounded
 * as SEAL rounds. The results decrypt as oml_evaluator_rotate's do, within the same
 * key-switching error, but their residues differ (SEAL decomposes the rotated c1, whose lifted
 * digits differ from the rotated digits by multiples of their primes). Every key is checked
 * first; step 0 gives a copy. */
OML_API oml_status oml_evaluator_rotate_hoisted(const oml_context *ctx, const oml_ciphertext *a,
    const int32_t *steps, size_t count, const oml_galois_keys *gk, oml_ciphertext **out);
/* Key switches on several threads (ABI 7), for the latency of one ciphertext: the calling
 * thread and threads - 1 threads of the library's own (1 <= threads <= 64) share the work of
 * one call, and the residues do not depend on threads. CKKS only.
 * oml_evaluator_rotate_threads and oml_evaluator_conjugate_threads give the residues of
 * oml_evaluator_rotate and oml_evaluator_conjugate (SEAL's Galois automorphism, then a key
 * switch done here as SEAL does it: the permuted c1 decomposed, the digits' inner products
 * with the key and the rounded division by the special prime, each split by prime).
 * oml_evaluator_rotate_hoisted_threads gives the residues of oml_evaluator_rotate_hoisted: its
 * one decomposition is split by prime, then the rotations are shared out, one thread each. */
OML_API oml_status oml_evaluator_rotate_threads(const oml_context *ctx, const oml_ciphertext *a,
    int32_t steps, const oml_galois_keys *gk, int32_t threads, oml_ciphertext **out);
OML_API oml_status oml_evaluator_conjugate_threads(const oml_context *ctx,
    const oml_ciphertext *a, const oml_galois_keys *gk, int32_t threads, oml_ciphertext **out);
OML_API oml_status oml_evaluator_rotate_hoisted_threads(const oml_context *ctx,
    const oml_ciphertext *a, const int32_t *steps, size_t count, const oml_galois_keys *gk,
    int32_t threads, oml_ciphertext **out);
/* A timeline of the split phases, for finding idle time (ABI 9): when the environment variable
 * OML_SEAL_TRACE names a file as the library is loaded, every thread's part of every split
 * phase is recorded (thread id, start and end on CLOCK_MONOTONIC, thread CPU time), and this
 * writes the records so far to that file, one a line ("call tid part parts start end cpu", in
 * nanoseconds), and forgets them. Returns the number written, or -1 when tracing is off or the
 * file cannot be written. Off, tracing costs one test of a flag per split phase. */
OML_API int64_t oml_trace_write(void);
OML_API oml_status oml_evaluator_rescale(const oml_context *ctx, const oml_ciphertext *a,
    oml_ciphertext **out);
/* CKKS (ABI 9): relinearization and rescale with the work split by prime over the calling
 * thread and threads - 1 threads of the library's own (1 <= threads <= 64); the residues are
 * those of oml_evaluator_relinearize and oml_evaluator_rescale (SEAL's). */
OML_API oml_status oml_evaluator_relinearize_threads(const oml_context *ctx,
    const oml_ciphertext *a, const oml_relin_keys *rk, int32_t threads, oml_ciphertext **out);
OML_API oml_status oml_evaluator_rescale_threads(const oml_context *ctx, const oml_ciphertext *a,
    int32_t threads, oml_ciphertext **out);
OML_API oml_status oml_evaluator_mod_switch_to(const oml_context *ctx, const oml_ciphertext *a,
    int32_t level, oml_ciphertext **out);
/* a + Enc_pk(0) + (e, 0) with e uniform in [-2^flood_bits, 2^flood_bits) (drawn in
 * coefficient form, so for CKKS the noise is transformed before it is added). */
OML_API oml_status oml_evaluator_rerandomize(const oml_context *ctx, const oml_ciphertext *a,
    const oml_public_key *pk, int32_t flood_bits, oml_ciphertext **out);
/* a + Enc_pk(0) + (e, 0) with e the caller's coefficient-form noise (count == N signed values,
 * drawn by the caller, e.g. Gaussian flooding; transformed before it is added for CKKS). */
OML_API oml_status oml_evaluator_rerandomize_noise(const oml_context *ctx,
    const oml_ciphertext *a, const oml_public_key *pk, const int64_t *noise, size_t count,
    oml_ciphertext **out);
/* The same with e = sum_t parts[t] * 2^(shift (part_count - 1 - t)), parts most significant
 * first (part_count rows of count == N values, 1 <= part_count <= 8, 0 <= shift < 64): Gaussian
 * flooding whose standard deviation is above what one word of the sampler draws finely. */
OML_API oml_status oml_evaluator_rerandomize_noise_wide(const oml_context *ctx,
    const oml_ciphertext *a, const oml_public_key *pk, const int64_t *parts, int32_t part_count,
    int32_t shift, size_t count, oml_ciphertext **out);

/*
 * The coefficient-encoded matrix-vector product with circuit privacy, in one call: for each
 * output o, sum_j query[j] * tile(o, j) + Enc_pk(mask polynomial) + flooding, switched down to
 * answer_level. w is rows x cols row-major and mask has rows entries, all reduced below t; the
 * tiling follows dev.oml.he.MatVecLayout (block_rows x block_cols tiles). The query must be
 * fresh seeded symmetric encryptions at the top level. Each answer is extracted: only the
 * output coefficients of its first component are kept (the others are zeroed).
 */
OML_API oml_status oml_matvec_answer(const oml_context *ctx, const oml_ciphertext *const *query,
    size_t input_count, const uint64_t *w, size_t rows, size_t cols, size_t block_rows,
    size_t block_cols, const uint64_t *mask, const oml_public_key *pk, int32_t flood_bits,
    int32_t answer_level, oml_ciphertext **out, size_t output_count);

/* Serialization: SEAL's own format (uncompressed); load validates everything. An extracted
 * answer, which SEAL's format cannot hold, is written as magic "OMLx", level, count, the kept
 * positions (u32 each), their coefficients of the first component ([prime][position], u64)
 * and the whole second component ([prime][coefficient], u64), all little-endian; load tells
 * the two apart by the magic. */
OML_API oml_status oml_ciphertext_save_size(const oml_ciphertext *ct, size_t *size);
OML_API oml_status oml_ciphertext_save(const oml_ciphertext *ct, uint8_t *out, size_t cap,
    size_t *written);
OML_API oml_status oml_ciphertext_load(const oml_context *ctx, const uint8_t *in, size_t len,
    oml_ciphertext **out);
/* Many ciphertexts: sizes[i] receives each one's size; out holds them back to back. */
OML_API oml_status oml_ciphertext_save_many(const oml_ciphertext *const *cts, size_t count,
    uint8_t *out, size_t cap, uint64_t *sizes);
OML_API oml_status oml_ciphertext_load_many(const oml_context *ctx, const uint8_t *in,
    const uint64_t *sizes, size_t count, oml_ciphertext **out);
OML_API oml_status oml_public_key_save_size(const oml_context *ctx, const oml_public_key *pk,
    size_t *size);
OML_API oml_status oml_public_key_save(const oml_context *ctx, const oml_public_key *pk,
    uint8_t *out, size_t cap, size_t *written);
OML_API oml_status oml_public_key_load(const oml_context *ctx, const uint8_t *in, size_t len,
    oml_public_key **out);
OML_API oml_status oml_relin_keys_save_size(const oml_relin_keys *rk, size_t *size);
OML_API oml_status oml_relin_keys_save(const oml_relin_keys *rk, uint8_t *out, size_t cap,
    size_t *written);
OML_API oml_status oml_relin_keys_load(const oml_context *ctx, const uint8_t *in, size_t len,
    oml_relin_keys **out);
OML_API oml_status oml_galois_keys_save_size(const oml_galois_keys *gk, size_t *size);
OML_API oml_status oml_galois_keys_save(const oml_galois_keys *gk, uint8_t *out, size_t cap,
    size_t *written);
OML_API oml_status oml_galois_keys_load(const oml_context *ctx, const uint8_t *in, size_t len,
    oml_galois_keys **out);


/*
 * Tier-2 offline HE step (ABI 6): the licensee's products on operands another backend made.
 * The operands arrive as components in coefficient form and go through SEAL's NTT once, when
 * they are imported; the answer leaves in the compact form (switched to 2^bits), so nothing
 * of SEAL's representation crosses the wire.
 */
/* A BFV ciphertext of size two at data level `level` from its components in coefficient form,
 * [component][prime][coefficient] (count == 2 * (level + 1) * N, each below its prime). The
 * caller vouches that it is a fresh seeded symmetric encryption (it checked the seeded form it
 * came in): only such ciphertexts are operands of oml_t2_products_compact. */
OML_API oml_status oml_t2_ciphertext_import(const oml_context *ctx, const uint64_t *residues,
    size_t count, int32_t level, oml_ciphertext **out);
/* A public key from its two components in coefficient form over the data primes,
 * [component][prime][coefficient] (count == 2 * (top + 1) * N). Only for parameter sets
 * without a special prime (this library then keeps the key's extra prime empty). */
OML_API oml_status oml_t2_public_key_import(const oml_context *ctx, const uint64_t *residues,
    size_t count, oml_public_key **out);
/* For each output block o (outputs == ceil(rows / block_rows)): the sum over j < inputs of
 * operands[op_index[o * inputs + j]] times the plaintext plains[plain_index[o * inputs + j]]
 * (N coefficients each, below t), every coefficient masked with a fresh uniform value and the
 * outputs (coefficient i * block_cols + block_cols - 1 of row i of the block) with -mask, plus
 * a fresh Enc_pk(0) and uniform flooding in [-2^flood_bits, 2^flood_bits), all at the operands'
 * level; then switched from that level's modulus to 2^bits (1 <= bits <= 63). c0_out receives
 * the rows kept values (block o's at o * block_rows), c1_out outputs * N values. The operands
 * share one level and come from oml_t2_ciphertext_import or are seeded fresh encryptions. */
OML_API oml_status oml_t2_products_compact(const oml_context *ctx,
    const oml_ciphertext *const *operands, size_t operand_count, const uint64_t *plains,
    size_t plain_count, const uint32_t *op_index, const uint32_t *plain_index, size_t inputs,
    size_t rows, size_t block_rows, size_t block_cols, const uint64_t *mask,
    const oml_public_key *pk, int32_t flood_bits, int32_t bits, uint64_t *c0_out,
    uint64_t *c1_out);

/*
 * Tier-2 operands in NTT form (ABI 8). As oml_t2_ciphertext_import, but the components arrive in
 * NTT form: index i of each prime's row holds the evaluation at psi^(2 bitrev(i) + 1), psi the
 * smallest primitive 2N-th root of unity modulo that prime (SEAL's order and root, and the
 * pure-Java engine's), each below its prime.
 */
OML_API oml_status oml_t2_ciphertext_import_ntt(const oml_context *ctx, const uint64_t *residues,
    size_t count, int32_t level, oml_ciphertext **out);

#ifdef __cplusplus
}
#endif

#endif
