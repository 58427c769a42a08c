package dev.oml.bench.cli;

import dev.oml.core.calibration.Calibration;
import dev.oml.core.model.Model;
import dev.oml.core.model.ModelFiles;
import dev.oml.core.model.NpzImporter;
import dev.oml.core.model.InputTransform;
import dev.oml.core.onnx.OnnxImporter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code oml import}: converts an ONNX file (docs/onnx.md) or a NumPy {@code .npz} export
 * (docs/model-format.md) into a model file. The format is told by the file name's extension.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Convert an ONNX file (see docs/onnx.md) or a NumPy .npz export (see"
        + " docs/model-format.md) into an .omlm model file.")
final class ImportCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "FILE", description = "the model to import: .onnx or .npz")
  Path file;

  @Option(names = "--npz", description = "the .npz archive (same as giving it as FILE)")
  Path npz;

  @Option(names = "--name", description = "model name (default: the file name without extension)")
  String name;

  @Option(names = "--out", description = "output model file (default: FILE with extension .omlm)")
  Path out;

  @Option(names = "--argmax", description = "ONNX only: append Argmax, so the model answers with a"
      + " label instead of logits")
  boolean argmax;

  @Option(names = "--calibration", paramLabel = "DIR", description = "IDX images and labels in"
      + " the Fashion-MNIST layout: run the float model on them, choose the fixed-point format"
      + " from the activations seen and report fixed-vs-float agreement (docs/calibration.md)")
  Path calibration;

  @Option(names = "--calibration-limit", paramLabel = "N", description = "calibrate on the first"
      + " N examples (default: " + Calibration.DEFAULT_LIMIT + ")")
  Integer calibrationLimit;

  @Option(names = "--calibration-pixels", paramLabel = "RANGE", description = "unit: feed pixels"
      + " in [0, 1] (default, as the bundled models take them); bytes: in [0, 255], for a graph"
      + " that divides by 255 itself")
  String calibrationPixels;

  @Override
  public Integer call() {
    if ((file == null) == (npz == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "give the model to import once: as FILE or with --npz");
    }
    Path in = file != null ? file : npz;
    String fileName = in.getFileName().toString();
    int dot = fileName.lastIndexOf('.');
    String ext = dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
    boolean onnx = npz == null && ext.equals("onnx");
    if (npz == null && !onnx && !ext.equals("npz")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "cannot tell the format of " + in + ": name it .onnx or .npz");
    }
    if (argmax && !onnx) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--argmax is for ONNX files; an .npz archive marks it as layer<i>.argmax");
    }
    if ((calibrationLimit != null || calibrationPixels != null) && calibration == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--calibration-limit and --calibration-pixels need --calibration DIR");
    }
    if (calibrationLimit != null && calibrationLimit < 1
        || calibrationPixels != null && !List.of("unit", "bytes").contains(calibrationPixels)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--calibration-limit must be"
          + " positive and --calibration-pixels unit or bytes");
    }
    String stem = dot < 0 ? fileName : fileName.substring(0, dot);
    String modelName = name != null ? name : stem;
    Path target = out != null ? out : in.resolveSibling(stem + ".omlm");
    Model m;
    InputTransform pre = null;
    if (onnx) {
      OnnxImporter.Imported imp = OnnxImporter.load(in, modelName, argmax);
      pre = imp.preprocessing();
      m = imp.model().withPreprocessing(pre);
    } else {
      m = NpzImporter.load(in, modelName);
    }
    if (calibration != null) {
      m = CalibrationTable.calibrate(m, pre, calibration,
          calibrationLimit == null ? Calibration.DEFAULT_LIMIT : calibrationLimit,
          "bytes".equals(calibrationPixels), System.out);
    }
    ModelFiles.save(m, target);
    System.out.println("wrote " + target + ": " + m);
    if (pre != null && !pre.isIdentity()) {
      System.out.println("input preprocessing stored with the model: " + pre + " (raw input to"
          + " model input; applied by evaluate and the licensee client)");
    }
    return 0;
  }
}
