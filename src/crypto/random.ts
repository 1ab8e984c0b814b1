/** A source of random bytes: `random(n)` returns `n` fresh bytes. Injected for deterministic tests. */
export type RandomSource = (byteLength: number) => Uint8Array;

const GET_RANDOM_VALUES_MAX = 65536; // Web Crypto's per-call quota

/** `crypto.getRandomValues`, available in every supported runtime (Node 20, browsers, Bun, Deno, workerd). */
export const defaultRandom: RandomSource = (byteLength) => {
  const out = new Uint8Array(byteLength);
  for (let offset = 0; offset < byteLength; offset += GET_RANDOM_VALUES_MAX) {
    crypto.getRandomValues(out.subarray(offset, Math.min(byteLength, offset + GET_RANDOM_VALUES_MAX)));
  }
  return out;
};

/** Calls `random(n)` and checks it kept its contract; an injected source that breaks it is a programming error. */
export function randomBytes(random: RandomSource, byteLength: number): Uint8Array {
  const bytes = random(byteLength);
  if (!(bytes instanceof Uint8Array) || bytes.length !== byteLength) {
    throw new TypeError(`random(${byteLength}) must return a Uint8Array of length ${byteLength}`);
  }
  return bytes;
}

const HEX_DIGITS = '0123456789abcdef';

/**
 * Lower-case hex of `bytes`, with `-` after the byte indexes in `dashesAfter`. Built from char codes in one go, so the
 * result is one flat string (concatenating slices leaves a tree of string pieces that costs several times the
 * memory, which adds up over 100,000 key ids).
 */
export function toHex(bytes: Uint8Array, dashesAfter: readonly number[] = []): string {
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    codes.push(HEX_DIGITS.charCodeAt(bytes[i]! >> 4), HEX_DIGITS.charCodeAt(bytes[i]! & 15));
    if (dashesAfter.includes(i)) codes.push(0x2d);
  }
  return String.fromCharCode(...codes);
}

/** A version-4 UUID (RFC 9562 §5.4) in lower-case `8-4-4-4-12` form, the shape of a KMS key id. */
export function randomUuid(random: RandomSource): string {
  const b = randomBytes(random, 16).slice();
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return toHex(b, [3, 5, 7, 9]);
}
