/**
 * The openpgp.js settings every operation uses. Bank tools are often old: write SEIPD v1 with MDC, AES-256,
 * no AEAD/OCB, no compression, v4 keys. `allowUnauthenticatedStream` lets a 1 GB file decrypt in constant
 * memory: plaintext leaves before the MDC at the end is checked, so the decrypt stream fails at its end on
 * tampering and callers must not act on the data before the stream finished (openFile/open do exactly that).
 */
import * as openpgp from 'openpgp';

export const OPENPGP_CONFIG: openpgp.PartialConfig = {
  aeadProtect: false,
  v6Keys: false,
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  preferredHashAlgorithm: openpgp.enums.hash.sha256,
  allowUnauthenticatedStream: true,
  minRSABits: 2047,
};
