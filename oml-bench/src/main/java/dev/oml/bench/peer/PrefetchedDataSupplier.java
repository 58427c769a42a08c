package dev.oml.bench.peer;

import dk.alexandra.fresco.framework.builder.numeric.field.FieldDefinition;
import dk.alexandra.fresco.framework.builder.numeric.field.FieldElement;
import dk.alexandra.fresco.suite.spdz.datatypes.SpdzInputMask;
import dk.alexandra.fresco.suite.spdz.datatypes.SpdzSInt;
import dk.alexandra.fresco.suite.spdz.datatypes.SpdzTriple;
import dk.alexandra.fresco.suite.spdz.storage.SpdzDataSupplier;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A SPDZ preprocessing supplier that can draw a known amount of material ahead of time, so that
 * a measured run is the online phase alone; and that counts what a run consumed, so the amount
 * is known. Both parties must prefetch the same {@link Demand} in the same order: the dummy
 * supplier underneath is one PRG stream per party, and the parties' shares match only while
 * they draw from it alike.
 */
final class PrefetchedDataSupplier implements SpdzDataSupplier {
  /** Material one run consumed: triples, random bits, random elements, exponentiation pipes, and input masks per inputting party. */
  record Demand(long triples, long bits, long randoms, long expPipes, Map<Integer, Long> masks) {
    Demand {
      masks = Map.copyOf(masks);
    }
  }

  private final SpdzDataSupplier inner;
  private final ArrayDeque<SpdzTriple> triples = new ArrayDeque<>();
  private final ArrayDeque<SpdzSInt> bits = new ArrayDeque<>();
  private final ArrayDeque<SpdzSInt> randoms = new ArrayDeque<>();
  private final ArrayDeque<SpdzSInt[]> expPipes = new ArrayDeque<>();
  private final Map<Integer, ArrayDeque<SpdzInputMask>> masks = new HashMap<>();
  private long tripleCount;
  private long bitCount;
  private long randomCount;
  private long expPipeCount;
  private final Map<Integer, Long> maskCounts = new TreeMap<>();

  PrefetchedDataSupplier(SpdzDataSupplier inner) {
    this.inner = inner;
  }

  /** What was consumed since the last call (or since creation). */
  synchronized Demand takeDemand() {
    Demand d = new Demand(tripleCount, bitCount, randomCount, expPipeCount, maskCounts);
    tripleCount = 0;
    bitCount = 0;
    randomCount = 0;
    expPipeCount = 0;
    maskCounts.clear();
    return d;
  }

  /** Draws {@code d} from the underlying supplier now, to be served before anything new. */
  synchronized void prefetch(Demand d) {
    for (long i = 0; i < d.triples(); i++) {
      triples.add(inner.getNextTriple());
    }
    for (long i = 0; i < d.bits(); i++) {
      bits.add(inner.getNextBit());
    }
    for (long i = 0; i < d.randoms(); i++) {
      randoms.add(inner.getNextRandomFieldElement());
    }
    for (long i = 0; i < d.expPipes(); i++) {
      expPipes.add(inner.getNextExpPipe());
    }
    for (Map.Entry<Integer, Long> e : new TreeMap<>(d.masks()).entrySet()) {
      ArrayDeque<SpdzInputMask> q = masks.computeIfAbsent(e.getKey(), k -> new ArrayDeque<>());
      for (long i = 0; i < e.getValue(); i++) {
        q.add(inner.getNextInputMask(e.getKey()));
      }
    }
  }

  /** True if prefetched material is left over (a run consumed less than was drawn for it). */
  synchronized boolean hasLeftover() {
    return !triples.isEmpty() || !bits.isEmpty() || !randoms.isEmpty() || !expPipes.isEmpty()
        || masks.values().stream().anyMatch(q -> !q.isEmpty());
  }

  @Override
  public synchronized SpdzTriple getNextTriple() {
    tripleCount++;
    SpdzTriple t = triples.poll();
    return t != null ? t : inner.getNextTriple();
  }

  @Override
  public synchronized SpdzSInt[] getNextExpPipe() {
    expPipeCount++;
    SpdzSInt[] p = expPipes.poll();
    return p != null ? p : inner.getNextExpPipe();
  }

  @Override
  public synchronized SpdzInputMask getNextInputMask(int towardPlayerId) {
    maskCounts.merge(towardPlayerId, 1L, Long::sum);
    ArrayDeque<SpdzInputMask> q = masks.get(towardPlayerId);
    SpdzInputMask m = q == null ? null : q.poll();
    return m != null ? m : inner.getNextInputMask(towardPlayerId);
  }

  @Override
  public synchronized SpdzSInt getNextBit() {
    bitCount++;
    SpdzSInt b = bits.poll();
    return b != null ? b : inner.getNextBit();
  }

  @Override
  public FieldDefinition getFieldDefinition() {
    return inner.getFieldDefinition();
  }

  @Override
  public FieldElement getSecretSharedKey() {
    return inner.getSecretSharedKey();
  }

  @Override
  public synchronized SpdzSInt getNextRandomFieldElement() {
    randomCount++;
    SpdzSInt r = randoms.poll();
    return r != null ? r : inner.getNextRandomFieldElement();
  }
}
