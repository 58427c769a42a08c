/**
 * Implementation of two-party inference: the stage plan of a model, each party's share by stage,
 * the HE cross products, the garbled stage circuits, the message codec, and the user's and
 * owner's protocol engines as local steps over messages. Not exported.
 */
package dev.oml.mpc.inference.internal;
