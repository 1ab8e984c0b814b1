/**
 * AWS JSON 1.1 bodies in and out (KMS model `"protocol":"json"`): blobs travel as base64 strings, timestamps as epoch
 * seconds (with a fraction), and members keep their PascalCase names. The decoder only turns base64 into bytes,
 * strictly; every other check is the model validator's, shared with the in-process door.
 */
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { SerializationException } from '../errors.js';
import { SHAPES } from '../model/kms-shapes.generated.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const blobby = new Map<string, boolean>();
/** Whether a shape holds a blob at any depth (computed once per shape). */
function hasBlob(name: string): boolean {
  let known = blobby.get(name);
  if (known === undefined) {
    blobby.set(name, false); // recursion guard
    const s = SHAPES[name];
    known =
      !!s &&
      (s.type === 'blob' ||
        (s.type === 'list' && hasBlob(s.member)) ||
        (s.type === 'map' && hasBlob(s.value)) ||
        (s.type === 'structure' && Object.values(s.members).some(hasBlob)));
    blobby.set(name, known);
  }
  return known;
}

/** Replaces the base64 strings of blob members (at any depth) with their bytes. */
export function decodeBlobs(shapeName: string, value: unknown, member = ''): unknown {
  const shape = SHAPES[shapeName];
  if (!shape || value === null || value === undefined) return value;
  switch (shape.type) {
    case 'blob':
      if (typeof value !== 'string') return value; // the validator reports the type
      try {
        return fromBase64(value);
      } catch {
        throw new SerializationException(`Base64 encoded value for member ${member} is not valid base64.`);
      }
    case 'list':
      return Array.isArray(value) ? value.map((v) => decodeBlobs(shape.member, v, member)) : value;
    case 'map':
      return isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeBlobs(shape.value, v, member)])) : value;
    case 'structure': {
      if (!isObject(value)) return value;
      let out: Record<string, unknown> | undefined;
      for (const m in shape.members) {
        const v = value[m];
        if (v === undefined || v === null || !hasBlob(shape.members[m]!)) continue;
        (out ??= { ...value })[m] = decodeBlobs(shape.members[m]!, v, m);
      }
      return out ?? value;
    }
    default:
      return value;
  }
}

const PLAIN_KEY = /^[A-Za-z0-9_]+$/;

/**
 * An operation output as AWS JSON 1.1 text, in one pass: bytes as base64, dates as epoch seconds, no `$metadata`,
 * undefined members left out. (Twice as fast as building the JSON value and stringifying it: issue #13.)
 */
export function encodeJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `"${toBase64(value)}"`;
  if (value instanceof Date) return String(value.getTime() / 1000);
  if (Array.isArray(value)) {
    let s = '[';
    for (let i = 0; i < value.length; i++) s += (i ? ',' : '') + (value[i] === undefined ? 'null' : encodeJson(value[i]));
    return `${s}]`;
  }
  if (isObject(value)) {
    let s = '{';
    let first = true;
    for (const k in value) {
      const v = value[k];
      if (v === undefined || k === '$metadata' || !Object.prototype.hasOwnProperty.call(value, k)) continue;
      s += `${first ? '' : ','}${PLAIN_KEY.test(k) ? `"${k}"` : JSON.stringify(k)}:${encodeJson(v)}`;
      first = false;
    }
    return `${s}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An operation output as JSON: bytes to base64, dates to epoch seconds, no `$metadata`. */
export function encodeOutput(value: unknown): unknown {
  if (value instanceof Uint8Array) return toBase64(value);
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(encodeOutput);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '$metadata' && v !== undefined) out[k] = encodeOutput(v);
    return out;
  }
  return value;
}
