// kbkdfCounter against the NIST CAVP KBKDF counter-mode vectors (HMAC-SHA-256/384/512, counter before the fixed
// input, 32-bit counter; vectors/kbkdf/), with a local PRF (@noble/hashes) and with KMS as the PRF (keys seeded with
// the vectors' KI); deriveKey's SP 800-108r1 layout checked against a second implementation on node:crypto.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { deriveKey, kbkdfCounter, type MacKms } from '../../src/jwt/index.js';
import { arnOf, fixture, IDS, MATERIAL } from '../helpers/kms.js';
import { caught } from './helpers.js';

interface Vector {
  prf: 'HMAC_SHA256' | 'HMAC_SHA384' | 'HMAC_SHA512';
  count: number;
  L: number;
  KI: string;
  FixedInputData: string;
  KO: string;
}

/** The .rsp file: `[PRF=...]` `[CTRLOCATION=...]` `[RLEN=...]` groups of `COUNT/L/KI/FixedInputDataByteLen/FixedInputData/KO`. */
function readVectors(): Vector[] {
  const text = readFileSync(new URL('../../vectors/kbkdf/KDFCTR_gen_hmac_sha2_before_fixed_32.rsp', import.meta.url), 'utf8');
  const vectors: Vector[] = [];
  let group: Record<string, string> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)=(\w+)\]$/.exec(line);
    if (header) {
      group = { ...group, [header[1]!]: header[2]! };
      continue;
    }
    const field = /^(\w+) ?= ?(\w*)$/.exec(line);
    if (!field) continue;
    if (field[1] === 'COUNT') current = { ...group, COUNT: field[2]! };
    else if (current) current[field[1]!] = field[2]!;
    if (field[1] === 'KO' && current) {
      expect(current.CTRLOCATION).toBe('BEFORE_FIXED');
      expect(current.RLEN).toBe('32_BITS');
      expect(current.FixedInputData!.length / 2).toBe(Number(current.FixedInputDataByteLen));
      vectors.push({ prf: current.PRF as Vector['prf'], count: Number(current.COUNT), L: Number(current.L), KI: current.KI!, FixedInputData: current.FixedInputData!, KO: current.KO! });
      current = undefined;
    }
  }
  return vectors;
}

