package dev.oml.he.seal.internal;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The JNA binding of OML's C ABI over SEAL ({@code native/include/oml_seal.h}). Handles are
 * opaque {@link Pointer}s owned by {@link NativeHandle}s; {@code size_t} maps to Java
 * {@code long} (the library is only built for 64-bit platforms); every function but the
 * destroy functions returns a status that {@link SealNative#check} turns into the typed
 * exceptions of {@code dev.oml.he}.
 */
public interface SealLibrary extends Library {
  /** The ABI version this binding was written for; a library reporting another is refused. */
  int ABI_VERSION = 9;

  int OK = 0;
  int E_INVALID_ARGUMENT = 1;
  int E_INVALID_PARAMETERS = 2;
  int E_CONTEXT_MISMATCH = 3;
  int E_INCOMPATIBLE = 4;
  int E_MALFORMED = 5;
  int E_NOISE_BUDGET = 6;
  int E_OUT_OF_MEMORY = 7;
  int E_BUFFER_TOO_SMALL = 8;
  int E_INTERNAL = 9;

  int SCHEME_BFV = 1;
  int SCHEME_CKKS = 2;

  int oml_abi_version();

  String oml_seal_version();

  String oml_last_error_message();

  int oml_context_create(int scheme, long n, long[] primes, long count, long special, long plain,
      int batching, PointerByReference out);

  void oml_context_destroy(Pointer ctx);

  int oml_secret_key_create(Pointer ctx, PointerByReference out);

  void oml_secret_key_destroy(Pointer sk);

  int oml_public_key_create(Pointer ctx, Pointer sk, PointerByReference out);

  void oml_public_key_destroy(Pointer pk);

  int oml_relin_keys_create(Pointer ctx, Pointer sk, PointerByReference out);

  void oml_relin_keys_destroy(Pointer rk);

  int oml_galois_keys_create(Pointer ctx, Pointer sk, int[] steps, long count, int conjugation,
      PointerByReference out);

  int oml_galois_keys_elements(Pointer gk, int[] out, long cap, LongByReference count);

  void oml_galois_keys_destroy(Pointer gk);

  int oml_plaintext_bfv_encode(Pointer ctx, long[] values, long count, PointerByReference out);

  int oml_plaintext_bfv_decode(Pointer ctx, Pointer pt, long[] out);

  int oml_plaintext_ckks_encode(Pointer ctx, double[] real, double[] imag, long count,
      double scale, int level, PointerByReference out);

  int oml_plaintext_ckks_from_rns(Pointer ctx, long[] residues, long count, double scale,
      int level, PointerByReference out);

  int oml_plaintext_ckks_decode(Pointer ctx, Pointer pt, double[] real, double[] imag);

  void oml_plaintext_destroy(Pointer pt);

  int oml_encrypt_public(Pointer ctx, Pointer pk, Pointer pt, PointerByReference out);

  int oml_encrypt_symmetric(Pointer ctx, Pointer sk, Pointer pt, int seeded,
      PointerByReference out);

  int oml_decrypt(Pointer ctx, Pointer sk, Pointer ct, PointerByReference out);

  int oml_decrypt_phase(Pointer ctx, Pointer sk, Pointer ct, long[] out, long outLen);

  int oml_ciphertext_info(Pointer ctx, Pointer ct, long[] info, double[] scale);

  int oml_ciphertext_export(Pointer ctx, Pointer ct, long[] out, long outLen);

  void oml_ciphertext_destroy(Pointer ct);

  int oml_evaluator_add(Pointer ctx, Pointer a, Pointer b, PointerByReference out);

  int oml_evaluator_sub(Pointer ctx, Pointer a, Pointer b, PointerByReference out);

  int oml_evaluator_negate(Pointer ctx, Pointer a, PointerByReference out);

  int oml_evaluator_add_plain(Pointer ctx, Pointer a, Pointer p, PointerByReference out);

  int oml_evaluator_multiply_plain(Pointer ctx, Pointer a, Pointer p, PointerByReference out);

  int oml_evaluator_multiply_plain_many(Pointer ctx, Pointer[] a, Pointer[] p, long count,
      Pointer[] out);

  int oml_evaluator_multiply_plain_sum(Pointer ctx, Pointer[] a, Pointer[] p, long count,
      PointerByReference out);

  int oml_evaluator_multiply_plain_sums(Pointer ctx, Pointer[] a, long count, Pointer[] p,
      long rows, int threads, Pointer[] out);

  int oml_evaluator_multiply_constant_sums(Pointer ctx, Pointer[] a, long count,
      long[] constants, long rows, double constantScale, Pointer[] out);

  int oml_evaluator_multiply(Pointer ctx, Pointer a, Pointer b, PointerByReference out);

  int oml_evaluator_relinearize(Pointer ctx, Pointer a, Pointer rk, PointerByReference out);

  int oml_evaluator_rotate(Pointer ctx, Pointer a, int steps, Pointer gk,
      PointerByReference out);

  int oml_evaluator_conjugate(Pointer ctx, Pointer a, Pointer gk, PointerByReference out);

  int oml_evaluator_rotate_many(Pointer ctx, Pointer a, int[] steps, long count, Pointer gk,
      Pointer[] out);

  int oml_evaluator_rotate_hoisted(Pointer ctx, Pointer a, int[] steps, long count, Pointer gk,
      Pointer[] out);

  // Key switches on several threads (ABI 7): the residues of the one-thread calls.
  int oml_evaluator_rotate_threads(Pointer ctx, Pointer a, int steps, Pointer gk, int threads,
      PointerByReference out);

  int oml_evaluator_conjugate_threads(Pointer ctx, Pointer a, Pointer gk, int threads,
      PointerByReference out);

  int oml_evaluator_rotate_hoisted_threads(Pointer ctx, Pointer a, int[] steps, long count,
      Pointer gk, int threads, Pointer[] out);

  int oml_evaluator_rescale(Pointer ctx, Pointer a, PointerByReference out);

  int oml_evaluator_relinearize_threads(Pointer ctx, Pointer a, Pointer rk, int threads,
      PointerByReference out);

  int oml_evaluator_rescale_threads(Pointer ctx, Pointer a, int threads,
      PointerByReference out);

  int oml_evaluator_mod_switch_to(Pointer ctx, Pointer a, int level, PointerByReference out);

  int oml_evaluator_rerandomize(Pointer ctx, Pointer a, Pointer pk, int floodBits,
      PointerByReference out);

  int oml_evaluator_rerandomize_noise(Pointer ctx, Pointer a, Pointer pk, long[] noise,
      long count, PointerByReference out);

  int oml_evaluator_rerandomize_noise_wide(Pointer ctx, Pointer a, Pointer pk, long[] parts,
      int partCount, int shift, long count, PointerByReference out);

  int oml_matvec_answer(Pointer ctx, Pointer[] query, long inputCount, long[] w, long rows,
      long cols, long blockRows, long blockCols, long[] mask, Pointer pk, int floodBits,
      int answerLevel, Pointer[] out, long outputCount);

  int oml_ciphertext_save_size(Pointer ct, LongByReference size);

  int oml_ciphertext_save(Pointer ct, byte[] out, long cap, LongByReference written);

  int oml_ciphertext_load(Pointer ctx, byte[] in, long len, PointerByReference out);

  int oml_ciphertext_save_many(Pointer[] cts, long count, byte[] out, long cap, long[] sizes);

  int oml_ciphertext_load_many(Pointer ctx, byte[] in, long[] sizes, long count, Pointer[] out);

  int oml_public_key_save_size(Pointer ctx, Pointer pk, LongByReference size);

  int oml_public_key_save(Pointer ctx, Pointer pk, byte[] out, long cap, LongByReference written);

  int oml_public_key_load(Pointer ctx, byte[] in, long len, PointerByReference out);

  int oml_relin_keys_save_size(Pointer rk, LongByReference size);

  int oml_relin_keys_save(Pointer rk, byte[] out, long cap, LongByReference written);

  int oml_relin_keys_load(Pointer ctx, byte[] in, long len, PointerByReference out);

  int oml_galois_keys_save_size(Pointer gk, LongByReference size);

  int oml_galois_keys_save(Pointer gk, byte[] out, long cap, LongByReference written);

  int oml_galois_keys_load(Pointer ctx, byte[] in, long len, PointerByReference out);

  // Tier-2 offline HE step (ABI 6): operands of another backend, compact answers.

  int oml_t2_ciphertext_import(Pointer ctx, long[] residues, long count, int level,
      PointerByReference out);

  int oml_t2_public_key_import(Pointer ctx, long[] residues, long count, PointerByReference out);

  int oml_t2_products_compact(Pointer ctx, Pointer[] operands, long operandCount, long[] plains,
      long plainCount, int[] opIndex, int[] plainIndex, long inputs, long rows, long blockRows,
      long blockCols, long[] mask, Pointer pk, int floodBits, int bits, long[] c0Out,
      long[] c1Out);

  // Tier-2 operands in NTT form (ABI 8).

  int oml_t2_ciphertext_import_ntt(Pointer ctx, long[] residues, long count, int level,
      PointerByReference out);
}
