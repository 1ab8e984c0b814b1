// Key material never leaves the emulator: not in outputs, errors, audit records, JSON.stringify or util.inspect of
// anything reachable from an HmacKms.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HmacKms, type AuditEvent } from '../../src/index.js';
import { OPERATIONS, methodName } from '../../src/operations/index.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { bytes, IDS, T0 } from '../helpers/kms.js';

/** Every rendering of `secret` we must never find. */
function forms(secret: Uint8Array): string[] {
  const b = Buffer.from(secret);
  return [
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    b.toString('base64'),
    b.toString('base64url'),
    b.toString('latin1'),
    Array.from(secret).join(','),
    Array.from(secret).slice(0, 8).join(', '),
    `${Array.from(secret).slice(0, 6).join(',\n    ')}`,
  ];
}

function render(value: unknown): string[] {
  const out = [inspect(value, { depth: Infinity, showHidden: true, getters: true, maxArrayLength: Infinity, maxStringLength: Infinity })];
  try {
    out.push(JSON.stringify(value));
  } catch (e) {
    out.push(String(e));
  }
  out.push(String(value));
  if (value instanceof Error) out.push(value.stack ?? '');
  return out;
}

describe('key material stays inside', () => {
  it('across every operation, success or failure, and every object a user can reach', async () => {
    const draws: Uint8Array[] = [];
    const seeded = seededRandom(7);
    const random = (n: number) => {
      const b = seeded(n);
      draws.push(b.slice());
      return b;
    };
    const audit: AuditEvent[] = [];
    const kms = new HmacKms({ clock: () => T0, random, audit: (e) => audit.push(e) });
    const seededMaterial = new Uint8Array(64).map((_, i) => 0xa0 ^ i);
    const seen: unknown[] = [kms, kms.as('arn:aws:iam::111122223333:user/Alice'), kms.inRegion('us-west-2')];

    const keep = async (p: Promise<unknown>) => seen.push(await p.catch((e: unknown) => e));
    await keep(kms.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: seededMaterial, KeyId: IDS.k512 }));
    for (const spec of ['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const) {
      await keep(kms.createKey({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 't', TagValue: 'v' }] }));
      await keep(kms.createKey({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: true }));
    }
    await keep(kms.createAlias({ AliasName: 'alias/s', TargetKeyId: IDS.k512 }));
    const message = bytes('hello');
    const { Mac } = await kms.generateMac({ KeyId: IDS.k512, Message: message, MacAlgorithm: 'HMAC_SHA_512' });
    // every operation of the table, with a plausible input, against a key whose material we know
    const inputs: Record<string, unknown> = {
      KeyId: IDS.k512, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_512', Plaintext: message, CiphertextBlob: message,
      AliasName: 'alias/s', TargetKeyId: IDS.k512, Tags: [{ TagKey: 'a', TagValue: 'b' }], TagKeys: ['a'], Description: 'd',
      NumberOfBytes: 16, SigningAlgorithm: 'HMAC_SHA_512', Signature: message, DestinationKeyId: IDS.k512,
    };
    for (const op of OPERATIONS.values()) {
      if (op.name === 'SeedKey' || op.name === 'ScheduleKeyDeletion') continue;
      await keep((kms as unknown as Record<string, (i: unknown) => Promise<unknown>>)[methodName(op.name)]!(inputs));
      await keep((kms as unknown as Record<string, (i: unknown) => Promise<unknown>>)[methodName(op.name)]!({ ...inputs, KeyId: 'alias/s', Mac: new Uint8Array(64) }));
    }
    await keep(kms.verifyMac({ KeyId: IDS.k512, Message: bytes('other'), Mac, MacAlgorithm: 'HMAC_SHA_512' }));
    await keep(kms.scheduleKeyDeletion({ KeyId: IDS.k512 }));
    seen.push(audit);

    // the detector itself finds a leak when there is one
    expect(render({ leaked: seededMaterial }).some((t) => forms(seededMaterial).some((f) => t.includes(f)))).toBe(true);
    expect(render({ leaked: Buffer.from(seededMaterial).toString('hex') }).some((t) => forms(seededMaterial).some((f) => t.includes(f)))).toBe(true);
    const materials = [seededMaterial, ...draws.filter((d) => [28, 32, 48, 64].includes(d.length))];
    expect(materials.length).toBeGreaterThanOrEqual(9); // the seeded one and the eight created ones
    const texts = seen.flatMap(render);
    for (const secret of materials) {
      for (const form of forms(secret)) {
        for (const text of texts) expect(text.includes(form), `material found in: ${text.slice(0, 200)}`).toBe(false);
      }
    }
    // and the audit trail never carries the message or the MAC
    const trail = JSON.stringify(audit);
    expect(trail).not.toContain(Buffer.from(Mac!).toString('base64'));
    expect(trail).not.toContain(Buffer.from(message).toString('base64'));
    expect(trail).not.toContain('"message"');
    expect(trail).not.toContain('"mac"');
  });

  it('JSON.stringify and inspect of an HmacKms show no state at all', () => {
    const kms = new HmacKms();
    expect(JSON.parse(JSON.stringify(kms))).toEqual({ region: 'us-east-1', accountId: '111122223333', principal: 'arn:aws:iam::111122223333:root' });
    expect(inspect(kms, { showHidden: true, depth: Infinity })).not.toMatch(/world|keys|material/i);
  });
});
