import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { hmac } from '@noble/hashes/hmac.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/crypto/constant-time.js';
import { HMAC_KEY_SPECS, isHmacKeySpec } from '../../src/crypto/key-specs.js';
import { exportMacKeyMaterial, MacKey } from '../../src/crypto/mac-key.js';

const material = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
const materialHex = Buffer.from(material).toString('hex');
const message = new TextEncoder().encode('hello');

describe('key spec table (KMS Developer Guide, hmac.md "Key specs for HMAC KMS keys")', () => {
  it.each([
    ['HMAC_224', 'HMAC_SHA_224', 28, 64],
    ['HMAC_256', 'HMAC_SHA_256', 32, 64],
    ['HMAC_384', 'HMAC_SHA_384', 48, 128],
    ['HMAC_512', 'HMAC_SHA_512', 64, 128],
  ] as const)('%s -> %s, %i-byte key and tag', (spec, alg, bytes, blockLen) => {
    const info = HMAC_KEY_SPECS[spec];
    expect(info).toMatchObject({ KeySpec: spec, MacAlgorithm: alg, keyLength: bytes, macLength: bytes });
    expect(info.hash.outputLen).toBe(bytes);
    expect(info.hash.blockLen).toBe(blockLen);
  });

  it('knows exactly the four HMAC specs', () => {
    expect(Object.keys(HMAC_KEY_SPECS)).toEqual(['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512']);
    expect(isHmacKeySpec('HMAC_256')).toBe(true);
    for (const bad of ['SYMMETRIC_DEFAULT', 'hmac_256', 'toString', '__proto__', 256, undefined]) {
      expect(isHmacKeySpec(bad)).toBe(false);
    }
  });
});

