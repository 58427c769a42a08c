package dev.oml.bench.cli;

/** Minimal JSON string escaping for the few machine-readable outputs of the CLI. */
final class Json {
  private Json() {}

  /** One JSON object on one line: strings quoted, numbers as given, nested maps and lists. */
  static String object(java.util.Map<String, ?> fields) {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (var e : fields.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append('"').append(escape(e.getKey())).append("\": ").append(value(e.getValue()));
    }
    return sb.append('}').toString();
  }

  @SuppressWarnings("unchecked")
  static String value(Object v) {
    if (v == null) {
      return "null";
    } else if (v instanceof String s) {
      return "\"" + escape(s) + "\"";
    } else if (v instanceof Double d) {
      return Double.isFinite(d) ? String.format(java.util.Locale.ROOT, "%.6g", d).replaceAll("0+$", "")
          .replaceAll("\\.$", ".0").replace("e+", "e") : "null";
    } else if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    } else if (v instanceof java.util.Map<?, ?> m) {
      return object((java.util.Map<String, ?>) m);
    } else if (v instanceof java.util.List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        sb.append(i == 0 ? "" : ", ").append(value(l.get(i)));
      }
      return sb.append(']').toString();
    }
    return "\"" + escape(v.toString()) + "\"";
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }
}
