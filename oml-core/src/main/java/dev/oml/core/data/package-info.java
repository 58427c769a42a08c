/**
 * Data sets: a {@link dev.oml.core.data.Dataset} of images and labels, read from IDX files
 * (Fashion-MNIST from the Debian package or the subset shipped with the project).
 */
package dev.oml.core.data;
