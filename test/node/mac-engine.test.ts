// Issue #13: the node:crypto MAC engine gives the tags and the errors of the noble engine — every spec, every size
// edge, the Wycheproof vectors through both, and the whole emulator (GenerateMac, VerifyMac, failures) with each.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HmacKms, type MacEngine } from '../../src/index.js';
import { HMAC_KEY_SPECS } from '../../src/crypto/key-specs.js';
import { MacKey } from '../../src/crypto/mac-key.js';
import { nodeMacEngine } from '../../src/node/index.js';
import { IDS, MATERIAL, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { hex, readVector, VECTORS_DIR, type WycheproofFile } from '../helpers/vectors.js';

const WYCHEPROOF_HASH: Record<string, keyof typeof HMAC_KEY_SPECS> = { HMACSHA224: 'HMAC_224', HMACSHA256: 'HMAC_256', HMACSHA384: 'HMAC_384', HMACSHA512: 'HMAC_512' };

describe('nodeMacEngine = the noble engine', () => {
  it.each(Object.values(HMAC_KEY_SPECS))('$MacAlgorithm: the same tags for messages of 0..4096 bytes at every block edge, and the same verdicts', (spec) => {
    const rnd = seededRandom(spec.keyLength + 1);
    const material = rnd(spec.keyLength);
    const noble = new MacKey(spec.hash, material);
    const node = new MacKey(spec.hash, material, nodeMacEngine);
    for (let len = 0; len <= 4096; len += len < 300 ? 1 : 61) {
      const msg = rnd(len);
      const tag = noble.mac(msg);
      expect(node.mac(msg), `${len} bytes`).toEqual(tag);
      expect(node.mac(msg)).toBeInstanceOf(Uint8Array);
      expect(Object.getPrototypeOf(node.mac(msg))).toBe(Uint8Array.prototype); // not a Buffer (no pooled memory)
      expect(node.verify(msg, tag)).toBe(true);
      const wrong = tag.slice();
      wrong[len % wrong.length]! ^= 1;
      expect(node.verify(msg, wrong)).toBe(false);
      expect(node.verify(msg, tag.subarray(0, tag.length - 1))).toBe(false); // truncated tags are invalid
    }
  });

  it('the Wycheproof HMAC vectors of the four specs, through both engines', () => {
    let checked = 0;
    for (const file of readdirSync(`${VECTORS_DIR}wycheproof`).filter((f) => /^hmac_sha(224|256|384|512)_test\.json$/.test(f))) {
      const vectors = readVector<WycheproofFile>(`wycheproof/${file}`);
      const spec = HMAC_KEY_SPECS[WYCHEPROOF_HASH[vectors.algorithm]!];
      for (const group of vectors.testGroups) {
        if (group.tagSize !== spec.macLength * 8) continue; // KMS never truncates
        for (const t of group.tests) {
          for (const engine of [undefined, nodeMacEngine] as (MacEngine | undefined)[]) {
            const key = new MacKey(spec.hash, hex(t.key), engine);
            expect(key.verify(hex(t.msg), hex(t.tag)), `${file} #${t.tcId} ${engine?.name ?? 'noble'}`).toBe(t.result === 'valid');
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('an emulator on either engine answers identically: MACs, verifications, failures', async () => {
    const run = async (macEngine?: MacEngine) => {
      const kms = new HmacKms({ clock: () => T0, random: seededRandom(3), ...(macEngine ? { macEngine } : {}) });
      const out: unknown[] = [];
      for (const [spec, id] of [['HMAC_224', IDS.k224], ['HMAC_256', IDS.k256], ['HMAC_384', IDS.k384], ['HMAC_512', IDS.k512]] as const) {
        await kms.seedKey({ KeySpec: spec, KeyMaterial: MATERIAL[spec], KeyId: id });
        const alg = HMAC_KEY_SPECS[spec].MacAlgorithm;
        for (const size of [1, 32, 4096]) {
          const Message = new Uint8Array(size).fill(size & 0xff);
          const { Mac } = await kms.generateMac({ KeyId: id, Message, MacAlgorithm: alg });
          out.push(Buffer.from(Mac!).toString('hex'));
          out.push((await kms.verifyMac({ KeyId: id, Message, Mac, MacAlgorithm: alg })).MacValid);
          out.push(await kms.verifyMac({ KeyId: id, Message, Mac: Mac!.map((b) => b ^ 1), MacAlgorithm: alg }).catch((e: Error) => `${e.name}:${e.message}`));
        }
      }
      const created = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }); // material from `random`
      out.push(Buffer.from((await kms.generateMac({ KeyId: created.KeyMetadata!.KeyId!, Message: new Uint8Array(5), MacAlgorithm: 'HMAC_SHA_256' })).Mac!).toString('hex'));
      return out;
    };
    expect(await run(nodeMacEngine)).toEqual(await run());
  });

  it('restored keys keep the engine given to fromState', async () => {
    const wrappingKey = new Uint8Array(32).fill(1);
    const kms = new HmacKms();
    await kms.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: MATERIAL.HMAC_512, KeyId: IDS.k512 });
    const calls: string[] = [];
    const spy: MacEngine = { name: 'spy', prepare: (hash, material) => (calls.push(hash), nodeMacEngine.prepare(hash, material)) };
    const restored = HmacKms.fromState(kms.exportState({ wrappingKey }), { wrappingKey, macEngine: spy });
    const m = { KeyId: IDS.k512, Message: new Uint8Array(3), MacAlgorithm: 'HMAC_SHA_512' as const };
    expect((await restored.generateMac(m)).Mac).toEqual((await kms.generateMac(m)).Mac);
    expect(calls).toEqual(['SHA-512']); // prepared once, on first use
  });
});
