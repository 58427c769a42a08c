package dev.oml.bench.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable output of the CLI: one JSON object on one line, written by Jackson so
 * numbers and strings are exact (a double prints as the shortest decimal that reads back to the
 * same value). Keys keep their insertion order; a non-finite double, which JSON cannot express,
 * is written as {@code null}; the layout ({@code {"a": 1, "b": [2, 3]}}) stays the one the
 * commands have always printed, so scripts that read it need no change.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final ObjectWriter WRITER = MAPPER.writer(new OneLine());

  private Json() {}

  /** One JSON object on one line. */
  static String object(Map<String, ?> fields) {
    try {
      return WRITER.writeValueAsString(finite(fields));
    } catch (JsonProcessingException e) {
      // Only maps, lists, strings, numbers and booleans reach here: a failure is our bug.
      throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** The values as written: non-finite doubles become null, which JSON has and NaN is not. */
  private static Object finite(Object v) {
    if (v instanceof Double d && !Double.isFinite(d)) {
      return null;
    } else if (v instanceof Float f && !Float.isFinite(f)) {
      return null;
    } else if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(k, finite(x)));
      return out;
    } else if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(finite(x)));
      return out;
    }
    return v;
  }

  /** Compact, on one line, with a space after each colon and comma. */
  private static final class OneLine extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }
  }
}
