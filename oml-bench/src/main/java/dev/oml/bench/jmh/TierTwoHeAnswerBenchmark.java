package dev.oml.bench.jmh;

import dev.oml.he.Ciphertext;
import dev.oml.he.CoefficientMatVec;
import dev.oml.he.CompactAnswer;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.FloodingBudget;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.MatVecLayout;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tier-2 offline HE step's direction 1 for one of Network A's layers at the served
 * parameters ({@code OfflineHe.standard()}: N = 8192, 60 + 3 x 52-bit primes, {@code t = p},
 * kappa 40), in its former form and its compact form in the same run. Former: the layout that
 * minimizes query ciphertexts, tiles at the top level, each answer switched down the chain to
 * level 1 and extracted ({@code c_1} in NTT form over two primes). Compact: the layout with the
 * fewest output blocks, tiles at {@link FloodingBudget#compactLevel}, each answer a
 * {@link CompactAnswer} at {@code 2^60}. {@code owner*} is the owner's work per query on one
 * answer list (deserializing and decrypting; the served step does it twice, value and tag);
 * {@code licensee*} is the licensee's (the product on the tiles, re-randomizing, flooding,
 * switching and serializing). Both decryptions are checked against the plain product in setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class TierTwoHeAnswerBenchmark {
  /** The layer's shape, rows x cols. */
  @Param({"128x784", "128x128"})
  public String shape;

  private HeContext ctx;
  private CoefficientMatVec mv;
  private Decryptor dec;
  private PublicKey pk;
  private long[] r;
  private long[] mask;
  private MatVecLayout formerLayout;
  private List<Ciphertext> formerTiles;
  private List<byte[]> formerAnswer;
  private MatVecLayout compactLayout;
  private List<Ciphertext> compactTiles;
  private List<byte[]> compactAnswer;
  private int bits;
  private HeContext seal;
  private PublicKey sealKey;
  private List<Ciphertext> sealTiles;

  @Setup
  public void setup() {
    HeParameters p = PredefinedParameters.bfvPrimeField(40);
    String[] rc = shape.split("x");
    int rows = Integer.parseInt(rc[0]);
    int cols = Integer.parseInt(rc[1]);
    Random rnd = new Random(1);
    ctx = HeBackends.pureJava().createContext(p);
    KeyGenerator kg = ctx.keyGenerator();
    dec = ctx.decryptor(kg.secretKey());
    pk = kg.createPublicKey();
    Encryptor sym = ctx.encryptor(kg.secretKey());
    mv = ctx.coefficientMatVec();
    long t = p.plainModulus();
    long[][] w = new long[rows][cols];
    for (long[] row : w) {
      for (int j = 0; j < cols; j++) {
        row[j] = Math.floorMod(rnd.nextLong(), t);
      }
    }
    r = new long[cols];
    for (int j = 0; j < cols; j++) {
      r[j] = Math.floorMod(rnd.nextLong(), t);
    }
    mask = new long[rows];
    for (int i = 0; i < rows; i++) {
      mask[i] = Math.floorMod(rnd.nextLong(), t);
    }
    formerLayout = mv.layout(rows, cols);
    formerTiles = mv.encryptMatrix(sym, formerLayout, w);
    compactLayout = MatVecLayout.ofEncryptedMatrix(rows, cols, p);
    int level = FloodingBudget.compactLevel(p, compactLayout, 40);
    bits = FloodingBudget.forMatVec(p, compactLayout, 40, level).compactBits();
    compactTiles = mv.encryptMatrix(sym, compactLayout, w, level);
    formerAnswer = licenseeFormer();
    compactAnswer = licenseeCompact();
    if (HeBackends.isSealAvailable()) {
      // the licensee on SEAL: the owner's key and tiles imported from the pure-Java form
      seal = HeBackends.seal().createContext(p);
      sealKey = seal.importPublicKey(ctx.exportPublicKey(pk));
      sealTiles = new ArrayList<>();
      for (Ciphertext c : compactTiles) {
        sealTiles.add(seal.importOperand(ctx.exportComponents(c), level));
      }
    }
    long[] expected = new long[rows];
    for (int i = 0; i < rows; i++) {
      java.math.BigInteger acc = java.math.BigInteger.ZERO;
      for (int j = 0; j < cols; j++) {
        acc = acc.add(java.math.BigInteger.valueOf(w[i][j]).multiply(
            java.math.BigInteger.valueOf(r[j])));
      }
      expected[i] = acc.subtract(java.math.BigInteger.valueOf(mask[i]))
          .mod(java.math.BigInteger.valueOf(t)).longValue();
    }
    if (!Arrays.equals(expected, ownerFormer()) || !Arrays.equals(expected, ownerCompact())) {
      throw new IllegalStateException("a decryption differs from the plain product");
    }
    if (seal != null && !Arrays.equals(expected, ownerCompact(licenseeCompactSeal()))) {
      throw new IllegalStateException("the SEAL licensee's answer differs from the plain product");
    }
    System.out.printf("%ntier-2 HE answer bytes, %s: former %d (%s), compact %d (%s, level %d,"
        + " 2^%d)%n", shape, size(formerAnswer), formerLayout, size(compactAnswer), compactLayout,
        level, bits);
  }

  private static long size(List<byte[]> l) {
    long s = 0;
    for (byte[] b : l) {
      s += b.length;
    }
    return s;
  }

  @Benchmark
  public List<byte[]> licenseeFormer() {
    List<byte[]> out = new ArrayList<>();
    for (Ciphertext c : mv.answerEncryptedMatrix(formerLayout, formerTiles, r, mask, pk, 40)) {
      out.add(ctx.serializer().save(c));
    }
    return out;
  }

  @Benchmark
  public List<byte[]> licenseeCompact() {
    List<byte[]> out = new ArrayList<>();
    for (CompactAnswer c : mv.answerEncryptedMatrixCompact(compactLayout, compactTiles, r, mask,
        pk, 40)) {
      out.add(c.encode());
    }
    return out;
  }

  /**
   * {@link #licenseeCompact} with the licensee on SEAL (the tiles imported once, in setup, as
   * the served step imports them once per bundle); fails where the native library is absent.
   */
  @Benchmark
  public List<byte[]> licenseeCompactSeal() {
    if (seal == null) {
      throw new IllegalStateException("SEAL native library not loaded: "
          + "build native/ (docs/he-backends.md)");
    }
    List<byte[]> out = new ArrayList<>();
    for (CompactAnswer c : seal.coefficientMatVec().answerEncryptedMatrixCompact(compactLayout,
        sealTiles, r, mask, sealKey, 40)) {
      out.add(c.encode());
    }
    return out;
  }

  @Benchmark
  public long[] ownerFormer() {
    List<Ciphertext> cts = new ArrayList<>();
    for (byte[] b : formerAnswer) {
      cts.add(ctx.serializer().loadCiphertext(b));
    }
    return mv.decryptAnswer(dec, formerLayout, cts);
  }

  @Benchmark
  public long[] ownerCompact() {
    return ownerCompact(compactAnswer);
  }

  private long[] ownerCompact(List<byte[]> compactAnswer) {
    List<CompactAnswer> as = new ArrayList<>();
    int br = compactLayout.blockRows();
    for (int o = 0; o < compactAnswer.size(); o++) {
      as.add(CompactAnswer.decode(compactAnswer.get(o), ctx.parameters().polyModulusDegree(),
          Math.min(br, compactLayout.rows() - o * br), bits));
    }
    return mv.decryptCompactAnswer(dec, compactLayout, as);
  }
}
