/**
 * The root of OML core: {@link dev.oml.core.OmlException}, the one unchecked exception root every
 * deliberate failure of the library extends (refused permissions, malformed files, protocol
 * aborts, numeric overflow). The subpackages hold fixed point, the model IR, the plaintext
 * reference, OMLize, keys, permissions, the ledger and the channel abstraction.
 */
package dev.oml.core;
