package dev.oml.bench.cli;

import dev.oml.core.data.Dataset;
import dev.oml.core.data.FashionMnist;
import dev.oml.core.ledger.PermissionLedger;
import dev.oml.core.model.Model;
import dev.oml.core.permission.PermissionPolicy;
import dev.oml.he.HeBackend;
import dev.oml.he.HeBackends;
import dev.oml.service.modes.HeServedModel;
import dev.oml.service.modes.ModeServices;
import dev.oml.service.server.OwnerHome;
import dev.oml.service.server.OwnerService;
import java.util.List;

/**
 * How the command line serves and runs the HE mode: SEAL where its native library loads, else
 * pure Java (see HeBackends.preferred), calibrated on the shipped subset.
 */
final class HeModes {
  private HeModes() {}

  static HeBackend backend() {
    return HeBackends.preferred();
  }

  /** The inference services of both modes for an owner directory (see {@link ModeServices}). */
  static List<OwnerService> services(OwnerHome home, PermissionPolicy policy, PermissionLedger ledger,
      List<Model> heModels) {
    return ModeServices.forOwner(home, policy, ledger,
        heModels.stream().map(HeServedModel::of).toList(), backend(), calibration());
  }

  /** Inputs that bound the HE noise estimate: the first 200 images of the shipped subset. */
  static double[][] calibration() {
    Dataset cal = FashionMnist.test(Console.subsetDir()).limit(200);
    double[][] c = new double[cal.size()][];
    for (int i = 0; i < c.length; i++) {
      c[i] = cal.image(i);
    }
    return c;
  }
}
