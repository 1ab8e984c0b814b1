import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import type { HmacKeySpec, MacAlgorithmSpec } from '../enums.js';

/**
 * What each HMAC key spec means. Source: KMS Developer Guide, "Key specs for HMAC KMS keys" (hmac.md): the key
 * length is the number in the spec name, the only MacAlgorithm is HMAC with the SHA-2 hash of the same size, and the
 * tag is that hash's full digest (RFC 2104, never truncated).
 */
export interface HmacKeySpecInfo {
  readonly KeySpec: HmacKeySpec;
  readonly MacAlgorithm: MacAlgorithmSpec;
  /** Key material length in bytes: 28/32/48/64. */
  readonly keyLength: number;
  /** Tag (MAC) length in bytes: 28/32/48/64. */
  readonly macLength: number;
  readonly hash: CHash;
}

const spec = (KeySpec: HmacKeySpec, MacAlgorithm: MacAlgorithmSpec, bytes: number, hash: CHash): HmacKeySpecInfo =>
  Object.freeze({ KeySpec, MacAlgorithm, keyLength: bytes, macLength: bytes, hash });

export const HMAC_KEY_SPECS: Readonly<Record<HmacKeySpec, HmacKeySpecInfo>> = Object.freeze({
  HMAC_224: spec('HMAC_224', 'HMAC_SHA_224', 28, sha224),
  HMAC_256: spec('HMAC_256', 'HMAC_SHA_256', 32, sha256),
  HMAC_384: spec('HMAC_384', 'HMAC_SHA_384', 48, sha384),
  HMAC_512: spec('HMAC_512', 'HMAC_SHA_512', 64, sha512),
});

export function isHmacKeySpec(value: unknown): value is HmacKeySpec {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(HMAC_KEY_SPECS, value);
}
