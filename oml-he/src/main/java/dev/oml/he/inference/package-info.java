/**
 * The HE inference mode: the owner compiles a model into a plan ({@link
 * dev.oml.he.inference.HeCompiledModel}), the user opens a session from the plan and sends its
 * keys, each permitted query is one round ({@link dev.oml.he.inference.HeInferenceClient}, {@link
 * dev.oml.he.inference.HeOwnerSession}); answers are masked, re-randomized and flooded before
 * they leave the owner.
 */
package dev.oml.he.inference;
