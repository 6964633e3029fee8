/**
 * The openpgp.js settings every operation uses. Bank tools are often old: write SEIPD v1 with MDC, AES-256,
 * SHA-256, no AEAD/OCB, no compression, v4 keys (docs/pgp.md). Messages are read whole, so the MDC is checked
 * before any plaintext exists. The hash policy (SHA-1 refused as `pgp_weak_hash`) is ours, not openpgp.js's:
 * see policy.ts.
 */
import * as openpgp from 'openpgp';

export const OPENPGP_CONFIG: openpgp.PartialConfig = {
  aeadProtect: false,
  v6Keys: false,
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  preferredHashAlgorithm: openpgp.enums.hash.sha256,
  minRSABits: 2047,
};
