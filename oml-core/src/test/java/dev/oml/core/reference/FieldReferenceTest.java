package dev.oml.core.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.oml.core.TestPaths;
import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.field.FieldFixedPoint;
import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.fixedpoint.FixedPointOverflowException;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.AvgPool2D;
import dev.oml.core.model.Conv2D;
import dev.oml.core.model.Dense;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.MaxPool2D;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.ReLU;
import dev.oml.core.model.Shape;
import dev.oml.testkit.TestModels;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The field reference against tier 1's ring reference (Network A, shipped subset), against the
 * float model, and against an independent {@code BigInteger} evaluation (direct convolution and
 * pooling loops, not {@code LinearForm}) on random small models of every supported layer kind.
 */
class FieldReferenceTest {
  static final int F = 12;

  @Test
  void networkAFitsTheFieldAtTwelveBitsAndAgreesWithTheRingOnEveryImage() {
    Model m = ModelFiles.load(TestPaths.model("network-a"));
    assertEquals(FixedPointFormat.of(45, F), m.format(), "the shipped Network A format");
    Dataset d = FashionMnist.test(TestPaths.subset());
    FieldFixedPointInference field = new FieldFixedPointInference(FieldQuantizedModel.of(m, F));
    FixedPointInference ring = new FixedPointInference(QuantizedModel.of(m));
    FloatInference fl = new FloatInference(m);
    FixedPointFormat fmt = m.format();
    int floatAgree = 0;
    int ringOverflows = 0;
    for (int i = 0; i < d.size(); i++) {
      double[] x = d.image(i);
      long[] fieldLogits = field.logits(field.encodeInput(x));
      int fieldLabel = FieldFixedPointInference.argmax(fieldLogits);
      long[] ringLogits;
      try {
        ringLogits = ring.logits(ring.encodeInput(x));
      } catch (FixedPointOverflowException e) {
        ringOverflows++;
        continue;
      }
      assertEquals(FixedPointInference.argmax(fmt, ringLogits), fieldLabel, "label of image " + i);
      for (int j = 0; j < ringLogits.length; j++) {
        // same integers: the signed ring value equals the centered field value
        assertEquals(fmt.signed(ringLogits[j]), FieldFixedPoint.center(fieldLogits[j]),
            "logit " + j + " of image " + i);
      }
      if (fieldLabel == fl.label(x)) {
        floatAgree++;
      }
    }
    assertEquals(0, ringOverflows, "no image of the subset leaves Network A's ring");
    assertTrue(floatAgree >= 995, "field and float agree on only " + floatAgree + "/1000");
  }

  @Test
  void aModelTooWideForTheFieldIsRefusedNamingTheLayer() {
    Model m = ModelFiles.load(TestPaths.model("network-a"));
    // f = 16: 2f + log2(784) + ... exceeds 45 bits at the first dense layer
    FieldRangeException e = assertThrows(FieldRangeException.class,
        () -> FieldQuantizedModel.of(m, 16));
    assertTrue(e.getMessage().startsWith("layer 0 (dense) needs"), e.getMessage());
  }

  @Test
  void aLayerKindWithoutATierTwoRuleIsRefusedByName() {
    Model m = TestModels.everyLayer(3);
    FieldRangeException e = assertThrows(FieldRangeException.class,
        () -> FieldQuantizedModel.of(m, 8));
    assertTrue(e.getMessage().startsWith("layer 1 (square) has no tier-2 rule"), e.getMessage());
  }