const VECTORS = readVectors();
const HASHES = { HMAC_SHA256: sha256, HMAC_SHA384: sha384, HMAC_SHA512: sha512 } as const;
const SPEC = { HMAC_SHA256: ['HMAC_256', 'HMAC_SHA_256'], HMAC_SHA384: ['HMAC_384', 'HMAC_SHA_384'], HMAC_SHA512: ['HMAC_512', 'HMAC_SHA_512'] } as const;
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('kbkdfCounter: NIST CAVP KBKDF counter mode (KDFCTR_gen.rsp, CAVS 14.4)', () => {
  it('the vector file holds the three groups, 40 vectors each, every L a whole number of bytes', () => {
    const counts: Record<string, number> = {};
    for (const v of VECTORS) counts[v.prf] = (counts[v.prf] ?? 0) + 1;
    expect(counts).toEqual({ HMAC_SHA256: 40, HMAC_SHA384: 40, HMAC_SHA512: 40 });
    expect(VECTORS.every((v) => v.L % 8 === 0 && v.KO.length === v.L / 4)).toBe(true);
    // several blocks are needed for some (L = 320 with SHA-256: two blocks; L = 160 with SHA-512: one, truncated)
    expect(new Set(VECTORS.map((v) => v.L))).toEqual(new Set([128, 160, 256, 320]));
  });

  it.each(Object.keys(HASHES) as Vector['prf'][])('%s with a local PRF (@noble/hashes): all 40 vectors', async (prf) => {
    const hash = HASHES[prf];
    for (const v of VECTORS.filter((x) => x.prf === prf)) {
      const ki = hex(v.KI);
      const out = await kbkdfCounter((input) => hmac(hash, ki, input), hex(v.FixedInputData), v.L / 8);
      expect(toHex(out), `${prf} COUNT=${v.count}`).toBe(v.KO);
    }
  });

  it('all 120 vectors with KMS as the PRF: each KI (32, 48, 64 bytes) seeded as an HMAC_256/384/512 key, one GenerateMac per block', async () => {
    const macs: string[] = [];
    const kms = new HmacKms({ audit: (e) => e.eventName === 'GenerateMac' && macs.push(e.eventName) });
    let blocks = 0;
    for (const v of VECTORS) {
      const [KeySpec, MacAlgorithm] = SPEC[v.prf];
      const { KeyMetadata } = await kms.seedKey({ KeySpec, KeyMaterial: hex(v.KI) });
      const prf = async (Message: Uint8Array) => (await kms.generateMac({ KeyId: KeyMetadata!.KeyId!, Message, MacAlgorithm })).Mac!;
      expect(toHex(await kbkdfCounter(prf, hex(v.FixedInputData), v.L / 8)), `${v.prf} COUNT=${v.count}`).toBe(v.KO);
      blocks += Math.ceil(v.L / 8 / { HMAC_SHA256: 32, HMAC_SHA384: 48, HMAC_SHA512: 64 }[v.prf]);
    }
    expect(macs.length).toBe(blocks);
  });

  it('the PRF input is [i]_32 || fixedInput, i from 1; output truncated to length; a synchronous PRF works too', async () => {
    const inputs: string[] = [];
    const out = await kbkdfCounter((input) => (inputs.push(toHex(input)), new Uint8Array([input[3]!, 0xaa, 0xbb])), hex('f0f1'), 7);
    expect(inputs).toEqual(['00000001f0f1', '00000002f0f1', '00000003f0f1']);
    expect(toHex(out)).toBe('01aabb02aabb03');
  });

  it('bad arguments: TypeErrors; a PRF whose blocks change length is refused', async () => {
    const prf = (input: Uint8Array) => new Uint8Array(input[3] === 1 ? 32 : 16);
    expect((await caught(kbkdfCounter(prf, new Uint8Array(), 64))).message).toBe('kbkdfCounter: the PRF returned 16 bytes for block 2, 32 for block 1');
    expect(await caught(kbkdfCounter(prf, new Uint8Array(), 0))).toBeInstanceOf(TypeError);
    expect(await caught(kbkdfCounter(prf, new Uint8Array(), 1.5))).toBeInstanceOf(TypeError);
    expect(await caught(kbkdfCounter(prf, 'abc' as never, 8))).toBeInstanceOf(TypeError);
    expect(await caught(kbkdfCounter(() => new Uint8Array(), new Uint8Array(), 8))).toBeInstanceOf(TypeError);
    expect(await caught(kbkdfCounter('prf' as never, new Uint8Array(), 8))).toBeInstanceOf(TypeError);
  });
});

/** SP 800-108r1 counter mode with K(i) = HMAC(K_IN, [i]_32 || Label || 0x00 || Context || [L]_32), on OpenSSL. */
function referenceKdf(hash: 'sha224' | 'sha256' | 'sha384' | 'sha512', key: Uint8Array, label: string, context: string, length: number): string {
  const L = Buffer.alloc(4);
  L.writeUInt32BE(length * 8);
  const fixed = Buffer.concat([Buffer.from(label), Buffer.from([0]), Buffer.from(context), L]);
  let out = Buffer.alloc(0);
  for (let i = 1; out.length < length; i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    out = Buffer.concat([out, createHmac(hash, key).update(Buffer.concat([counter, fixed])).digest()]);
  }
  return out.subarray(0, length).toString('hex');
}

