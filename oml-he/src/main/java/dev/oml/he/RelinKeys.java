package dev.oml.he;

/**
 * Key-switching keys from {@code s^2} to {@code s}, one per RNS digit, over the data primes and
 * the special prime; they let {@link Evaluator#relinearize} bring a product back to two
 * components.
 */
public interface RelinKeys extends HeObject {}
