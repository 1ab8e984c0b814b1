// How HmacKmsObject stores its snapshot in SQLite rows.
/**
 * The snapshot is stored as its UTF-8 bytes in rows of at most this many (a Durable Object's row holds at most 2 MB),
 * joined before decoding: cutting the text itself could split a character (a surrogate pair) and store it broken.
 */
export const CHUNK_BYTES = 1_000_000;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text's UTF-8 bytes in parts of at most `size` bytes (a part may end inside a character). */
export function snapshotParts(text: string, size = CHUNK_BYTES): ArrayBuffer[] {
  const bytes = utf8.encode(text);
  const parts: ArrayBuffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.slice(at, at + size).buffer);
  return parts;
}

/** The text back from its parts (bytes joined, then decoded: invalid UTF-8 throws). */
export function snapshotText(parts: readonly ArrayBuffer[]): string {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return fromUtf8.decode(bytes);
}
