/**
 * Sealing for state at rest ("HMAC key material never leaves AWS KMS unencrypted", DG hmac.md; issue #9): every secret
 * in a snapshot or a journal record is encrypted with XChaCha20-Poly1305 (@noble/ciphers) under a key derived from the
 * caller's 32-byte wrapping key, and bound by its associated data to what it belongs to (a key's ARN, a journal
 * record's position). The 24-byte nonce is synthetic (SIV style): an HMAC, under a key of its own, of the associated
 * data and the plaintext, so sealing needs no randomness and a snapshot is a pure function of the world and the
 * wrapping key; the same plaintext for the same owner seals the same way, and nothing else repeats a nonce. The snapshot as a whole is authenticated with
 * HMAC-SHA-256 under another derived key, and a short check value tells a wrong wrapping key from a tampered file.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64, toBase64 } from './base64.js';
import { equalBytes } from './constant-time.js';

const utf8 = new TextEncoder();
const NONCE_BYTES = 24;
export const WRAPPING_KEY_BYTES = 32;

/** The keys derived from one wrapping key. Never serialised: every accessor redacts. */
export interface StateKeys {
  /** A short public fingerprint of the wrapping key (HMAC of a fixed label), stored in snapshots. */
  readonly check: string;
  seal(plaintext: Uint8Array, aad: string): string;
  /** The plaintext, or undefined when the tag does not verify (wrong key, altered bytes or associated data). */
  open(sealed: string, aad: string): Uint8Array | undefined;
  /** HMAC-SHA-256 of a text under the snapshot key, base64. */
  mac(text: string): string;
  macEquals(text: string, expected: string): boolean;
}

const derived = new WeakMap<Uint8Array, { bytes: Uint8Array; keys: StateKeys }>();

/** The state keys of a 32-byte wrapping key (derived once per key object). */
export function stateKeys(wrappingKey: Uint8Array): StateKeys {
  if (!(wrappingKey instanceof Uint8Array) || wrappingKey.length !== WRAPPING_KEY_BYTES) {
    throw new TypeError(`wrappingKey must be a Uint8Array of ${WRAPPING_KEY_BYTES} bytes`);
  }
  const cached = derived.get(wrappingKey);
  if (cached && equalBytes(cached.bytes, wrappingKey)) return cached.keys;
  // the wrapping key is already a uniform 32-byte key: HKDF's extract step adds nothing (RFC 5869 §3.3), and its
  // expand step for one block is this HMAC of the label
  const derive = (label: string) => hmac(sha256, wrappingKey, utf8.encode(`hmac-kms state v1 ${label}\u0001`));
  const sealKey = derive('seal');
  const nonceKey = derive('nonce');
  const macKey = derive('mac');
  const macOf = (text: string) => hmac(sha256, macKey, utf8.encode(text));
  const keys: StateKeys = {
    check: toBase64(hmac(sha256, derive('check'), utf8.encode('wrapping key check')).subarray(0, 12)),
    seal(plaintext, aad) {
      const ad = utf8.encode(aad);
      const input = new Uint8Array(4 + ad.length + plaintext.length);
      new DataView(input.buffer).setUint32(0, ad.length);
      input.set(ad, 4);
      input.set(plaintext, 4 + ad.length);
      const nonce = hmac(sha256, nonceKey, input).subarray(0, NONCE_BYTES);
      input.fill(0);
      const box = xchacha20poly1305(sealKey, nonce, ad).encrypt(plaintext);
      const out = new Uint8Array(NONCE_BYTES + box.length);
      out.set(nonce, 0);
      out.set(box, NONCE_BYTES);
      return toBase64(out);
    },
    open(sealed, aad) {
      let bytes: Uint8Array;
      try {
        bytes = fromBase64(sealed);
      } catch {
        return undefined;
      }
      if (bytes.length < NONCE_BYTES + 16) return undefined;
      try {
        return xchacha20poly1305(sealKey, bytes.subarray(0, NONCE_BYTES), utf8.encode(aad)).decrypt(bytes.subarray(NONCE_BYTES));
      } catch {
        return undefined;
      }
    },
    mac: (text) => toBase64(macOf(text)),
    macEquals(text, expected) {
      let want: Uint8Array;
      try {
        want = fromBase64(expected);
      } catch {
        return false;
      }
      return equalBytes(macOf(text), want);
    },
  };
  const redact = () => '[hmac-kms state keys redacted]';
  for (const name of ['toJSON', 'toString']) Object.defineProperty(keys, name, { value: redact, enumerable: false });
  Object.defineProperty(keys, Symbol.for('nodejs.util.inspect.custom'), { value: redact, enumerable: false });
  derived.set(wrappingKey, { bytes: wrappingKey.slice(), keys });
  return keys;
}