describe('deriveKey', () => {
  it.each([
    ['HMAC_224', IDS.k224, 'sha224', 28],
    ['HMAC_256', IDS.k256, 'sha256', 32],
    ['HMAC_384', IDS.k384, 'sha384', 48],
    ['HMAC_512', IDS.k512, 'sha512', 64],
  ] as const)('%s: the SP 800-108r1 layout, one GenerateMac per block (checked against OpenSSL)', async (spec, id, hash, h) => {
    const { kms, audit } = await fixture();
    for (const length of [1, 16, h, h + 1, 100, 1024]) {
      audit.length = 0;
      const key = await deriveKey(kms, { KeyId: id, label: 'payments', context: 'tenant-7', length });
      expect(toHex(key), `length ${length}`).toBe(referenceKdf(hash, MATERIAL[spec], 'payments', 'tenant-7', length));
      expect(audit.map((e) => e.eventName)).toEqual(['DescribeKey', ...Array(Math.ceil(length / h)).fill('GenerateMac')]);
    }
  });

  it('deterministic; label, context, length and key each change the bytes (a shorter key is not a prefix of a longer one)', async () => {
    const { kms } = await fixture();
    const base = { KeyId: IDS.k256, label: 'payments', context: 'tenant-7', length: 32 };
    const a = toHex(await deriveKey(kms, base));
    expect(toHex(await deriveKey(kms, base))).toBe(a);
    expect(toHex(await deriveKey(kms, { ...base, KeyId: 'alias/fixture' }))).toBe(a);
    expect(toHex(await deriveKey(kms, { ...base, label: new TextEncoder().encode('payments'), context: new TextEncoder().encode('tenant-7') }))).toBe(a);
    const others = await Promise.all([
      deriveKey(kms, { ...base, label: 'payment' }),
      deriveKey(kms, { ...base, context: 'tenant-8' }),
      deriveKey(kms, { ...base, context: '' }),
      deriveKey(kms, { ...base, KeyId: IDS.k512 }),
    ]);
    for (const o of others) expect(toHex(o)).not.toBe(a);
    expect(a.startsWith(toHex(await deriveKey(kms, { ...base, length: 16 })))).toBe(false);
  });

  it('MacAlgorithm given: GenerateMac is the only call', async () => {
    const { kms, audit } = await fixture();
    const key = await deriveKey(kms, { KeyId: 'alias/fixture', label: 'l', context: 'c', length: 40, MacAlgorithm: 'HMAC_SHA_256' });
    expect(toHex(key)).toBe(referenceKdf('sha256', MATERIAL.HMAC_256, 'l', 'c', 40));
    expect(audit.map((e) => e.eventName)).toEqual(['GenerateMac', 'GenerateMac']);
  });

  it('refused before any KMS call: length out of 1..1024, a 0x00 in the label, a message over 4,096 bytes, bad input', async () => {
    const { kms, audit } = await fixture();
    const bad: [Record<string, unknown>, string][] = [
      [{ length: 0 }, 'length must be a whole number of bytes from 1 to 1024'],
      [{ length: 1025 }, 'length must be a whole number of bytes from 1 to 1024'],
      [{ length: 16.5 }, 'length must be'],
      [{ label: 'a\0b' }, 'the label may not contain a 0x00 byte'],
      [{ context: 'x'.repeat(4096 - 4 - 1 - 1 - 4 + 1) }, 'is 4097 bytes; GenerateMac takes a message of at most 4096 bytes'],
      [{ label: 7 }, 'label must be a string or a Uint8Array'],
      [{ context: undefined }, 'context must be a string or a Uint8Array'],
      [{ KeyId: '' }, 'KeyId must be'],
      [{ MacAlgorithm: 'HMAC_SHA_1' }, 'MacAlgorithm must be'],
    ];
    for (const [change, message] of bad) {
      const e = await caught(deriveKey(kms, { KeyId: IDS.k256, label: 'l', context: 'c', length: 32, ...change } as never));
      expect(e, JSON.stringify(change)).toBeInstanceOf(TypeError);
      expect(e.message).toContain(message);
    }
    expect(audit).toEqual([]);
    // the largest message that fits: 4 + 1 + 1 + context + 4 = 4,096
    const fits = await deriveKey(kms, { KeyId: IDS.k256, label: 'l', context: 'x'.repeat(4086), length: 8 });
    expect(toHex(fits)).toBe(referenceKdf('sha256', MATERIAL.HMAC_256, 'l', 'x'.repeat(4086), 8));
  });

  it('KMS errors pass through; an alias that moves between blocks is an error, not a mixed key', async () => {
    const { kms } = await fixture();
    expect((await caught(deriveKey(kms, { KeyId: IDS.disabled, label: 'l', context: 'c', length: 8 }))).name).toBe('DisabledException');
    await kms.createAlias({ AliasName: 'alias/moving', TargetKeyId: IDS.k256 });
    let n = 0;
    const moving: MacKms = {
      describeKey: (input) => kms.describeKey(input),
      verifyMac: (input) => kms.verifyMac(input),
      generateMac: async (input) => {
        const out = await kms.generateMac(input);
        if (++n === 1) await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }).then(({ KeyMetadata }) => kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: KeyMetadata!.KeyId! }));
        return out;
      },
    };
    const e = await caught(deriveKey(moving, { KeyId: 'alias/moving', label: 'l', context: 'c', length: 64 }));
    expect(e.message).toMatch(new RegExp(`^deriveKey: alias/moving named ${arnOf(IDS.k256)}, then arn:aws:kms:us-east-1:111122223333:key/[-0-9a-f]+; is the alias being updated\\?$`));
  });
});
