package dev.oml.service.modes;

import dev.oml.he.inference.HePacking;
import dev.oml.service.InvalidConfigException;
import java.util.List;
import java.util.Locale;

/**
 * Which packings the owner serves a network in ({@link HeServedModel#packing()}): the rows
 * packing alone (the default: low latency for a few images), the batch packing alone (two images
 * per slot, up to {@code N} images per query), or both ({@code AUTO}: two compiled plans, and
 * the licensee's client picks one per call by its number of images).
 */
public enum HePackingPolicy {
  ROWS(List.of(HePacking.ROWS)),
  BATCH(List.of(HePacking.BATCH)),
  AUTO(List.of(HePacking.ROWS, HePacking.BATCH));

  private final List<HePacking> packings;

  HePackingPolicy(List<HePacking> packings) {
    this.packings = packings;
  }

  /** The packings served, each compiled as its own plan. */
  public List<HePacking> packings() {
    return packings;
  }

  /** The lower-case name, as {@code serve --he-model FILE:packing=NAME} spells it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The policy named {@code rows}, {@code batch} or {@code auto}.
   *
   * @throws InvalidConfigException naming the accepted values otherwise
   */
  public static HePackingPolicy parse(String name) {
    for (HePackingPolicy p : values()) {
      if (p.label().equals(name)) {
        return p;
      }
    }
    throw new InvalidConfigException("the HE packing must be rows, batch or auto; got '" + name
        + "'");
  }
}
