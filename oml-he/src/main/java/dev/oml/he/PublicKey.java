package dev.oml.he;

/**
 * An RLWE public key {@code (-a s + e, a)}: anyone holding it can encrypt to the secret-key
 * owner. The answering party of the matrix-vector product needs the receiver's public key to
 * re-randomize its answer.
 */
public interface PublicKey extends HeObject {}
