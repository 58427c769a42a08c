package dev.oml.bench.cli;

import dev.oml.core.model.ModelFiles;
import dev.oml.service.InvalidConfigException;
import dev.oml.service.modes.HePackingPolicy;
import dev.oml.service.modes.HeServedModel;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;

/**
 * One {@code --he-model FILE[:kappa=K,precision=B,ring=N,packing=P,keys=K]} of {@code oml serve}:
 * a model file and
 * the plan the owner sets for it. The plan follows the last colon when what follows is a list of
 * {@code key=value} settings; each setting at most once; unknown keys and values out of range are
 * usage errors naming the option.
 */
record HeModelSpec(Path file, int kappa, int precisionBits, int ringDegree,
    HePackingPolicy packing, boolean hoistedRotations) {
  private static final Pattern SETTINGS = Pattern.compile("[a-z]+=[^,=]*(,[a-z]+=[^,=]*)*");

  static HeModelSpec parse(CommandSpec spec, String value) {
    int colon = value.lastIndexOf(':');
    String file = value;
    String settings = "";
    if (colon >= 0 && SETTINGS.matcher(value.substring(colon + 1)).matches()) {
      file = value.substring(0, colon);
      settings = value.substring(colon + 1);
    }
    if (file.isEmpty()) {
      throw Check.usage(spec, "--he-model '" + value + "': the model file is missing");
    }
    int kappa = dev.oml.service.modes.ModeServices.HE_KAPPA;
    int precision = dev.oml.service.modes.ModeServices.HE_PRECISION_BITS;
    int ring = HeServedModel.DEFAULT_RING_DEGREE;
    HePackingPolicy packing = HePackingPolicy.ROWS;
    boolean hoisted = false;
    Set<String> seen = new HashSet<>();
    for (String kv : settings.isEmpty() ? new String[0] : settings.split(",")) {
      String key = kv.substring(0, kv.indexOf('='));
      String v = kv.substring(kv.indexOf('=') + 1);
      if (!seen.add(key)) {
        throw Check.usage(spec, "--he-model '" + value + "': " + key + " is given twice");
      }
      if (key.equals("packing")) {
        try {
          packing = HePackingPolicy.parse(v.trim());
        } catch (InvalidConfigException e) {
          throw Check.usage(spec, "--he-model " + file + ": packing must be rows, batch or auto,"
              + " got '" + v + "'");
        }
        continue;
      }
      if (key.equals("keys")) {
        hoisted = switch (v.trim()) {
          case "chained" -> false;
          case "hoisted" -> true;
          default -> throw Check.usage(spec, "--he-model " + file
              + ": keys must be chained or hoisted, got '" + v + "'");
        };
        continue;
      }
      int n = number(spec, value, key, v);
      switch (key) {
        case "kappa" -> kappa = Check.range(spec, "--he-model " + file + ": kappa", n, 1, 128);
        case "precision" -> precision = Check.range(spec, "--he-model " + file + ": precision",
            n, 0, 30);
        case "ring" -> {
          if (n != 16384 && n != 32768) {
            throw Check.usage(spec, "--he-model " + file + ": ring must be 16384 or 32768, got "
                + n);
          }
          ring = n;
        }
        default -> throw Check.usage(spec, "--he-model '" + value + "': unknown setting '" + key
            + "' (known: kappa, precision, ring, packing, keys)");
      }
    }
    return new HeModelSpec(Path.of(file), kappa, precision, ring, packing, hoisted);
  }

  private static int number(CommandSpec spec, String value, String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw Check.usage(spec, "--he-model '" + value + "': " + key + " must be an integer, got '"
          + v + "'");
    }
  }

  /** Loads the file and sets the plan. */
  HeServedModel load() {
    HeServedModel m = HeServedModel.of(ModelFiles.load(file)).withKappa(kappa)
        .withPrecisionBits(precisionBits).withPacking(packing)
        .withHoistedRotations(hoistedRotations);
    return ringDegree == HeServedModel.DEFAULT_RING_DEGREE ? m : m.withRingDegree(ringDegree);
  }
}