describe('MacKey', () => {
  it('matches one-shot noble hmac() and keeps matching on reuse', () => {
    const key = new MacKey(sha256, material);
    const expected = hmac(sha256, material, message);
    for (let i = 0; i < 3; i++) expect(key.mac(message)).toEqual(expected);
    expect(key.macLength).toBe(32);
  });

  it('copies the material: later changes to the caller array do not change the key', () => {
    const bytes = material.slice();
    const key = new MacKey(sha256, bytes);
    bytes.fill(0);
    expect(key.mac(message)).toEqual(hmac(sha256, material, message));
    expect(exportMacKeyMaterial(key)).toEqual(material);
    exportMacKeyMaterial(key).fill(0); // a copy: wiping it does not touch the key
    expect(key.mac(message)).toEqual(hmac(sha256, material, message));
  });

  it('returns a fresh tag array each call', () => {
    const key = new MacKey(sha256, material);
    const a = key.mac(message);
    const b = key.mac(message);
    expect(a).not.toBe(b);
    a.fill(0);
    expect(b).toEqual(hmac(sha256, material, message));
  });

  it('verify: exact tag only; a truncated, extended, empty or flipped tag is invalid', () => {
    const key = new MacKey(sha512, material);
    const tag = key.mac(message);
    expect(key.verify(message, tag)).toBe(true);
    expect(key.verify(message, tag.subarray(0, 32))).toBe(false);
    expect(key.verify(message, tag.subarray(0, 63))).toBe(false);
    expect(key.verify(message, new Uint8Array([...tag, 0]))).toBe(false);
    expect(key.verify(message, new Uint8Array(0))).toBe(false);
    for (const i of [0, 31, 63]) {
      const flipped = tag.slice();
      flipped[i]! ^= 1;
      expect(key.verify(message, flipped)).toBe(false);
    }
    expect(key.verify(new TextEncoder().encode('hellp'), tag)).toBe(false);
    expect(key.verify(message, tag)).toBe(true);
  });

  it('many keys of every hash side by side (the midstate bank grows past its first 64 slots): each keeps its own tags', () => {
    for (const hash of [sha224, sha256, sha384, sha512]) {
      const keys = Array.from({ length: 150 }, (_, i) => new MacKey(hash, new Uint8Array(hash.blockLen + (i % 3) - 1).fill(i)));
      keys.forEach((k, i) => expect(k.mac(message)).toEqual(hmac(hash, new Uint8Array(hash.blockLen + (i % 3) - 1).fill(i), message)));
      // again in reverse, after every key has its slot
      for (let i = keys.length - 1; i >= 0; i--) expect(keys[i]!.verify(message, hmac(hash, new Uint8Array(hash.blockLen + (i % 3) - 1).fill(i), message))).toBe(true);
    }
  });

  it('a garbage MacKey gives its midstate slot back, wiped, and a new key reuses it with its own tags', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const keep = new MacKey(sha384, material);
    const tag = keep.mac(message);
    (() => {
      for (let i = 0; i < 200; i++) new MacKey(sha384, new Uint8Array(48).fill(i)).mac(message);
    })();
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10)); // FinalizationRegistry callbacks run in later tasks
    }
    const later = Array.from({ length: 200 }, (_, i) => new MacKey(sha384, new Uint8Array(48).fill(255 - i)));
    later.forEach((k, i) => expect(k.mac(message)).toEqual(hmac(sha384, new Uint8Array(48).fill(255 - i), message)));
    expect(keep.mac(message)).toEqual(tag);
  });

  it('falls back to cloned noble states where the midstate layout cannot be read (a hash whose state is opaque)', () => {
    // a SHA-256 whose internal state hmac-kms cannot reach: no get/set, the shape a future noble might have
    class Opaque {
      readonly blockLen = 64;
      readonly outputLen = 32;
      readonly canXOF = false;
      private h = sha256.create();
      update(d: Uint8Array) {
        this.h.update(d);
        return this;
      }
      digestInto(out: Uint8Array) {
        this.h.digestInto(out);
      }
      digest() {
        return this.h.digest();
      }
      _cloneInto(to?: Opaque): Opaque {
        const target = to ?? new Opaque();
        target.h = this.h._cloneInto(target.h);
        return target;
      }
      clone() {
        return this._cloneInto();
      }
      destroy() {
        this.h.destroy();
      }
    }
    const opaque = Object.assign((m: Uint8Array) => sha256(m), { outputLen: 32, blockLen: 64, create: () => new Opaque() });
    const key = new MacKey(opaque as unknown as typeof sha256, material);
    for (let i = 0; i < 3; i++) expect(key.mac(message)).toEqual(hmac(sha256, material, message));
    expect(key.verify(message, hmac(sha256, material, message))).toBe(true);
    expect(key.verify(message, new Uint8Array(32))).toBe(false);
  });

  it('rejects material that is not bytes', () => {
    expect(() => new MacKey(sha256, 'secret' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => new MacKey(sha256, [1, 2, 3] as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('never shows its material: JSON, String, inspect, enumeration, structuredClone', () => {
    const key = new MacKey(sha256, material);
    key.mac(message); // keyed state exists now too
    const views = [
      JSON.stringify({ key }),
      String(key),
      `${key}`,
      inspect(key, { depth: 10, showHidden: true }),
      inspect({ nested: { key } }, { depth: 10 }),
      JSON.stringify(Object.entries(key)),
      JSON.stringify(structuredClone({ key })),
    ];
    for (const view of views) {
      expect(view).not.toContain(materialHex);
      expect(view).not.toContain(Buffer.from(material).toString('base64'));
      expect(view).not.toMatch(/160,\s*161,\s*162/); // 0xa0, 0xa1, 0xa2 as decimal bytes
    }
    expect(Object.keys(key)).toEqual([]);
    expect(JSON.stringify({ key })).toBe('{"key":"[MacKey: key material redacted]"}');
  });
});

describe('equalBytes', () => {
  it('compares content and length', () => {
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([0, 2, 3]))).toBe(false);
    expect(equalBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('reads every byte: no early exit on the first difference', () => {
    const reads: number[] = [];
    const spy = new Proxy(new Uint8Array(8), {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.push(Number(prop));
        return prop === 'length' ? target.length : Reflect.get(target, prop, receiver);
      },
    });
    const other = new Uint8Array(8).fill(0xff); // differs at index 0 already
    expect(equalBytes(spy as Uint8Array, other)).toBe(false);
    expect(reads).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
