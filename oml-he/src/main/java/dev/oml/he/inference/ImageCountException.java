package dev.oml.he.inference;

import dev.oml.he.HeException;

/**
 * A query carries more images than its permission pays for (or none). The owner raises it
 * before the permission is spent; it never evaluates more images than permitted, because it
 * zeroes every slot beyond the permitted images before computing.
 */
public class ImageCountException extends HeException {
  private static final long serialVersionUID = 1L;

  public ImageCountException(String message) {
    super(message);
  }
}
