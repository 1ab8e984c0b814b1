// Seed key material (src/node/seed.ts): a string of hex digits of even length is hex — also when its length is wrong
// for the spec, which is then reported as such — and anything else must be canonical base64 of the right length. (64
// hex digits from `openssl rand -hex 32` given for HMAC_384 were decoded as base64 into another 48-byte key.)
import { describe, expect, it } from 'vitest';
import { planKey } from '../../src/node/seed.js';

const material = (KeySpec: string, KeyMaterial: string) => planKey({ KeySpec, KeyMaterial }, 'Keys[0]').input.KeyMaterial;
const hex = (n: number, byte = 'a7') => byte.repeat(n);

describe('seed KeyMaterial: hex or base64', () => {
  it('64 hex digits for HMAC_384 are 32 bytes of hex, refused as such (not decoded as base64 into 48 other bytes)', () => {
    expect(() => material('HMAC_384', hex(32))).toThrow(
      new TypeError('seed: Keys[0]: KeyMaterial is 64 hex digits (32 bytes); expected 48 bytes for HMAC_384: 96 hex digits or 64 base64 characters'),
    );
  });

  it('short valid hex ("00") is reported as hex of the wrong length, not as "neither hex nor base64"', () => {
    expect(() => material('HMAC_256', '00')).toThrow(
      new TypeError('seed: Keys[0]: KeyMaterial is 2 hex digits (1 byte); expected 32 bytes for HMAC_256: 64 hex digits or 44 base64 characters'),
    );
  });

  it('hex of the right length (either case) and canonical base64 of the right length are the bytes they encode', () => {
    expect(material('HMAC_384', hex(48))).toEqual(new Uint8Array(48).fill(0xa7));
    expect(material('HMAC_224', hex(28, 'C3'))).toEqual(new Uint8Array(28).fill(0xc3));
    const bytes = new Uint8Array(64).map((_, i) => i * 7);
    expect(material('HMAC_512', Buffer.from(bytes).toString('base64'))).toEqual(bytes);
  });

  it('anything else must be canonical base64 of the right length', () => {
    expect(() => material('HMAC_256', Buffer.alloc(48, 0xff).toString('base64'))).toThrow('KeyMaterial decodes to 48 bytes; expected 32 bytes for HMAC_256');
    // odd number of hex digits, unpadded and non-canonical base64, text
    for (const m of [hex(32).slice(1), Buffer.alloc(32, 1).toString('base64').replace(/=+$/, ''), 'not key material']) {
      expect(() => material('HMAC_256', m), m).toThrow('KeyMaterial is neither hex nor base64; expected 32 bytes for HMAC_256: 64 hex digits or 44 base64 characters');
    }
  });
});
