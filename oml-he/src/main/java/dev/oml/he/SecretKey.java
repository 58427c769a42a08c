package dev.oml.he;

/**
 * A ternary RLWE secret key. It never leaves its owner: there is no serializer for it, it does
 * not override {@code equals} or {@code hashCode}, and its {@code toString} reveals nothing.
 */
public interface SecretKey extends HeObject {}