  @Test
  void fieldTracksFloatOnConvPoolDense() {
    Model m = convModel(new Random(4), 2, 3, 3, 1, 1, 2);
    FloatInference fl = new FloatInference(m);
    FieldFixedPointInference field = new FieldFixedPointInference(FieldQuantizedModel.of(m, F));
    Random r = new Random(5);
    for (int t = 0; t < 30; t++) {
      double[] x = TestModels.gaussian(r, m.inputShape().size(), 1.0);
      double[] a = fl.logits(x);
      double[] b = field.logits(x);
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 0.02, "logit " + i);
      }
    }
  }

  @Property(tries = 60)
  void fieldEqualsAnIndependentBigIntegerEvaluation(@ForAll @IntRange(min = 1, max = 3) int inC,
      @ForAll @IntRange(min = 1, max = 3) int outC, @ForAll @IntRange(min = 1, max = 3) int k,
      @ForAll @IntRange(min = 1, max = 2) int stride, @ForAll @IntRange(min = 0, max = 1) int pad,
      @ForAll @IntRange(min = 1, max = 2) int pool, @ForAll @IntRange(min = 0, max = 14) int f,
      @ForAll long seed) {
    Random r = new Random(seed);
    Model m = convModel(r, inC, outC, k, stride, Math.min(pad, k - 1), pool);
    FieldFixedPointInference field = new FieldFixedPointInference(FieldQuantizedModel.of(m, f));
    long[] x = new long[m.inputShape().size()];
    BigInteger[] h = new BigInteger[x.length];
    for (int i = 0; i < x.length; i++) {
      long v = Math.round(r.nextGaussian() * Math.scalb(1.0, f));
      x[i] = FieldFixedPoint.embed(v);
      h[i] = BigInteger.valueOf(v);
    }
    long[] got = field.logits(x);
    BigInteger[] want = oracle(m, h, f);
    assertEquals(want.length, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(want[i].longValueExact(), FieldFixedPoint.center(got[i]), "logit " + i);
    }
  }

  @Property(tries = 60)
  void maxPoolEqualsAnIndependentBigIntegerEvaluation(
      @ForAll @IntRange(min = 1, max = 2) int inC, @ForAll @IntRange(min = 1, max = 3) int outC,
      @ForAll @IntRange(min = 1, max = 3) int pool, @ForAll @IntRange(min = 1, max = 3) int stride,
      @ForAll @IntRange(min = 0, max = 2) int relu, @ForAll @IntRange(min = 0, max = 14) int f,
      @ForAll long seed) {
    Random r = new Random(seed);
    Model m = maxPoolModel(r, inC, outC, pool, stride, relu);
    FieldFixedPointInference field = new FieldFixedPointInference(FieldQuantizedModel.of(m, f));
    long[] x = new long[m.inputShape().size()];
    BigInteger[] h = new BigInteger[x.length];
    for (int i = 0; i < x.length; i++) {
      long v = Math.round(r.nextGaussian() * Math.scalb(1.0, f));
      x[i] = FieldFixedPoint.embed(v);
      h[i] = BigInteger.valueOf(v);
    }
    long[] got = field.logits(x);
    BigInteger[] want = oracle(m, h, f);
    assertEquals(want.length, got.length);
    for (int i = 0; i < got.length; i++) {
      assertEquals(want[i].longValueExact(), FieldFixedPoint.center(got[i]), "logit " + i);
    }
  }

  @Test
  void maxPoolAgreesAcrossFieldRingAndFloat() {
    Random r = new Random(21);
    int negative = 0;
    for (int relu = 0; relu < 3; relu++) {
      Model m = maxPoolModel(r, 2, 3, 2, 1, relu);
      FloatInference fl = new FloatInference(m);
      FieldFixedPointInference field = new FieldFixedPointInference(FieldQuantizedModel.of(m, F));
      FixedPointInference ring = new FixedPointInference(QuantizedModel.of(m));
      for (int t = 0; t < 20; t++) {
        double[] x = TestModels.gaussian(r, m.inputShape().size(), 1.0);
        long[] fieldLogits = field.logits(field.encodeInput(x));
        long[] ringLogits = ring.logits(ring.encodeInput(x));
        double[] want = fl.logits(x);
        for (int j = 0; j < want.length; j++) {
          long v = FieldFixedPoint.center(fieldLogits[j]);
          assertEquals(m.format().signed(ringLogits[j]), v, "ring = field, logit " + j);
          assertEquals(want[j], FieldFixedPoint.decode(fieldLogits[j], F), 0.02, "float");
          negative += v < 0 ? 1 : 0;
        }
      }
    }
    assertTrue(negative > 0, "some logit is negative, so max is not only compared on zeros");
  }

  @Test
  void maxPoolTakesTheLargestCenteredValueOfEachWindow() {
    // 1 x 2 x 3 input, k = 2, s = 1: windows {0,1,3,4} and {1,2,4,5}
    long[] x = {FieldFixedPoint.embed(-7), FieldFixedPoint.embed(-3), FieldFixedPoint.embed(9),
        FieldFixedPoint.embed(-5), FieldFixedPoint.embed(-4), FieldFixedPoint.embed(-1)};
    MaxPool2D p = new MaxPool2D(2, 1);
    long[] y = FieldFixedPointInference.maxPool(p.windows(new Shape(1, 2, 3)), p.window(), x);
    assertEquals(2, y.length);
    assertEquals(FieldFixedPoint.embed(-3), y[0], "negative values compare by their centered value");
    assertEquals(FieldFixedPoint.embed(9), y[1]);
  }

  /**
   * conv 3x3 (pad 1) -> [relu] -> maxpool(pool, stride) -> [relu] -> flatten -> dense -> argmax
   * on a {@code inC x 6 x 6} input; {@code relu} 0: none, 1: before the pooling, 2: after it.
   */
  static Model maxPoolModel(Random r, int inC, int outC, int pool, int stride, int relu) {
    Shape in = new Shape(inC, 6, 6);
    Conv2D conv = new Conv2D(inC, outC, 3, 1, 1,
        TestModels.gaussian(r, outC * inC * 9, 0.4), TestModels.gaussian(r, outC, 0.1));
    MaxPool2D mp = new MaxPool2D(pool, stride);
    int n = mp.outputShape(conv.outputShape(in)).size();
    List<Layer> layers = new ArrayList<>();
    layers.add(conv);
    if (relu == 1) {
      layers.add(new ReLU());
    }
    layers.add(mp);
    if (relu == 2) {
      layers.add(new ReLU());
    }
    layers.add(new Flatten());
    layers.add(new Dense(n, 3, TestModels.gaussian(r, n * 3, 0.4), TestModels.gaussian(r, 3, 0.1)));
    layers.add(new Argmax());
    return Model.of("maxpool-" + pool + stride, in, layers, FixedPointFormat.of(60, 12), 6);
  }

  @Test
  void anInputBeyondTheBoundWrapsModPInsteadOfFailing() {
    // the protocol cannot raise on a wrap, so neither does its oracle: the result is the exact
    // integer result reduced mod p
    Model m = Model.of("wide", Shape.vector(2), List.of(
        new Dense(2, 1, new double[] {1.0, 1.0}, new double[] {0}), new Argmax()),
        FixedPointFormat.of(40, 4), 4);
    FieldFixedPointInference field = new FieldFixedPointInference(FieldQuantizedModel.of(m, 4));
    long big = FieldFixedPoint.MAX_MAGNITUDE - 5;
    long[] out = field.logits(new long[] {big, big});
    BigInteger z = BigInteger.valueOf(big).multiply(BigInteger.valueOf(32)); // (big + big) * 2^4
    BigInteger p = BigInteger.valueOf(dev.oml.core.field.PrimeField.P);
    BigInteger centered = z.mod(p);
    if (centered.compareTo(p.shiftRight(1)) > 0) {
      centered = centered.subtract(p);
    }
    assertEquals(FieldFixedPoint.embed(centered.shiftRight(4).longValueExact()), out[0]);
  }

  @Test
  void activateIsTruncationThenRelu() {
    long z = FieldFixedPoint.embed(-(5L << 8) - 3);
    long share = 123456789L;
    long zu = dev.oml.core.field.PrimeField.sub(z, share);
    assertEquals(FieldFixedPoint.embed(-6), FieldFixedPointInference.activate(zu, share, 8, false));
    assertEquals(0, FieldFixedPointInference.activate(zu, share, 8, true));
    long pos = FieldFixedPoint.embed((7L << 8) + 255);
    assertEquals(FieldFixedPoint.embed(7), FieldFixedPointInference.activate(pos, 0, 8, true));
  }

  /** conv -> relu -> avgpool -> flatten -> dense -> relu -> dense -> argmax on a 1..3 x 5 x 5 input. */
  static Model convModel(Random r, int inC, int outC, int k, int stride, int pad, int pool) {
    Shape in = new Shape(inC, 5, 5);
    Conv2D conv = new Conv2D(inC, outC, k, stride, pad,
        TestModels.gaussian(r, outC * inC * k * k, 0.4), TestModels.gaussian(r, outC, 0.1));
    Shape c = conv.outputShape(in);
    AvgPool2D ap = new AvgPool2D(pool, pool);
    Shape pcs = ap.outputShape(c);
    int n = pcs.size();
    List<Layer> layers = new ArrayList<>(List.of(conv, new ReLU(), ap, new Flatten(),
        new Dense(n, 4, TestModels.gaussian(r, n * 4, 0.4), TestModels.gaussian(r, 4, 0.1)),
        new ReLU(),
        new Dense(4, 3, TestModels.gaussian(r, 12, 0.4), TestModels.gaussian(r, 3, 0.1)),
        new Argmax()));
    return Model.of("conv-" + inC + outC + k, in, layers, FixedPointFormat.of(60, 12), 6);
  }

  /** Exact integer semantics written directly per layer kind, without LinearForm or the field. */
  static BigInteger[] oracle(Model m, BigInteger[] x, int f) {
    BigInteger[] h = x;
    for (int i = 0; i < m.layers().size(); i++) {
      Layer layer = m.layers().get(i);
      Shape s = m.inputShapeOf(i);
      Shape o = m.outputShapeOf(i);
      if (layer instanceof Dense d) {
        BigInteger[] z = new BigInteger[d.outputs()];
        for (int r = 0; r < d.outputs(); r++) {
          BigInteger acc = q(d.bias(r), 2 * f);
          for (int c = 0; c < d.inputs(); c++) {
            acc = acc.add(q(d.weight(r, c), f).multiply(h[c]));
          }
          z[r] = acc.shiftRight(f);
        }
        h = z;
      } else if (layer instanceof Conv2D c) {
        BigInteger[] z = new BigInteger[o.size()];
        for (int oc = 0; oc < o.channels(); oc++) {
          for (int oy = 0; oy < o.height(); oy++) {
            for (int ox = 0; ox < o.width(); ox++) {
              BigInteger acc = q(c.bias(oc), 2 * f);
              for (int ic = 0; ic < c.inChannels(); ic++) {
                for (int ky = 0; ky < c.kernel(); ky++) {
                  for (int kx = 0; kx < c.kernel(); kx++) {
                    int iy = oy * c.stride() - c.padding() + ky;
                    int ix = ox * c.stride() - c.padding() + kx;
                    if (iy >= 0 && iy < s.height() && ix >= 0 && ix < s.width()) {
                      acc = acc.add(q(c.weight(oc, ic, ky, kx), f)
                          .multiply(h[(ic * s.height() + iy) * s.width() + ix]));
                    }
                  }
                }
              }
              z[(oc * o.height() + oy) * o.width() + ox] = acc.shiftRight(f);
            }
          }
        }
        h = z;
      } else if (layer instanceof AvgPool2D p) {
        BigInteger w = q(1.0 / (p.kernel() * p.kernel()), f);
        BigInteger[] z = new BigInteger[o.size()];
        for (int ch = 0; ch < o.channels(); ch++) {
          for (int oy = 0; oy < o.height(); oy++) {
            for (int ox = 0; ox < o.width(); ox++) {
              BigInteger acc = BigInteger.ZERO;
              for (int ky = 0; ky < p.kernel(); ky++) {
                for (int kx = 0; kx < p.kernel(); kx++) {
                  acc = acc.add(w.multiply(h[(ch * s.height() + oy * p.stride() + ky) * s.width()
                      + ox * p.stride() + kx]));
                }
              }
              z[(ch * o.height() + oy) * o.width() + ox] = acc.shiftRight(f);
            }
          }
        }
        h = z;
      } else if (layer instanceof MaxPool2D p) {
        BigInteger[] z = new BigInteger[o.size()];
        for (int ch = 0; ch < o.channels(); ch++) {
          for (int oy = 0; oy < o.height(); oy++) {
            for (int ox = 0; ox < o.width(); ox++) {
              BigInteger best = null;
              for (int ky = 0; ky < p.kernel(); ky++) {
                for (int kx = 0; kx < p.kernel(); kx++) {
                  BigInteger v = h[(ch * s.height() + oy * p.stride() + ky) * s.width()
                      + ox * p.stride() + kx];
                  best = best == null ? v : best.max(v);
                }
              }
              z[(ch * o.height() + oy) * o.width() + ox] = best;
            }
          }
        }
        h = z;
      } else if (layer instanceof ReLU) {
        BigInteger[] z = new BigInteger[h.length];
        for (int j = 0; j < h.length; j++) {
          z[j] = h[j].max(BigInteger.ZERO);
        }
        h = z;
      }
    }
    return h;
  }

  private static BigInteger q(double v, int bits) {
    return BigInteger.valueOf((long) Math.rint(Math.scalb(v, bits)));
  }
}
