import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromBase64, toBase64 } from '../../src/crypto/base64.js';
import { defaultRandom, randomBytes, randomUuid, toHex } from '../../src/crypto/random.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('base64 (RFC 4648 §4, strict)', () => {
  it('round-trips every length 0..300 and matches Buffer', () => {
    const rnd = seededRandom(3);
    for (let n = 0; n <= 300; n++) {
      const bytes = rnd(n);
      const text = toBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(text)).toEqual(bytes);
    }
  });

  it('encodes large inputs (chunked String.fromCharCode)', () => {
    const bytes = seededRandom(4)(200_000);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });

  it.each([
    ['missing padding', 'aGk'],
    ['padding in the middle', 'aA==aGk='],
    ['too much padding', 'aGk=='],
    ['url-safe alphabet', 'a-_a'],
    ['whitespace', 'aGk= '],
    ['line break', 'aGVs\nbG8='],
    ['non-zero trailing bits (one pad)', 'aGl='],
    ['non-zero trailing bits (two pads)', 'aB=='],
    ['single char', 'a'],
    ['not ascii', 'aGé='],
    ['only padding', '===='],
  ])('rejects %s: %j', (_, text) => {
    expect(() => fromBase64(text)).toThrow(SyntaxError);
  });

  it('rejects a non-string', () => {
    expect(() => fromBase64(123 as unknown as string)).toThrow(SyntaxError);
  });

  it('accepts the empty string as zero bytes', () => {
    expect(fromBase64('')).toEqual(new Uint8Array(0));
  });

  describe('with the native Uint8Array base64 methods (ES2026)', () => {
    afterEach(() => vi.resetModules());
    it('uses fromBase64/toBase64 when the runtime has them', async () => {
      const proto = Uint8Array.prototype as unknown as { toBase64?: () => string };
      const ctor = Uint8Array as unknown as { fromBase64?: (s: string, o: unknown) => Uint8Array };
      const hadNative = typeof proto.toBase64 === 'function';
      const calls: string[] = [];
      if (!hadNative) {
        proto.toBase64 = function (this: Uint8Array) {
          calls.push('toBase64');
          return Buffer.from(this).toString('base64');
        };
        ctor.fromBase64 = (s: string, o: unknown) => {
          calls.push(`fromBase64 ${JSON.stringify(o)}`);
          return new Uint8Array(Buffer.from(s, 'base64'));
        };
      }
      try {
        vi.resetModules();
        const mod = await import('../../src/crypto/base64.js');
        expect(mod.toBase64(new Uint8Array([104, 105]))).toBe('aGk=');
        expect(mod.fromBase64('aGk=')).toEqual(new Uint8Array([104, 105]));
        expect(() => mod.fromBase64('aGk')).toThrow(SyntaxError); // still strict before reaching the native decoder
        if (!hadNative) expect(calls).toEqual(['toBase64', 'fromBase64 {"lastChunkHandling":"strict"}']);
      } finally {
        if (!hadNative) {
          delete proto.toBase64;
          delete ctor.fromBase64;
        }
      }
    });
  });
});

describe('randomness', () => {
  it('defaultRandom uses crypto.getRandomValues, in 64 KiB chunks', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const bytes = defaultRandom(150_000);
    expect(bytes.length).toBe(150_000);
    expect(spy).toHaveBeenCalledTimes(3);
    expect(new Set(bytes).size).toBeGreaterThan(200);
    spy.mockRestore();
  });

  it('randomBytes holds an injected source to its contract', () => {
    expect(randomBytes(seededRandom(1), 5).length).toBe(5);
    expect(() => randomBytes(() => new Uint8Array(3), 5)).toThrow('random(5) must return a Uint8Array of length 5');
    expect(() => randomBytes(() => [1, 2, 3, 4, 5] as unknown as Uint8Array, 5)).toThrow(TypeError);
  });

  it('randomUuid: version 4, RFC 9562 variant, lower-case 8-4-4-4-12, deterministic from the source', () => {
    const a = randomUuid(seededRandom(9));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(randomUuid(seededRandom(9))).toBe(a);
    expect(randomUuid(() => new Uint8Array(16).fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(randomUuid(() => new Uint8Array(16))).toBe('00000000-0000-4000-8000-000000000000');
  });

  it('toHex', () => {
    expect(toHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe('0001abff');
  });
});
