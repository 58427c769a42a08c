package dev.oml.core.data;

import dev.oml.core.model.Model;
import dev.oml.core.model.Shape;

/**
 * Labelled images held in memory: raw inputs, stored as {@code double[]} in (channel, row,
 * column) order, with integer labels. The Fashion-MNIST reader gives pixels scaled to
 * {@code [0, 1]} (the raw domain of the bundled models, whose preprocessing is the identity). A
 * model that declares preprocessing takes its model inputs from {@link #preprocessed}.
 */
public final class Dataset {
  private final Shape shape;
  private final double[][] images;
  private final int[] labels;

  /**
   * @throws IllegalArgumentException if counts differ or an image has the wrong size
   */
  public Dataset(Shape shape, double[][] images, int[] labels) {
    if (images.length != labels.length) {
      throw new IllegalArgumentException(images.length + " images but " + labels.length + " labels");
    }
    for (double[] im : images) {
      if (im.length != shape.size()) {
        throw new IllegalArgumentException("image of " + im.length + " values, shape " + shape);
      }
    }
    this.shape = shape;
    this.images = images;
    this.labels = labels.clone();
  }

  public Shape shape() {
    return shape;
  }

  public int size() {
    return labels.length;
  }

  /** Image {@code i} (a copy). */
  public double[] image(int i) {
    return images[i].clone();
  }

  public int label(int i) {
    return labels[i];
  }

  /**
   * The same examples as the inputs {@code model} runs on: each image through
   * {@link Model#preprocess} (the identity for a model that declares no preprocessing).
   *
   * @throws IllegalArgumentException if the images do not have the model's input size
   */
  public Dataset preprocessed(Model model) {
    if (model.preprocessing().isEmpty()) {
      return this;
    }
    double[][] im = new double[images.length][];
    for (int i = 0; i < im.length; i++) {
      im[i] = model.preprocess(images[i]);
    }
    return new Dataset(model.inputShape(), im, labels);
  }

  /** The first {@code n} examples (or all, if fewer). */
  public Dataset limit(int n) {
    int k = Math.min(n, size());
    double[][] im = new double[k][];
    for (int i = 0; i < k; i++) {
      im[i] = images[i];
    }
    int[] lb = new int[k];
    System.arraycopy(labels, 0, lb, 0, k);
    return new Dataset(shape, im, lb);
  }
}
