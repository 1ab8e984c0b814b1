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

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/** A version-4 UUID (RFC 9562 §5.4) in lower-case `8-4-4-4-12` form, the shape of a KMS key id. */
export function randomUuid(random: RandomSource): string {
  const b = randomBytes(random, 16).slice();
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = toHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
