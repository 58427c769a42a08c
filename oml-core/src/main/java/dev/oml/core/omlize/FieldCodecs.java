package dev.oml.core.omlize;

import dev.oml.core.field.FieldPrg;
import dev.oml.core.field.PrimeField;
import dev.oml.core.io.Envelope;
import dev.oml.core.io.FileFormatException.Reason;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Shared pieces of the version-2 files: field elements in 6 little-endian bytes, the owner's
 * share stream {@code W_O}, and the version check that tells a version-1 file from a version-2
 * one before the envelope refuses it with a generic message.
 */
final class FieldCodecs {
  private static final String INFO = "oml/owner-share-prg/v2/field/";

  private FieldCodecs() {}

  static void put(ByteBuffer out, long[] values) {
    for (long v : values) {
      for (int b = 0; b < FieldManifest.ELEMENT_BYTES; b++) {
        out.put((byte) (v >>> (8 * b)));
      }
    }
  }

  static long[] get(ByteBuffer in, int n, String what) {
    if ((long) n * FieldManifest.ELEMENT_BYTES > in.remaining()) {
      // checked before allocating, so a lying manifest cannot make us allocate its claim
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": the shares end early");
    }
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      long v = 0;
      for (int b = 0; b < FieldManifest.ELEMENT_BYTES; b++) {
        v |= (in.get() & 0xFFL) << (8 * b);
      }
      if (v >= PrimeField.P) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": an element is not in [0, p)");
      }
      out[i] = v;
    }
    return out;
  }

  /**
   * The owner's share of one tensor: HKDF-SHA-256 (key {@code k_O}, salt the artifact salt, info
   * a version tag and the tensor name) keys an AES-128-CTR stream of exactly uniform field
   * elements ({@link FieldPrg}, rejection sampling). The labels differ from version 1's and from
   * the MAC derivation's, so no stream is shared.
   */
  static long[] ownerShare(byte[] seed, byte[] salt, String tensor, int n) {
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(seed, salt, (INFO + tensor).getBytes(StandardCharsets.UTF_8)));
    byte[] key = new byte[16];
    hkdf.generateBytes(key, 0, key.length);
    FieldPrg prg = new FieldPrg(key);
    Arrays.fill(key, (byte) 0);
    return prg.next(n);
  }

  /**
   * Refuses, with a message saying what to do, a file of the right type but the other tier's
   * version; other cases are left to {@link Envelope#open}.
   */
  static void checkTier(byte[] file, byte[] magic, int wanted, String what) {
    if (file.length < Envelope.HEADER_BYTES
        || !Arrays.equals(file, 0, magic.length, magic, 0, magic.length)) {
      return;
    }
    int version = ((file[8] & 0xFF) << 8) | (file[9] & 0xFF);
    if (version == OwnerKeyShare.HASHED_VERSION || version == FieldKeyShare.HASHED_VERSION) {
      // a key share with a model content hash: its tier is its version less the offset
      version -= OmlKeyShare.HASHED_VERSION_OFFSET;
    }
    if (version == ArtifactManifest.FORMAT_VERSION && wanted == FieldManifest.FORMAT_VERSION) {
      throw new ArtifactFormatException(Reason.UNSUPPORTED_VERSION, what + " is a version-1"
          + " (tier-1, Z_2^l) file; the tier-2 2PC mode needs version 2 over F_p: re-OMLize the"
          + " model with FieldOmlizer");
    }
    if (version == FieldManifest.FORMAT_VERSION && wanted == ArtifactManifest.FORMAT_VERSION) {
      throw new ArtifactFormatException(Reason.UNSUPPORTED_VERSION, what + " is a version-2"
          + " (tier-2, F_p) file; this reader takes version 1: load it with the tier-2 reader or"
          + " re-OMLize the model with Omlizer for tier 1");
    }
  }

  /**
   * The format version in the header of a file that starts with {@code magic}, or -1 if it does
   * not (the reader then reports what is wrong).
   */
  static int version(byte[] file, byte[] magic) {
    if (file == null || file.length < Envelope.HEADER_BYTES
        || !Arrays.equals(file, 0, magic.length, magic, 0, magic.length)) {
      return -1;
    }
    return ((file[8] & 0xFF) << 8) | (file[9] & 0xFF);
  }

  /** A version-2 file opened up to the end of its manifest and model id. */
  record Opened(byte[] body, ByteBuffer in, FieldManifest manifest, byte[] id) {}

  /**
   * Checks the tier, opens the envelope and reads the manifest and the stored model id, which
   * both version-2 files start with; {@code in} is left at what follows. On failure the body is
   * erased (a key share's body holds its seed) and a typed error names {@code what}.
   */
  static Opened open(byte[] bytes, byte[] magic, String what) {
    return open(bytes, magic, FieldManifest.FORMAT_VERSION, what);
  }

  /** As {@link #open(byte[], byte[], String)} for a file of envelope version {@code version}. */
  static Opened open(byte[] bytes, byte[] magic, int version, String what) {
    if (version == FieldManifest.FORMAT_VERSION) {
      checkTier(bytes, magic, FieldManifest.FORMAT_VERSION, what);
    }
    byte[] body = Envelope.open(bytes, magic, version, what, ArtifactFormatException::new);
    try {
      ByteBuffer in = ByteBuffer.wrap(body);
      int mlen = in.getInt();
      if (mlen < 0 || mlen > in.remaining()) {
        throw new ArtifactFormatException(Reason.MALFORMED, what + ": bad manifest length");
      }
      byte[] m = new byte[mlen];
      in.get(m);
      FieldManifest manifest = FieldManifest.decode(m, what);
      byte[] id = new byte[ModelId.BYTES];
      in.get(id);
      return new Opened(body, in, manifest, id);
    } catch (BufferUnderflowException e) {
      Arrays.fill(body, (byte) 0);
      throw new ArtifactFormatException(Reason.MALFORMED, what + ": body ends early");
    } catch (RuntimeException e) {
      Arrays.fill(body, (byte) 0);
      throw e;
    }
  }
}
