package dev.oml.bench.jmh;

import dev.oml.he.Ciphertext;
import dev.oml.he.Decryptor;
import dev.oml.he.Encryptor;
import dev.oml.he.Evaluator;
import dev.oml.he.GaloisKeys;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.he.HeContext;
import dev.oml.he.HeParameters;
import dev.oml.he.KeyGenerator;
import dev.oml.he.Plaintext;
import dev.oml.he.PredefinedParameters;
import dev.oml.he.PublicKey;
import dev.oml.he.RelinKeys;
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
 * Single HE operations per backend and parameter set, the figures of SEAL-NOTES.md's table:
 * encode, public-key encrypt, multiply by plaintext, multiply and relinearize, rescale (CKKS) or
 * modulus switch (BFV), rotate one step, decrypt and decode. {@code backend} is a name known to
 * {@link HeBackends} ({@code java} always; {@code seal} where the native library loads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(1)
public class HeOperationsBenchmark {
  @Param({"java"})
  public String backend;

  @Param({"CKKS_N8192", "CKKS_N16384", "BFV_N8192_BATCHING"})
  public String parameters;

  private HeContext ctx;
  private Evaluator ev;
  private Encryptor enc;
  private Decryptor dec;
  private RelinKeys rk;
  private GaloisKeys gk;
  private Plaintext plain;
  private Ciphertext ct;
  private Ciphertext product;
  private double[] reals;
  private long[] ints;
  private boolean ckks;

  @Setup
  public void setup() throws Exception {
    HeBackend be = Backends.byName(backend);
    HeParameters p = (HeParameters) PredefinedParameters.class.getField(parameters).get(null);
    ctx = be.createContext(p);
    ckks = parameters.startsWith("CKKS");
    KeyGenerator kg = ctx.keyGenerator();
    PublicKey pk = kg.createPublicKey();
    rk = kg.createRelinKeys();
    gk = kg.createGaloisKeys(1);
    enc = ctx.encryptor(pk);
    dec = ctx.decryptor(kg.secretKey());
    ev = ctx.evaluator();
    Random r = new Random(1);
    int n = p.polyModulusDegree();
    if (ckks) {
      reals = new double[n / 2];
      for (int i = 0; i < reals.length; i++) {
        reals[i] = r.nextDouble();
      }
      plain = ctx.ckksEncoder().encode(reals, 0x1p40);
    } else {
      ints = new long[n];
      for (int i = 0; i < n; i++) {
        ints[i] = r.nextInt(65537);
      }
      plain = ctx.bfvEncoder().encode(ints);
    }
    ct = enc.encrypt(plain);
    product = ev.multiplyPlain(ct, plain);
  }

  @Benchmark
  public Plaintext encode() {
    return ckks ? ctx.ckksEncoder().encode(reals, 0x1p40) : ctx.bfvEncoder().encode(ints);
  }

  @Benchmark
  public Ciphertext encryptPublicKey() {
    return enc.encrypt(plain);
  }

  @Benchmark
  public Ciphertext add() {
    return ev.add(ct, ct);
  }

  @Benchmark
  public Ciphertext multiplyPlain() {
    return ev.multiplyPlain(ct, plain);
  }

  @Benchmark
  public Ciphertext multiplyRelinearize() {
    return ev.multiplyAndRelinearize(ct, ct, rk);
  }

  @Benchmark
  public Ciphertext rescaleOrModSwitch() {
    return ckks ? ev.rescale(product) : ev.modSwitchToNext(ct);
  }

  @Benchmark
  public Ciphertext rotateOneStep() {
    return ckks ? ev.rotate(ct, 1, gk) : ev.rotateRows(ct, 1, gk);
  }

  @Benchmark
  public Object decryptDecode() {
    Plaintext p = dec.decrypt(ct);
    return ckks ? ctx.ckksEncoder().decode(p) : ctx.bfvEncoder().decode(p);
  }
}
