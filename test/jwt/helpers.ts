// Helpers of the hmac-kms/jwt tests: tokens built with node:crypto (independently of src/jwt), and error capture.
import { createHmac } from 'node:crypto';

export const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

const HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** A compact JWS whose parts are given as objects (JSON-encoded) or as raw part strings, MACed with `key` by OpenSSL. */
export function craft(opts: { header: unknown; payload: unknown; key: Uint8Array; hash?: keyof typeof HASH; rawHeader?: boolean; rawPayload?: boolean }): string {
  const h = opts.rawHeader ? (opts.header as string) : b64url(opts.header);
  const p = opts.rawPayload ? (opts.payload as string) : b64url(opts.payload);
  const alg = (opts.header as { alg?: unknown } | undefined)?.alg;
  const hash = HASH[opts.hash ?? (typeof alg === 'string' && alg in HASH ? (alg as keyof typeof HASH) : 'HS256')];
  const mac = createHmac(hash, opts.key).update(`${h}.${p}`).digest('base64url');
  return `${h}.${p}.${mac}`;
}

/** The MAC OpenSSL computes over a token's signing input. */
export function opensslMac(token: string, key: Uint8Array, alg: keyof typeof HASH): string {
  const dot = token.lastIndexOf('.');
  return createHmac(HASH[alg], key).update(token.slice(0, dot)).digest('base64url');
}

export async function caught(promise: Promise<unknown>): Promise<Error & { code?: string; claim?: string; reason?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

export const decodePart = (token: string, index: 0 | 1): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
