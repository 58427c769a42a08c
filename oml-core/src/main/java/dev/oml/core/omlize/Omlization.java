package dev.oml.core.omlize;

/**
 * The two outputs of OMLizing a model for one licensee: the artifact that is handed to the
 * licensee and the key share that the owner keeps. They share one {@link ModelId}.
 *
 * @param artifact the licensee's artifact ({@code W_U} and the manifest)
 * @param keyShare the owner's key share ({@code k_O}); secret
 */
public record Omlization(LicenseeArtifact artifact, OwnerKeyShare keyShare) {
  @Override
  public String toString() {
    return "Omlization(" + artifact.modelId() + ")";
  }
}
