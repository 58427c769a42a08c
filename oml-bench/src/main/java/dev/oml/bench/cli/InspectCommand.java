package dev.oml.bench.cli;

import dev.oml.core.model.InputBox;
import dev.oml.core.model.Layer;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.omlize.OmlArtifact;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code oml inspect}: what a model file ({@code .omlm}) or a licensee artifact declares: its
 * architecture, fixed-point format, input box and input preprocessing (what turns a raw input
 * into the model input), so a caller can see which raw inputs the model expects.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Show what a model file (.omlm) or an artifact (.omla) declares: layers, format,"
        + " input box and input preprocessing.")
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "a model file (.omlm) or a licensee artifact")
  Path file;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    Map<String, Object> out = new LinkedHashMap<>();
    Model m;
    if (file.getFileName().toString().endsWith(ModelFiles.EXTENSION)) {
      m = ModelFiles.load(file);
      out.put("file", "model");
    } else {
      OmlArtifact a = OmlArtifact.read(file);
      m = a.description().architecture();
      out.put("file", "artifact (format version " + a.formatVersion() + ")");
      out.put("model_id", a.modelId().hex());
    }
    out.put("model", m.name());
    out.put("input_shape", m.inputShape().toString());
    out.put("format", m.format().toString());
    out.put("activation_bits", m.activationBits());
    List<String> layers = new ArrayList<>();
    for (Layer l : m.layers()) {
      layers.add(l.kind());
    }
    out.put("layers", String.join(" -> ", layers));
    out.put("parameters", m.parameterCount());
    out.put("preprocessing", m.preprocessing().map(t -> t.toString()).orElse("identity"));
    out.put("input_box", m.inputBox().map(InspectCommand::box).orElse("none declared"));
    if (m.preprocessing().isPresent() && m.rawInputBox().isPresent()) {
      out.put("raw_input_box", box(m.rawInputBox().get()));
    }
    if (json) {
      System.out.println(Json.object(out));
    } else {
      for (var e : out.entrySet()) {
        System.out.printf(Locale.ROOT, "%-18s %s%n", e.getKey().replace('_', ' '), e.getValue());
      }
    }
    return 0;
  }

  private static String box(InputBox b) {
    if (b.isUniform()) {
      return String.format(Locale.ROOT, "[%s, %s] for every input", num(b.lower(0)),
          num(b.upper(0)));
    }
    return b.toString();
  }

  /** Nine significant digits, without trailing zeros: 255 rather than 254.99999999999997. */
  private static String num(double v) {
    return new java.math.BigDecimal(String.format(Locale.ROOT, "%.9g", v)).stripTrailingZeros()
        .toPlainString();
  }
}
