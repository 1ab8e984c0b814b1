/**
 * Grant tokens (API CreateGrant GrantToken, DG grant-tokens): "the returned grant token is unique with every
 * CreateGrant request, even when a duplicate GrantId is returned. All grant tokens for the same grant ID can be used
 * interchangeably." hmac-kms keeps no list of the tokens it issued (issue #10.6: memory would grow with every retry
 * and outlive the grants): a token carries its grant id and a random nonce, authenticated by a MAC under a key of the
 * world, so any token of a grant that exists is recognised and nothing else is — a forged, altered or foreign token,
 * or the token of a grant that was retired, revoked or deleted with its key.
 *
 * Form: `AQpA` (the prefix of the tokens in the API examples) + base64url(grant id (32 bytes) || nonce (16) || tag
 * (16)), 90 characters.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../crypto/constant-time.js';
import { MacKey } from '../crypto/mac-key.js';
import { toHex } from '../crypto/random.js';
import { InvalidGrantTokenException } from '../errors.js';
import type { GrantRecord } from '../model/grant.js';
import type { World } from '../model/world.js';

const PREFIX = 'AQpA';
const TOKEN = /^AQpA[A-Za-z0-9_-]{86}$/;
export const TOKEN_NONCE_BYTES = 16;
export const TOKEN_KEY_BYTES = 32;

/** The model's text for a grant token hmac-kms never issued (API InvalidGrantTokenException). */
export const INVALID_GRANT_TOKEN = 'The request was rejected because the specified grant token is not valid.';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += B64URL[(n >> 6) & 63]!;
    if (i + 2 < bytes.length) out += B64URL[n & 63]!;
  }
  return out;
}

function fromBase64url(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let n = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    n = (n << 6) | B64URL.indexOf(text[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (n >> bits) & 0xff;
    }
  }
  return out;
}

const hexToBytes = (hex: string): Uint8Array => Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));

/** The world's token key from 32 drawn bytes (drawn with the first grant, never at construction). */
export const tokenKeyFrom = (bytes: Uint8Array): MacKey => new MacKey(sha256, bytes);

function tag(key: MacKey, body: Uint8Array): Uint8Array {
  return key.mac(body).subarray(0, 16);
}

/** A new token for `grantId`, from a nonce the caller drew. */
export function issueGrantToken(key: MacKey, grantId: string, nonce: Uint8Array): string {
  const body = new Uint8Array(48);
  body.set(hexToBytes(grantId), 0);
  body.set(nonce, 32);
  const token = new Uint8Array(64);
  token.set(body, 0);
  token.set(tag(key, body), 48);
  return PREFIX + base64url(token);
}

/** The grant a token names, or undefined when it is no token of a grant that exists now. */
export function grantOfToken(world: World, token: string): GrantRecord | undefined {
  const key = world.tokenKey;
  if (!key || !TOKEN.test(token)) return undefined;
  const bytes = fromBase64url(token.slice(PREFIX.length));
  if (bytes.length !== 64 || base64url(bytes) !== token.slice(PREFIX.length)) return undefined; // one encoding per token
  if (!equalBytes(tag(key, bytes.subarray(0, 48)), bytes.subarray(48))) return undefined;
  return world.grants.get(toHex(bytes.subarray(0, 32)));
}

/** Grant tokens in a request must be tokens of grants that exist (API GrantTokens, InvalidGrantTokenException). */
export function checkGrantTokens(world: World, tokens: readonly string[] | undefined): void {
  if (!tokens) return;
  for (const t of tokens) if (!grantOfToken(world, t)) throw new InvalidGrantTokenException(INVALID_GRANT_TOKEN);
}
