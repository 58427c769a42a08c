package dev.oml.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CLI's JSON: every number it can print reads back to the same value (the oracle is the
 * value put in, compared bit for bit), including those the hand-written writer corrupted, and
 * strings keep every character.
 */
class JsonTest {
  private static final double[] KNOWN = {100000.0, 106060.0, 1.0E10, 0.0, -0.0, 1.0, 0.1, 1e-7, 123.456,
      0.9876543210123, Double.MIN_VALUE, Double.MAX_VALUE, -2.5e-300, 4.9e15, 1e16, 1e21, 1e22};

  @Test
  void everyDoubleReadsBackExactly() throws Exception {
    List<Double> values = new ArrayList<>();
    for (double d : KNOWN) {
      values.add(d);
    }
    SplittableRandom r = new SplittableRandom(16);
    for (int i = 0; i < 5_000; i++) {
      double d = Double.longBitsToDouble(r.nextLong());
      if (Double.isFinite(d)) {
        values.add(d);
      }
      values.add(r.nextDouble() * Math.pow(10, r.nextInt(-12, 13)));
      values.add((double) r.nextInt(0, 10_000_000)); // counts and byte totals held as doubles
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("values", values);
    String text = Json.object(m);
    assertEquals(1, text.lines().count());
    JsonNode back = Json.MAPPER.readTree(text).get("values");
    assertEquals(values.size(), back.size());
    for (int i = 0; i < values.size(); i++) {
      double want = values.get(i);
      double got = back.get(i).asDouble();
      assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got),
          "value " + want + " printed as " + back.get(i));
    }
  }

  @Test
  void theIssuesExamplesPrintAsTheirValues() throws Exception {
    String text = Json.object(Map.of("a", 100000.0));
    assertEquals(100000.0, Json.MAPPER.readTree(text).get("a").asDouble(), text);
    text = Json.object(Map.of("a", 106060.0));
    assertEquals(106060.0, Json.MAPPER.readTree(text).get("a").asDouble(), text);
    text = Json.object(Map.of("a", 1.0E10));
    assertEquals(1.0E10, Json.MAPPER.readTree(text).get("a").asDouble(), text);
  }

  @Test
  void integersStringsAndNonFiniteValues() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("long", Long.MAX_VALUE);
    m.put("int", Integer.MIN_VALUE);
    m.put("text", "quote \" backslash \\ newline \n tab \t nul \u0000 é ✓");
    m.put("nan", Double.NaN);
    m.put("inf", List.of(Double.POSITIVE_INFINITY, 1.5));
    m.put("flag", true);
    m.put("nested", Map.of("x", 2));
    String text = Json.object(m);
    assertEquals(1, text.lines().count(), text);
    JsonNode n = Json.MAPPER.readTree(text);
    assertEquals(Long.MAX_VALUE, n.get("long").longValue());
    assertEquals(Integer.MIN_VALUE, n.get("int").intValue());
    assertEquals(m.get("text"), n.get("text").textValue());
    assertTrue(n.get("nan").isNull(), text);
    assertTrue(n.get("inf").get(0).isNull(), text);
    assertEquals(1.5, n.get("inf").get(1).doubleValue());
    assertTrue(n.get("flag").booleanValue());
    assertEquals(2, n.get("nested").get("x").intValue());
    // The layout the commands have always printed: keys in order, a space after ':' and ','.
    assertTrue(text.startsWith("{\"long\": 9223372036854775807, \"int\": -2147483648, "), text);
  }
}
