package dev.oml.he.java.internal;

/**
 * The "special" FFT of CKKS: evaluation of a real polynomial at the primitive {@code 2N}-th
 * roots {@code zeta^(5^j)}, {@code j < N/2}, which makes slot rotations the Galois maps
 * {@code X -> X^(5^k)}. Follows the HEAAN formulation (bit reversal plus butterflies whose
 * twiddles are indexed through the rotation group).
 */
final class CkksFft {
  private final int m; // 2N
  private final int slots; // N/2
  private final int[] rotGroup;
  private final double[] ksiRe;
  private final double[] ksiIm;

  CkksFft(int n) {
    this.m = 2 * n;
    this.slots = n / 2;
    rotGroup = dev.oml.he.internal.PreciseCkksEncoding.rotationGroup(n);
    ksiRe = new double[m + 1];
    ksiIm = new double[m + 1];
    for (int j = 0; j <= m; j++) {
      double angle = 2.0 * Math.PI * j / m;
      ksiRe[j] = Math.cos(angle);
      ksiIm[j] = Math.sin(angle);
    }
  }

  int slots() {
    return slots;
  }

  private static void bitReverse(double[] re, double[] im) {
    dev.oml.he.internal.PreciseCkksEncoding.bitReverse(re, im);
  }

  /** Coefficient-side values to slot values (decoding direction). */
  void forward(double[] re, double[] im) {
    int size = re.length;
    bitReverse(re, im);
    for (int len = 2; len <= size; len <<= 1) {
      int lenh = len >> 1;
      int lenq = len << 2;
      for (int i = 0; i < size; i += len) {
        for (int j = 0; j < lenh; j++) {
          int idx = (int) (((long) (rotGroup[j] % lenq)) * m / lenq);
          double ur = re[i + j];
          double ui = im[i + j];
          double xr = re[i + j + lenh];
          double xi = im[i + j + lenh];
          double vr = xr * ksiRe[idx] - xi * ksiIm[idx];
          double vi = xr * ksiIm[idx] + xi * ksiRe[idx];
          re[i + j] = ur + vr;
          im[i + j] = ui + vi;
          re[i + j + lenh] = ur - vr;
          im[i + j + lenh] = ui - vi;
        }
      }
    }
  }

  /** Slot values to coefficient-side values (encoding direction), including the 1/size. */
  void inverse(double[] re, double[] im) {
    int size = re.length;
    for (int len = size; len >= 2; len >>= 1) {
      int lenh = len >> 1;
      int lenq = len << 2;
      for (int i = 0; i < size; i += len) {
        for (int j = 0; j < lenh; j++) {
          int idx = (int) (((long) (lenq - (rotGroup[j] % lenq))) * m / lenq);
          double ar = re[i + j];
          double ai = im[i + j];
          double br = re[i + j + lenh];
          double bi = im[i + j + lenh];
          re[i + j] = ar + br;
          im[i + j] = ai + bi;
          double dr = ar - br;
          double di = ai - bi;
          re[i + j + lenh] = dr * ksiRe[idx] - di * ksiIm[idx];
          im[i + j + lenh] = dr * ksiIm[idx] + di * ksiRe[idx];
        }
      }
    }
    bitReverse(re, im);
    for (int i = 0; i < size; i++) {
      re[i] /= size;
      im[i] /= size;
    }
  }
}
