/**
 * Standard base64 (RFC 4648 §4, padded), as AWS JSON 1.1 carries blobs. Uses `Uint8Array.prototype.toBase64` /
 * `Uint8Array.fromBase64` where the runtime has them, `btoa`/`atob` otherwise. Decoding is strict: only the
 * alphabet, padding only at the end and only to a multiple of 4, no whitespace, and zero unused trailing bits, so
 * every byte string has exactly one accepted encoding.
 */

interface NativeBase64 {
  fromBase64?: (s: string, options: { lastChunkHandling: 'strict' }) => Uint8Array;
}
interface NativeBase64Bytes {
  toBase64?: () => string;
}
const native = Uint8Array as unknown as NativeBase64;
const nativeEncode = typeof (Uint8Array.prototype as NativeBase64Bytes).toBase64 === 'function';

const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  if (nativeEncode) return (bytes as NativeBase64Bytes).toBase64!();
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

/** Decodes canonical base64; throws `SyntaxError` on anything else. */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || !CANONICAL.test(text) || !zeroTrailingBits(text)) {
    throw new SyntaxError('Invalid base64 string');
  }
  if (native.fromBase64) return native.fromBase64(text, { lastChunkHandling: 'strict' });
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function zeroTrailingBits(text: string): boolean {
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (pad === 0) return true;
  const last = ALPHABET.indexOf(text[text.length - pad - 1]!);
  return (last & (pad === 2 ? 0x0f : 0x03)) === 0;
}
