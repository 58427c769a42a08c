package dev.oml.he.inference;

import dev.oml.he.HeException;

/**
 * An input lies outside the plan's input box. The owner's flood hides the evaluation noise only
 * for inputs in the box (it is sized for the worst case over it), so the client refuses others
 * before it encrypts anything. The message names the image, the feature and the interval, never
 * the value.
 */
public class InputOutsideBoxException extends HeException {
  private static final long serialVersionUID = 1L;

  private final int image;
  private final int feature;

  public InputOutsideBoxException(int image, int feature, double lower, double upper) {
    super("image " + image + ", feature " + feature + " lies outside the plan's input box ["
        + lower + ", " + upper + "]: scale the input into the model's domain");
    this.image = image;
    this.feature = feature;
  }

  /** Index of the first offending image in the query. */
  public int image() {
    return image;
  }

  /** Index of its first feature outside the box. */
  public int feature() {
    return feature;
  }
}
