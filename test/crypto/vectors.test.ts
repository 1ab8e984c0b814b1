import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { HMAC_KEY_SPECS } from '../../src/crypto/key-specs.js';
import { equalBytes } from '../../src/crypto/constant-time.js';
import { MacKey } from '../../src/crypto/mac-key.js';
import { hex, readVector, toHexString, type Rfc4231Case, type WycheproofFile } from '../helpers/vectors.js';

// RFC 4231 §4: test cases 1-7 for HMAC-SHA-224/256/384/512. Case 5 publishes only the leftmost 128 bits.
describe('RFC 4231 vectors through the MAC engine', () => {
  const cases = readVector<Rfc4231Case[]>('rfc4231.json');
  const specs = Object.values(HMAC_KEY_SPECS);
  const hashName = { HMAC_224: 'sha224', HMAC_256: 'sha256', HMAC_384: 'sha384', HMAC_512: 'sha512' } as const;

  it('has all seven cases', () => {
    expect(cases.map((c) => c.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  for (const c of cases) {
    for (const spec of specs) {
      it(`case ${c.id} ${spec.MacAlgorithm}`, () => {
        const expected = c[hashName[spec.KeySpec]];
        const key = new MacKey(spec.hash, hex(c.key));
        const tag = key.mac(hex(c.data));
        expect(tag.length).toBe(spec.macLength);
        if (c.truncateBits) {
          expect(toHexString(tag.subarray(0, c.truncateBits / 8))).toBe(expected);
          // a truncated tag is not a valid KMS MAC: VerifyMac compares the full length
          expect(key.verify(hex(c.data), hex(expected))).toBe(false);
        } else {
          expect(toHexString(tag)).toBe(expected);
          expect(key.verify(hex(c.data), hex(expected))).toBe(true);
        }
      });
    }
  }
});

// Project Wycheproof testvectors_v1/hmac_*_test.json (Apache-2.0, vectors/wycheproof/LICENSE).
describe('Wycheproof HMAC vectors through the MAC engine', () => {
  const files: [string, CHash][] = [
    ['hmac_sha224_test.json', sha224],
    ['hmac_sha256_test.json', sha256],
    ['hmac_sha384_test.json', sha384],
    ['hmac_sha512_test.json', sha512],
    ['hmac_sha512_224_test.json', sha512_224],
    ['hmac_sha512_256_test.json', sha512_256],
  ];
  let total = 0;

  for (const [file, hash] of files) {
    const data = readVector<WycheproofFile>(`wycheproof/${file}`);
    total += data.numberOfTests;
    it(`${file}: every vector (${data.numberOfTests})`, () => {
      let seen = 0;
      for (const group of data.testGroups) {
        const tagBytes = group.tagSize / 8;
        for (const t of group.tests) {
          seen++;
          const key = new MacKey(hash, hex(t.key));
          const msg = hex(t.msg);
          const tag = hex(t.tag);
          // A group with tagSize below the hash size tests a truncated MAC: the leftmost tagSize/8 bytes, and only
          // a tag of exactly that length may be accepted (vectors/README.md).
          const accepted =
            tagBytes === hash.outputLen
              ? key.verify(msg, tag)
              : tag.length === tagBytes && equalBytes(key.mac(msg).subarray(0, tagBytes), tag);
          expect(accepted, `tcId ${t.tcId} (${t.comment}) ${t.flags.join(',')}`).toBe(t.result === 'valid');
          if (t.result === 'valid') expect(toHexString(key.mac(msg).subarray(0, tagBytes))).toBe(t.tag);
        }
      }
      expect(seen).toBe(data.numberOfTests);
    });
  }

  it('the six files hold 1042 vectors, each run above', () => {
    expect(total).toBe(1042);
  });
});
