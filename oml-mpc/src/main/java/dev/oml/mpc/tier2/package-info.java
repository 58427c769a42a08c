/**
 * The tier-2 2PC query (issue #14) assembled from the authenticated blocks of
 * {@link dev.oml.mpc.auth} and the garbled {@code F_p} layers of {@link dev.oml.mpc.gc}:
 * {@link dev.oml.mpc.tier2.Tier2Owner} from a version-2 key share and
 * {@link dev.oml.mpc.tier2.Tier2User} from a version-2 artifact run a bundle of queries of a
 * model of Dense, Conv2D, AvgPool2D, Flatten, ReLU and Argmax layers (every linear layer over its
 * shared {@code LinearForm} matrix, with its own circuit; docs/2pc-tier2.md section 3.1), offline (VOLE, Freivalds, the offline HE step in both directions, garbling)
 * and online (authenticated openings, the layer circuits with their label tables, one batched
 * MAC check per query before the owner releases the last layer's output). Not yet wired into
 * the served protocol; see docs/2pc-tier2.md section 4 item 5.
 */
package dev.oml.mpc.tier2;
