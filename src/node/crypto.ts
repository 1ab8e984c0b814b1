/**
 * OpenSSL for the hot paths on Node (issue #13), without touching the isomorphic core: the core computes MACs with
 * @noble/hashes unless given an engine, and verifies SigV4 with noble unless given its hashing.
 *
 * - `nodeMacEngine`: each key becomes a node:crypto secret KeyObject once (the material is copied into it and never
 *   read back out); a MAC is `createHmac(<hash>, keyObject)` over the message. The tags are those of the noble
 *   engine (a differential test runs both over every spec, size and the Wycheproof vectors); verification stays the
 *   core's constant-time comparison of the whole tag.
 * - `nodeSigV4Crypto`: SHA-256 and the prepared signing HMAC of SigV4 verification.
 */
import { createHash, createHmac, createSecretKey } from 'node:crypto';
import type { MacEngine, MacHash, SigV4Crypto } from 'hmac-kms';

const OPENSSL: Readonly<Record<MacHash, string>> = { 'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** A copy, as a plain Uint8Array (never a view of Node's shared Buffer pool). */
const plain = (b: Buffer): Uint8Array => {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
};

export const nodeMacEngine: MacEngine = Object.freeze({
  name: 'node:crypto',
  prepare(hash: MacHash, material: Uint8Array): (message: Uint8Array) => Uint8Array {
    const algorithm = OPENSSL[hash];
    if (!algorithm) throw new TypeError(`nodeMacEngine: unknown hash ${String(hash)}`);
    const key = createSecretKey(material);
    return (message) => plain(createHmac(algorithm, key).update(message).digest());
  },
});

export const nodeSigV4Crypto: SigV4Crypto = Object.freeze({
  sha256Hex: (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex'),
  hmacSha256Hex(key: Uint8Array): (data: string) => string {
    const k = createSecretKey(key);
    return (data) => createHmac('sha256', k).update(data).digest('hex');
  },
});
