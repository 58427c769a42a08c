package dev.oml.core.model;

/**
 * Max pooling over square windows without padding, floor mode (windows that would cross the
 * right or bottom edge are dropped, as in {@link AvgPool2D}). Not linear: the 2PC mode runs it
 * in a garbled circuit, the HE mode cannot run it. The windows are public, so every backend reads
 * them from {@link #windows(Shape)} and takes the maximum over the values listed there.
 */
public record MaxPool2D(int kernel, int stride) implements Layer {
  public MaxPool2D {
    if (kernel <= 0 || stride <= 0) {
      throw new ModelValidationException("maxpool2d: kernel and stride must be positive, got k="
          + kernel + ", s=" + stride);
    }
  }

  @Override
  public String kind() {
    return "maxpool2d";
  }

  @Override
  public Shape outputShape(Shape input) {
    if (input.height() < kernel || input.width() < kernel) {
      throw new ModelValidationException("maxpool2d kernel " + kernel + " is larger than its input "
          + input);
    }
    return new Shape(input.channels(), (input.height() - kernel) / stride + 1,
        (input.width() - kernel) / stride + 1);
  }

  /** Values per window: {@code kernel^2}. */
  public int window() {
    return kernel * kernel;
  }

  /**
   * The input positions of every window, in the row-major (channel, row, column) layout of
   * {@link Shape}: entry {@code o * kernel^2 + ky * kernel + kx} is the input index that output
   * {@code o} reads at window offset {@code (ky, kx)}. Output {@code o} is the maximum of its
   * {@code kernel^2} entries.
   *
   * @throws ModelValidationException if the input shape does not fit this layer
   */
  public int[] windows(Shape input) {
    Shape out = outputShape(input);
    int w = window();
    int[] idx = new int[out.size() * w];
    for (int ch = 0; ch < out.channels(); ch++) {
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++) {
          int o = (ch * out.height() + oy) * out.width() + ox;
          for (int ky = 0; ky < kernel; ky++) {
            for (int kx = 0; kx < kernel; kx++) {
              idx[o * w + ky * kernel + kx] = (ch * input.height() + oy * stride + ky)
                  * input.width() + ox * stride + kx;
            }
          }
        }
      }
    }
    return idx;
  }
}
