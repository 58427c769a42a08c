package dev.oml.bench.peer;

import dev.oml.core.fixedpoint.FixedPointFormat;
import dev.oml.core.model.Argmax;
import dev.oml.core.model.Flatten;
import dev.oml.core.model.Layer;
import dev.oml.core.model.ReLU;
import dev.oml.core.reference.QuantizedModel;
import dk.alexandra.fresco.framework.Application;
import dk.alexandra.fresco.framework.DRes;
import dk.alexandra.fresco.framework.Party;
import dk.alexandra.fresco.framework.ProtocolEvaluator.EvaluationStatistics;
import dk.alexandra.fresco.framework.ProtocolEvaluator;
import dk.alexandra.fresco.framework.ProtocolProducer;
import dk.alexandra.fresco.framework.builder.numeric.Numeric;
import dk.alexandra.fresco.framework.builder.numeric.ProtocolBuilderNumeric;
import dk.alexandra.fresco.framework.builder.numeric.field.FieldDefinition;
import dk.alexandra.fresco.framework.builder.numeric.field.MersennePrimeFieldDefinition;
import dk.alexandra.fresco.framework.configuration.NetworkConfigurationImpl;
import dk.alexandra.fresco.framework.network.Network;
import dk.alexandra.fresco.framework.network.socket.SocketNetwork;
import dk.alexandra.fresco.framework.sce.SecureComputationEngine;
import dk.alexandra.fresco.framework.sce.SecureComputationEngineImpl;
import dk.alexandra.fresco.framework.sce.evaluator.BatchedProtocolEvaluator;
import dk.alexandra.fresco.framework.sce.evaluator.EvaluationStrategy;
import dk.alexandra.fresco.framework.util.AesCtrDrbg;
import dk.alexandra.fresco.framework.util.OpenedValueStoreImpl;
import dk.alexandra.fresco.framework.value.SInt;
import dk.alexandra.fresco.lib.common.compare.Comparison;
import dk.alexandra.fresco.lib.common.math.AdvancedNumeric;
import dk.alexandra.fresco.suite.spdz.SpdzProtocolSuite;
import dk.alexandra.fresco.suite.spdz.SpdzResourcePool;
import dk.alexandra.fresco.suite.spdz.SpdzResourcePoolImpl;
import dk.alexandra.fresco.suite.spdz.storage.SpdzDummyDataSupplier;
import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A fixed-point MLP (Network A: 784-128-128-10 with ReLU) evaluated by FRESCO's SPDZ suite, two
 * parties in this JVM talking over FRESCO's own socket network on the loopback interface: the
 * Java MPC peer that our two-party inference is measured against.
 *
 * <p>What runs, and its security: party 1 (the owner) secret-shares the quantized weights and
 * biases once ({@link #sharing()}); per query party 2 (the user) secret-shares its encoded image,
 * both parties evaluate every layer on shares, and the logits are opened to the user alone. The
 * online phase is FRESCO's SPDZ (MAC-checked, malicious security with abort). The
 * preprocessing is <b>not</b>: {@link SpdzDummyDataSupplier} makes the triples, random bits and
 * input masks from a PRG both parties seed alike, with no communication, as a trusted dealer
 * would. That is insecure and is there only so the online phase can be measured; FRESCO's real
 * offline phase (MASCOT) is not run. By default the dummy material is generated on demand, so
 * its local cost is inside the measured latency; {@link #preprocess} draws it ahead of time so
 * that a query measures the online phase alone.
 *
 * <p>Fixed point: the same integers as {@code dev.oml.core.reference.FixedPointInference} with
 * {@code f} fractional bits (12 for Network A). A linear layer is FRESCO's fixed-point inner
 * product (all products in parallel, one truncation of the sum, as
 * {@code AdvancedFixedNumeric.innerProduct} does) with the bias added at {@code 2f} bits before
 * that truncation, exactly as our reference adds it. FRESCO's truncation is probabilistic
 * (Catrina-Saxena): it returns {@code floor(v / 2^f)} or one more, so each truncated value may
 * exceed the reference by one unit in the last place ({@code 2^-f}), and these differences
 * propagate. ReLU is {@code x - x * [x < 0]} with FRESCO's {@code LessThanZero}
 * (Catrina-de Hoogh), which needs every compared value in {@code [-2^(k-1), 2^(k-1))}: {@code k}
 * is the model's ring size {@code l} (45), within which the reference keeps every intermediate.
 * One query at a time: an instance is not safe for concurrent use.
 * Values live in a prime field of {@code modBits} bits (128 by default), which must exceed
 * {@code k} plus FRESCO's statistical security parameter (40).
 */
public final class FrescoNetworkA implements AutoCloseable {
  /** FRESCO party id of the model owner, who inputs the weights. */
  public static final int OWNER = 1;
  /** FRESCO party id of the user, who inputs the image and receives the logits. */
  public static final int USER = 2;
  /** The default size of SPDZ's prime field, as in FRESCO's own SPDZ tests. */
  public static final int DEFAULT_MOD_BITS = 128;
  /** FRESCO's default number of native protocols per evaluation batch. */
  public static final int DEFAULT_BATCH_SIZE = 4096;

  private static final Duration TIMEOUT = Duration.ofMinutes(10);

  private final QuantizedModel model;
  private final FixedPointFormat format;
  private final int modBits;
  private final List<PartyNode> parties;
  private final Measurement sharing;
  private final Map<Integer, PrefetchedDataSupplier.Demand> demands = new HashMap<>();

  private FrescoNetworkA(QuantizedModel model, int modBits, List<PartyNode> parties) {
    this.model = model;
    this.format = model.format();
    this.modBits = modBits;
    this.parties = parties;
    this.sharing = shareModel();
  }

  /** Opens the two parties with the default field size and batch size; see {@link #open(QuantizedModel, int, int)}. */
  public static FrescoNetworkA open(QuantizedModel model) {
    return open(model, DEFAULT_MOD_BITS, DEFAULT_BATCH_SIZE);
  }

  /**
   * Starts both parties (FRESCO SPDZ, dummy preprocessing, loopback sockets) and lets the owner
   * secret-share the model.
   *
   * @param model a quantized MLP of linear layers, ReLUs, flattens and a final argmax
   * @param modBits size of SPDZ's prime field in bits
   * @param batchSize FRESCO's maximum number of native protocols per evaluation batch
   * @throws UnsupportedOperationException if the model has a layer this peer does not express
   * @throws IllegalArgumentException if the field is too small for the model's ring
   */
  public static FrescoNetworkA open(QuantizedModel model, int modBits, int batchSize) {
    checkSupported(model);
    int k = model.format().ringBits();
    if (modBits < k + 40 + 2) {
      throw new IllegalArgumentException("a " + modBits + "-bit field cannot hold " + k
          + "-bit values plus FRESCO's 40-bit statistical mask; use at least " + (k + 42) + " bits");
    }
    FieldDefinition field = MersennePrimeFieldDefinition.find(modBits);
    // The dummy dealer's MAC key: both parties hold it in full (insecure, as the dealer is).
    BigInteger macKey = new BigInteger(modBits, new SecureRandom()).mod(field.getModulus());
    String host = LoopbackServerSockets.loopbackHost();
    Map<Integer, Party> addresses = Map.of(
        OWNER, new Party(OWNER, host, LoopbackServerSockets.freePort()),
        USER, new Party(USER, host, LoopbackServerSockets.freePort()));
    // FRESCO's connector blocks until the peer is there: each party connects on its own thread.
    ExecutorService connecting = Executors.newFixedThreadPool(2);
    List<Future<PartyNode>> starting = new ArrayList<>();
    for (int id : new int[] {OWNER, USER}) {
      starting.add(connecting.submit(
          () -> PartyNode.start(id, addresses, field, macKey, k, model.format().fractionalBits(),
              batchSize)));
    }
    connecting.shutdown();
    List<PartyNode> parties = new ArrayList<>();
    try {
      for (Future<PartyNode> f : starting) {
        parties.add(f.get(2, TimeUnit.MINUTES));
      }
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      for (Future<PartyNode> f : starting) {
        f.cancel(true);
        if (f.isDone() && !f.isCancelled()) {
          try {
            f.get().close();
          } catch (InterruptedException | ExecutionException ignored) {
            // That party never started: nothing to close.
          }
        }
      }
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("FRESCO's two parties could not connect on loopback", e);
    }
    return new FrescoNetworkA(model, modBits, parties);
  }

  /** The one-time cost of the owner secret-sharing the weights and biases. */
  public Measurement sharing() {
    return sharing;
  }

  /** Size of SPDZ's prime field in bits. */
  public int modBits() {
    return modBits;
  }

  /** Number of layers of the model (prefixes of it can be run with {@link #infer(long[], int)}). */
  public int layers() {
    return model.model().layers().size();
  }

  /**
   * Number of layers up to the logits: all of them but a final {@code Argmax}. Running this many
   * layers opens the logits to the user; running {@link #layers()} opens only the label.
   */
  public int logitLayers() {
    var layers = model.model().layers();
    return layers.get(layers.size() - 1) instanceof Argmax ? layers.size() - 1 : layers.size();
  }

  /**
   * Runs the first {@code layerCount} layers on an input the user secret-shares, and opens the
   * result to the user: the last layer's values, or, if the run includes the model's final
   * {@code Argmax}, only the label (FRESCO's {@code ArgMin} breaks ties towards the later
   * index, the reference towards the earlier one).
   *
   * @param input the image as canonical ring elements at {@code f} bits (as
   *     {@code FixedPointInference.encodeInput} makes them)
   * @return the opened values as signed integers at {@code f} bits (or the label), with time
   *     and traffic
   */
  public Inference infer(long[] input, int layerCount) {
    int n = model.model().inputShape().size();
    if (input.length != n) {
      throw new IllegalArgumentException("input has " + input.length + " values, model expects " + n);
    }
    if (layerCount < 0 || layerCount > layers()) {
      throw new IllegalArgumentException("layerCount " + layerCount + " not in 0.." + layers());
    }
    Run<List<DRes<BigInteger>>> run = runBoth(p -> inference(p, input, layerCount));
    List<DRes<BigInteger>> opened = run.outputs().get(USER - 1);
    FieldDefinition field = parties.get(USER - 1).pool.getFieldDefinition();
    long[] out = new long[opened.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = field.convertToSigned(opened.get(i).out()).longValueExact();
    }
    return new Inference(out, run.measurement());
  }

  /**
   * Draws one query's SPDZ preprocessing material (triples, random bits, input masks) from the
   * dummy dealer now, so that the next {@link #infer(long[], int)} of the same depth measures
   * the online phase alone. The first call for a given depth runs one extra query on
   * {@code sampleInput} to learn how much material a query consumes (the amount does not depend
   * on the input).
   */
  public void preprocess(long[] sampleInput, int layerCount) {
    PrefetchedDataSupplier.Demand d = demands.get(layerCount);
    if (d == null) {
      parties.forEach(p -> p.supplier.takeDemand());
      infer(sampleInput, layerCount);
      d = parties.get(0).supplier.takeDemand();
      for (int i = 1; i < parties.size(); i++) {
        if (!d.equals(parties.get(i).supplier.takeDemand())) {
          throw new IllegalStateException("the parties consumed different preprocessing material");
        }
      }
      demands.put(layerCount, d);
    }
    PrefetchedDataSupplier.Demand demand = d;
    // Both parties draw at once, as two dealers' clients would; the clock is not running.
    Thread owner = new Thread(() -> parties.get(OWNER - 1).supplier.prefetch(demand));
    owner.start();
    parties.get(USER - 1).supplier.prefetch(demand);
    try {
      owner.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while drawing preprocessing material", e);
    }
    parties.forEach(p -> p.supplier.takeDemand());
  }

  /** {@link #preprocess} then {@link #infer(long[], int)}: the online phase of one query. */
  public Inference inferOnline(long[] input, int layerCount) {
    preprocess(input, layerCount);
    Inference result = infer(input, layerCount);
    PrefetchedDataSupplier.Demand demand = demands.get(layerCount);
    for (PartyNode p : parties) {
      if (p.supplier.hasLeftover() || !demand.equals(p.supplier.takeDemand())) {
        throw new IllegalStateException("a query consumed other preprocessing than was drawn");
      }
    }
    return result;
  }

  @Override
  public void close() {
    parties.forEach(PartyNode::close);
  }

  /** Wall-clock time and traffic of one run of both parties. */
  public record Measurement(long nanos, long payloadBytes, long wireBytes, long messages,
      int batches, int nativeProtocols) {
    /** Payload bytes in megabytes (10^6). */
    public double megabytes() {
      return payloadBytes / 1e6;
    }
  }

  /**
   * One query's result: the opened values (signed integers at {@code f} fractional bits) and its
   * {@link Measurement}: both parties' sent bytes added up, messages of both parties, and the
   * user's FRESCO evaluation batches and native protocols.
   */
  public record Inference(long[] output, Measurement measurement) {
    public Inference {
      output = output.clone();
    }

    @Override
    public long[] output() {
      return output.clone();
    }
  }

  private static void checkSupported(QuantizedModel model) {
    var layers = model.model().layers();
    for (int i = 0; i < layers.size(); i++) {
      Layer layer = layers.get(i);
      if (model.isLinear(i) || layer instanceof ReLU || layer instanceof Flatten
          || (layer instanceof Argmax && i == layers.size() - 1 && i > 0 && model.isLinear(i - 1))) {
        continue;
      }
      throw new UnsupportedOperationException("layer " + i + " (" + layer.kind()
          + ") has no FRESCO counterpart here: this peer runs linear layers, ReLU and a final"
          + " argmax after a linear layer");
    }
  }

  private Measurement shareModel() {
    Run<SharedModel> run = runBoth(this::sharingApp);
    for (int i = 0; i < parties.size(); i++) {
      parties.get(i).shared = run.outputs().get(i);
    }
    return run.measurement();
  }

  private Application<SharedModel, ProtocolBuilderNumeric> sharingApp(PartyNode p) {
    boolean owner = p.id == OWNER;
    BigInteger modulus = p.pool.getFieldDefinition().getModulus();
    return builder -> builder.par(par -> {
      Numeric num = par.numeric();
      var layers = model.model().layers();
      List<List<List<DRes<SInt>>>> matrices = new ArrayList<>();
      List<List<DRes<SInt>>> biases = new ArrayList<>();
      for (int i = 0; i < layers.size(); i++) {
        if (!model.isLinear(i)) {
          matrices.add(null);
          biases.add(null);
          continue;
        }
        int rows = model.rows(i);
        int cols = model.cols(i);
        long[] a = owner ? model.matrix(i) : null;
        long[] b = owner ? model.bias(i) : null;
        List<List<DRes<SInt>>> m = new ArrayList<>(rows);
        List<DRes<SInt>> bias = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
          List<DRes<SInt>> row = new ArrayList<>(cols);
          for (int c = 0; c < cols; c++) {
            row.add(num.input(owner ? field(format.signed(a[r * cols + c]), modulus) : null, OWNER));
          }
          m.add(row);
          bias.add(num.input(owner ? field(format.signed(b[r]), modulus) : null, OWNER));
        }
        matrices.add(m);
        biases.add(bias);
      }
      return () -> new SharedModel(matrices, biases);
    });
  }

  private Application<List<DRes<BigInteger>>, ProtocolBuilderNumeric> inference(PartyNode p,
      long[] input, int layerCount) {
    boolean user = p.id == USER;
    BigInteger modulus = p.pool.getFieldDefinition().getModulus();
    int f = format.fractionalBits();
    SharedModel shared = p.shared;
    return builder -> {
      DRes<List<DRes<SInt>>> h = builder.par(par -> {
        List<DRes<SInt>> x = new ArrayList<>(input.length);
        for (long v : input) {
          x.add(par.numeric().input(user ? field(format.signed(v), modulus) : null, USER));
        }
        return () -> x;
      });
      var layers = model.model().layers();
      for (int i = 0; i < layerCount; i++) {
        DRes<List<DRes<SInt>>> in = h;
        if (model.isLinear(i)) {
          List<List<DRes<SInt>>> w = shared.matrices().get(i);
          List<DRes<SInt>> b = shared.biases().get(i);
          h = builder.seq(seq -> seq.par(par -> {
            List<DRes<SInt>> x = in.out();
            List<DRes<SInt>> y = new ArrayList<>(w.size());
            for (int r = 0; r < w.size(); r++) {
              List<DRes<SInt>> row = w.get(r);
              DRes<SInt> bias = b.get(r);
              y.add(par.seq(s -> {
                DRes<SInt> dot = AdvancedNumeric.using(s).innerProduct(row, x);
                DRes<SInt> acc = s.numeric().add(dot, bias);
                return AdvancedNumeric.using(s).truncate(acc, f);
              }));
            }
            return () -> y;
          }));
        } else if (layers.get(i) instanceof ReLU) {
          h = builder.seq(seq -> seq.par(par -> {
            List<DRes<SInt>> x = in.out();
            List<DRes<SInt>> y = new ArrayList<>(x.size());
            for (DRes<SInt> v : x) {
              y.add(par.seq(s -> {
                DRes<SInt> negative = Comparison.using(s).compareLT(v, s.numeric().known(0));
                return s.numeric().sub(v, s.numeric().mult(negative, v));
              }));
            }
            return () -> y;
          }));
        } else if (layers.get(i) instanceof Argmax) {
          // FRESCO's ArgMin (a tournament of LessThanZero comparisons) on the negated logits
          // gives a one-hot vector; the label is its dot product with 0..n-1, opened alone.
          h = builder.seq(seq -> seq.par(par -> {
            List<DRes<SInt>> negated = new ArrayList<>();
            for (DRes<SInt> v : in.out()) {
              negated.add(par.numeric().sub(0, v));
            }
            return () -> negated;
          })).seq((seq, negated) -> Comparison.using(seq).argMin(negated))
              .seq((seq, oneHotAndMin) -> {
                List<DRes<SInt>> oneHot = oneHotAndMin.getFirst();
                DRes<SInt> label = seq.numeric().known(0);
                for (int j = 1; j < oneHot.size(); j++) {
                  label = seq.numeric().add(label, seq.numeric().mult(j, oneHot.get(j)));
                }
                List<DRes<SInt>> out = List.of(label);
                return () -> out;
              });
        }
        // Flatten is the identity on a vector.
      }
      DRes<List<DRes<SInt>>> last = h;
      return builder.par(par -> {
        List<DRes<BigInteger>> out = new ArrayList<>();
        for (DRes<SInt> v : last.out()) {
          out.add(par.numeric().open(v, USER));
        }
        return () -> out;
      });
    };
  }

  private static BigInteger field(long signed, BigInteger modulus) {
    return BigInteger.valueOf(signed).mod(modulus);
  }

  private <T> Run<T> runBoth(Function<PartyNode, Application<T, ProtocolBuilderNumeric>> appFor) {
    long[] bytes0 = new long[parties.size()];
    long[] wire0 = new long[parties.size()];
    long[] msgs0 = new long[parties.size()];
    for (int i = 0; i < parties.size(); i++) {
      bytes0[i] = parties.get(i).network.bytesSent();
      wire0[i] = parties.get(i).network.wireBytesSent();
      msgs0[i] = parties.get(i).network.messagesSent();
    }
    long t0 = System.nanoTime();
    List<Future<T>> running = new ArrayList<>();
    for (PartyNode p : parties) {
      running.add(p.sce.startApplication(appFor.apply(p), p.pool, p.network));
    }
    List<T> outputs = new ArrayList<>();
    try {
      for (Future<T> f : running) {
        outputs.add(f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while FRESCO was evaluating", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("FRESCO evaluation failed: " + e.getMessage(), e);
    }
    long nanos = System.nanoTime() - t0;
    long bytes = 0;
    long wire = 0;
    long msgs = 0;
    for (int i = 0; i < parties.size(); i++) {
      bytes += parties.get(i).network.bytesSent() - bytes0[i];
      wire += parties.get(i).network.wireBytesSent() - wire0[i];
      msgs += parties.get(i).network.messagesSent() - msgs0[i];
    }
    EvaluationStatistics stats = parties.get(USER - 1).evaluator.last.get();
    return new Run<>(Collections.unmodifiableList(outputs), new Measurement(nanos, bytes, wire,
        msgs, stats.getBatches(), stats.getNativeProtocols()));
  }

  private record Run<T>(List<T> outputs, Measurement measurement) {}

  /** One party's shares of the model: per layer, the matrix by rows and the bias. */
  private record SharedModel(List<List<List<DRes<SInt>>>> matrices, List<List<DRes<SInt>>> biases) {}

  /** One FRESCO party: its engine, SPDZ resource pool, counted network and model shares. */
  private static final class PartyNode implements AutoCloseable {
    final int id;
    final SecureComputationEngine<SpdzResourcePool, ProtocolBuilderNumeric> sce;
    final SpdzResourcePool pool;
    final CountingNetwork network;
    final RecordingEvaluator evaluator;
    final PrefetchedDataSupplier supplier;
    volatile SharedModel shared;

    private PartyNode(int id, SecureComputationEngine<SpdzResourcePool, ProtocolBuilderNumeric> sce,
        SpdzResourcePool pool, CountingNetwork network, RecordingEvaluator evaluator,
        PrefetchedDataSupplier supplier) {
      this.id = id;
      this.sce = sce;
      this.pool = pool;
      this.network = network;
      this.evaluator = evaluator;
      this.supplier = supplier;
    }

    static PartyNode start(int id, Map<Integer, Party> addresses, FieldDefinition field,
        BigInteger macKey, int maxBitLength, int precision, int batchSize) {
      SpdzProtocolSuite suite = new SpdzProtocolSuite(maxBitLength, precision);
      RecordingEvaluator evaluator = new RecordingEvaluator(new BatchedProtocolEvaluator<>(
          EvaluationStrategy.SEQUENTIAL_BATCHED.getStrategy(), suite, batchSize));
      SecureComputationEngine<SpdzResourcePool, ProtocolBuilderNumeric> sce =
          new SecureComputationEngineImpl<>(suite, evaluator);
      PrefetchedDataSupplier supplier = new PrefetchedDataSupplier(
          new SpdzDummyDataSupplier(id, addresses.size(), field, macKey));
      SpdzResourcePool pool = new SpdzResourcePoolImpl(id, addresses.size(),
          new OpenedValueStoreImpl<>(), supplier, AesCtrDrbg::new);
      SocketNetwork socket = new SocketNetwork(new NetworkConfigurationImpl(id, addresses),
          javax.net.SocketFactory.getDefault(), new LoopbackServerSockets());
      return new PartyNode(id, sce, pool, new CountingNetwork(socket, id), evaluator, supplier);
    }

    @Override
    public void close() {
      sce.close();
      try {
        network.close();
      } catch (IOException e) {
        // Closing loopback sockets at shutdown: nothing left to do with the error.
      }
    }
  }

  /** Keeps the statistics of the last evaluation (batches and native protocols). */
  private static final class RecordingEvaluator implements ProtocolEvaluator<SpdzResourcePool> {
    final ProtocolEvaluator<SpdzResourcePool> inner;
    final AtomicReference<EvaluationStatistics> last = new AtomicReference<>();

    RecordingEvaluator(ProtocolEvaluator<SpdzResourcePool> inner) {
      this.inner = inner;
    }

    @Override
    public EvaluationStatistics eval(ProtocolProducer producer, SpdzResourcePool pool,
        Network network) {
      EvaluationStatistics s = inner.eval(producer, pool, network);
      last.set(s);
      return s;
    }
  }
}
