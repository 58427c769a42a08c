package dev.oml.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.oml.testkit.TestModels;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The matrix form of convolution and pooling against a direct sliding-window oracle. */
class LinearFormTest {

  @Property(tries = 60)
  void convolutionMatrixEqualsSlidingWindow(@ForAll @IntRange(min = 1, max = 3) int inC,
      @ForAll @IntRange(min = 1, max = 3) int outC, @ForAll @IntRange(min = 1, max = 4) int k,
      @ForAll @IntRange(min = 1, max = 3) int stride, @ForAll @IntRange(min = 0, max = 3) int pad,
      @ForAll @IntRange(min = 4, max = 9) int side, @ForAll long seed) {
    if (pad >= k) {
      pad = k - 1;
    }
    Random r = new Random(seed);
    Conv2D c = new Conv2D(inC, outC, k, stride, pad, TestModels.gaussian(r, outC * inC * k * k, 1),
        TestModels.gaussian(r, outC, 1));
    Shape in = new Shape(inC, side, side + 1);
    Shape out = c.outputShape(in);
    double[] x = TestModels.gaussian(r, in.size(), 1);
    LinearForm f = LinearForm.of(c, in);
    double[] y = apply(f, x);
    for (int o = 0; o < outC; o++) {
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++) {
          double acc = c.bias(o);
          for (int i = 0; i < inC; i++) {
            for (int ky = 0; ky < k; ky++) {
              for (int kx = 0; kx < k; kx++) {
                int iy = oy * stride + ky - pad;
                int ix = ox * stride + kx - pad;
                if (iy >= 0 && iy < in.height() && ix >= 0 && ix < in.width()) {
                  acc += c.weight(o, i, ky, kx) * x[(i * in.height() + iy) * in.width() + ix];
                }
              }
            }
          }
          assertEquals(acc, y[(o * out.height() + oy) * out.width() + ox], 1e-9);
        }
      }
    }
  }

  @Property(tries = 40)
  void poolingMatrixAveragesWindows(@ForAll @IntRange(min = 1, max = 3) int k,
      @ForAll @IntRange(min = 1, max = 3) int stride, @ForAll long seed) {
    Random r = new Random(seed);
    Shape in = new Shape(2, 7, 8);
    AvgPool2D p = new AvgPool2D(k, stride);
    Shape out = p.outputShape(in);
    double[] x = TestModels.gaussian(r, in.size(), 1);
    double[] y = apply(LinearForm.of(p, in), x);
    for (int ch = 0; ch < 2; ch++) {
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++) {
          double sum = 0;
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              sum += x[(ch * in.height() + oy * stride + ky) * in.width() + ox * stride + kx];
            }
          }
          assertEquals(sum / (k * k), y[(ch * out.height() + oy) * out.width() + ox], 1e-12);
        }
      }
    }
  }

  private static double[] apply(LinearForm f, double[] x) {
    double[] a = f.matrix();
    double[] b = f.bias();
    double[] y = new double[f.rows()];
    for (int r = 0; r < f.rows(); r++) {
      double acc = b[r];
      for (int c = 0; c < f.cols(); c++) {
        acc += a[r * f.cols() + c] * x[c];
      }
      y[r] = acc;
    }
    return y;
  }
}
