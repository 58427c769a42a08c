package dev.oml.mpc.tier2;

import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.Model;
import dev.oml.core.transport.Channel;
import dev.oml.core.transport.ForwardingChannel;
import dev.oml.core.transport.InMemoryChannel;
import dev.oml.mpc.auth.OfflineHe;
import dev.oml.mpc.inference.OutputPolicy;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Where the offline bytes of a tier-2 bundle go, per message kind: runs the offline phase of one
 * bundle of Network A (f = 12) at the standard HE parameters with both sides in one JVM, and
 * tallies every message by direction and type byte (the two directions tell apart the kinds that
 * share a type byte). Prints bytes per query. Test-scope tool behind docs/benchmarks.md; run
 * with the test classpath: {@code java ... dev.oml.mpc.tier2.Tier2OfflineBytes [n] [LABEL|LOGITS]}.
 */
public final class Tier2OfflineBytes {
  private Tier2OfflineBytes() {}

  static final Map<String, String> KINDS = Map.ofEntries(
      Map.entry("O>U 50", "HE bundle key pk_O"),
      Map.entry("O>U 51", "HE Enc_O(W_O) tiles"),
      Map.entry("O>U 52", "HE Enc_O(q), direction 2"),
      Map.entry("U>O 53", "HE answers, both directions"),
      Map.entry("U>O 11", "base OTs (licensee)"),
      Map.entry("O>U 12", "base OTs (owner)"),
      Map.entry("U>O 31", "VOLE message 3 (KOS extension, e)"),
      Map.entry("O>U 32", "VOLE corrections"),
      Map.entry("O>U 61", "Freivalds challenge"),
      Map.entry("U>O 62", "Freivalds response"),
      Map.entry("U>O 61", "garbling OT start (KOS extension)"),
      Map.entry("O>U 62", "garbling (tables, label tables, mask labels)"));

  /** A channel that tallies what passes through it by direction and type byte. */
  static final class Tally extends ForwardingChannel {
    final Map<String, long[]> bytes = new TreeMap<>();

    Tally(Channel inner) {
      super(inner);
    }

    private void count(String dir, byte[] m) {
      String key = dir + " " + String.format("%02x", m.length == 0 ? 0 : m[0] & 0xFF);
      long[] c = bytes.computeIfAbsent(key, k -> new long[2]);
      c[0] += m.length;
      c[1]++;
    }

    @Override
    public void send(byte[] message) {
      count("U>O", message);
      super.send(message);
    }

    @Override
    public byte[] receive() {
      byte[] m = super.receive();
      count("O>U", m);
      return m;
    }

    @Override
    public byte[] receive(int maxBytes) {
      byte[] m = super.receive(maxBytes);
      count("O>U", m);
      return m;
    }
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    OutputPolicy policy = args.length > 1 ? OutputPolicy.valueOf(args[1]) : OutputPolicy.LABEL;
    Model m = ModelFiles.load(Tier2NetworkATest.root().resolve("models/network-a.omlm"));
    var o = Tier2Run.omlize(m, 12);
    OfflineHe he = OfflineHe.standard();
    Tier2Owner owner = new Tier2Owner(o.keyShare(), dev.oml.core.keys.SecretAccess.get(), he,
        Tier2Run.RNG);
    Tier2User user = new Tier2User(o.artifact(), he, Tier2Run.RNG);
    InMemoryChannel.Pair ch = InMemoryChannel.pair();
    CompletableFuture<Tier2Owner.Bundle> ob =
        CompletableFuture.supplyAsync(() -> owner.offline(ch.first(), n, policy));
    Tally u = new Tally(ch.second());
    user.offline(u, n, policy);
    ob.get();
    long total = 0;
    System.out.printf("offline bytes per query, Network A, bundle of %d, %s%n", n, policy);
    for (Map.Entry<String, long[]> e : u.bytes.entrySet()) {
      total += e.getValue()[0];
      System.out.printf("%-8s %-48s %6d msgs %10.3f MB/query%n", e.getKey(),
          KINDS.getOrDefault(e.getKey(), "?"), e.getValue()[1], e.getValue()[0] / 1e6 / n);
    }
    System.out.printf("%-8s %-48s %6s      %10.3f MB/query%n", "total", "", "", total / 1e6 / n);
  }
}
