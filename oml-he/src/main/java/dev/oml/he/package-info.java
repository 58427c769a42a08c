/**
 * Homomorphic encryption behind one service-provider interface, {@link dev.oml.he.HeBackend}: BFV
 * and CKKS contexts, keys, encryptors, evaluators and serialization, with a pure-Java backend that
 * always runs and a SEAL backend where its native library loads. Parameters are validated
 * immutable objects; test parameters carry {@code INSECURE} in their names.
 */
package dev.oml.he;
