package dev.oml.core.model;

import java.util.Arrays;

/**
 * Two-dimensional convolution (cross-correlation, as in PyTorch) with a square kernel, equal
 * stride in both directions and symmetric zero padding. Weights are
 * {@code outChannels x inChannels x kernel x kernel}, row-major; one bias per output channel.
 */
public final class Conv2D implements Layer {
  private final int inChannels;
  private final int outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final double[] weights;
  private final double[] bias;

  public Conv2D(int inChannels, int outChannels, int kernel, int stride, int padding,
      double[] weights, double[] bias) {
    String name = "conv2d " + inChannels + " -> " + outChannels + " (k=" + kernel + ", s=" + stride
        + ", p=" + padding + ")";
    if (inChannels <= 0 || outChannels <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
      throw new ModelValidationException(name + ": sizes must be positive (padding >= 0)");
    }
    if (padding >= kernel) {
      throw new ModelValidationException(name + ": padding must be smaller than the kernel");
    }
    long expected = (long) outChannels * inChannels * kernel * kernel;
    if (weights.length != expected) {
      throw new ModelValidationException(name + ": weight tensor has " + weights.length
          + " elements, expected " + expected);
    }
    if (bias.length != outChannels) {
      throw new ModelValidationException(name + ": bias has " + bias.length + " elements, expected "
          + outChannels);
    }
    Parameters.requireFinite(name, weights);
    Parameters.requireFinite(name, bias);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.weights = weights.clone();
    this.bias = bias.clone();
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  /** A copy of the weights, {@code out x in x k x k} row-major. */
  public double[] weights() {
    return weights.clone();
  }

  /** A copy of the bias. */
  public double[] bias() {
    return bias.clone();
  }

  /** One weight, without copying. */
  public double weight(int out, int in, int ky, int kx) {
    return weights[((out * inChannels + in) * kernel + ky) * kernel + kx];
  }

  /** One bias entry, without copying. */
  public double bias(int out) {
    return bias[out];
  }

  @Override
  public String kind() {
    return "conv2d";
  }

  @Override
  public Shape outputShape(Shape input) {
    if (input.channels() != inChannels) {
      throw new ModelValidationException("conv2d expects " + inChannels
          + " input channels, got shape " + input);
    }
    int h = (input.height() + 2 * padding - kernel) / stride + 1;
    int w = (input.width() + 2 * padding - kernel) / stride + 1;
    if (input.height() + 2 * padding < kernel || input.width() + 2 * padding < kernel) {
      throw new ModelValidationException("conv2d kernel " + kernel + " is larger than its padded input "
          + input);
    }
    return new Shape(outChannels, h, w);
  }

  @Override
  public boolean hasParameters() {
    return true;
  }

  @Override
  public boolean isLinear() {
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Conv2D c && c.inChannels == inChannels && c.outChannels == outChannels
        && c.kernel == kernel && c.stride == stride && c.padding == padding
        && Arrays.equals(c.weights, weights) && Arrays.equals(c.bias, bias);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(weights) * 31 + Arrays.hashCode(bias);
  }

  @Override
  public String toString() {
    return "Conv2D(" + inChannels + " -> " + outChannels + ", k=" + kernel + ", s=" + stride
        + ", p=" + padding + ")";
  }
}
