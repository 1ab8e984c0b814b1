import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HMAC_KEY_SPECS } from '../../src/crypto/key-specs.js';
import { MacKey } from '../../src/crypto/mac-key.js';
import { seededRandom } from '../helpers/seeded-random.js';

const NODE_HASH = { HMAC_224: 'sha224', HMAC_256: 'sha256', HMAC_384: 'sha384', HMAC_512: 'sha512' } as const;

/** 0..4096 with every block edge of both block sizes (64, 128) and the length-padding edges (blockLen - 9/-8, -17/-16). */
function messageLengths(): number[] {
  const set = new Set<number>([0, 1, 2, 4096]);
  for (let m = 0; m <= 4096; m += 64) for (const d of [-17, -16, -9, -8, -1, 0, 1]) set.add(m + d);
  return [...set].filter((n) => n >= 0 && n <= 4096).sort((a, b) => a - b);
}

describe('MAC engine vs node:crypto (OpenSSL)', () => {
  const lengths = messageLengths();

  for (const spec of Object.values(HMAC_KEY_SPECS)) {
    it(`${spec.MacAlgorithm}: random keys 0-200 bytes, messages 0-4096 bytes at every block edge`, () => {
      const rnd = seededRandom(spec.keyLength);
      const block = spec.hash.blockLen;
      const keyLengths = [0, 1, spec.keyLength, block - 1, block, block + 1, 200];
      let checked = 0;
      for (const [i, msgLen] of lengths.entries()) {
        const keyLen = i < keyLengths.length ? keyLengths[i]! : rnd.int(201);
        const keyBytes = rnd(keyLen);
        const key = new MacKey(spec.hash, keyBytes);
        const msg = rnd(msgLen);
        const expected = createHmac(NODE_HASH[spec.KeySpec], keyBytes).update(msg).digest();
        // twice: the second MAC runs on the kept keyed state and the reused scratch
        expect(Buffer.from(key.mac(msg)).equals(expected), `key ${keyLen} B, message ${msgLen} B`).toBe(true);
        expect(Buffer.from(key.mac(msg)).equals(expected)).toBe(true);
        expect(key.verify(msg, new Uint8Array(expected))).toBe(true);
        checked++;
      }
      expect(checked).toBe(lengths.length);
      expect(checked).toBeGreaterThan(400);
    });
  }

  it('keys of one hash share the scratch state without disturbing each other', () => {
    const rnd = seededRandom(7);
    const spec = HMAC_KEY_SPECS.HMAC_256;
    const keys = Array.from({ length: 5 }, () => rnd(32));
    const engines = keys.map((k) => new MacKey(spec.hash, k));
    for (let round = 0; round < 50; round++) {
      const i = rnd.int(keys.length);
      const msg = rnd(rnd.int(300));
      const expected = createHmac('sha256', keys[i]!).update(msg).digest();
      expect(Buffer.from(engines[i]!.mac(msg)).equals(expected)).toBe(true);
      // a failed verify on another key must not leave anything behind either
      expect(engines[(i + 1) % keys.length]!.verify(msg, new Uint8Array(expected))).toBe(false);
    }
  });
});
