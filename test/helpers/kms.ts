import { expect } from 'vitest';
import { HmacKms, type AuditEvent, type HmacKmsOptions } from '../../src/index.js';
import { seededRandom } from './seeded-random.js';

export const T0 = new Date('2026-01-01T00:00:00.000Z');
export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'us-east-1';
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const DAY = 86_400_000;

/** Fixed key ids, so that messages can be asserted verbatim. */
export const IDS = {
  k256: '11111111-1111-4111-8111-111111111111',
  k224: '22222222-2222-4222-8222-222222222222',
  k384: '33333333-3333-4333-8333-333333333333',
  k512: '44444444-4444-4444-8444-444444444444',
  disabled: '55555555-5555-4555-8555-555555555555',
  pending: '66666666-6666-4666-8666-666666666666',
  unknown: '99999999-9999-4999-8999-999999999999',
  mrk: 'mrk-0123456789abcdef0123456789abcdef',
} as const;
export const arnOf = (id: string, region = REGION, account = ACCOUNT) => `arn:aws:kms:${region}:${account}:key/${id}`;

export const MATERIAL = {
  HMAC_224: new Uint8Array(28).map((_, i) => i + 1),
  HMAC_256: new Uint8Array(32).map((_, i) => i + 1),
  HMAC_384: new Uint8Array(48).map((_, i) => i + 1),
  HMAC_512: new Uint8Array(64).map((_, i) => i + 1),
} as const;

export const bytes = (s: string) => new TextEncoder().encode(s);

/** A deterministic emulator: seeded randomness, a clock the test moves, audit records collected. */
export function testKms(options: HmacKmsOptions = {}) {
  const clock = {
    now: new Date(T0),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const audit: AuditEvent[] = [];
  const kms = new HmacKms({ clock: () => clock.now, random: seededRandom(42), audit: (e) => audit.push(e), ...options });
  return { kms, clock, audit };
}

/**
 * The standard fixture: seeded keys of every spec, a disabled key, a key pending deletion, an alias and tags.
 */
export async function fixture(options: HmacKmsOptions = {}) {
  const t = testKms(options);
  const { kms } = t;
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256, Description: 'k256', Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
  await kms.seedKey({ KeySpec: 'HMAC_224', KeyMaterial: MATERIAL.HMAC_224, KeyId: IDS.k224 });
  await kms.seedKey({ KeySpec: 'HMAC_384', KeyMaterial: MATERIAL.HMAC_384, KeyId: IDS.k384 });
  await kms.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: MATERIAL.HMAC_512, KeyId: IDS.k512 });
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.disabled });
  await kms.disableKey({ KeyId: IDS.disabled });
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.pending });
  await kms.scheduleKeyDeletion({ KeyId: IDS.pending, PendingWindowInDays: 7 });
  await kms.createAlias({ AliasName: 'alias/fixture', TargetKeyId: IDS.k256 });
  t.audit.length = 0;
  return t;
}

/** Asserts the promise rejects with the exported error class of that name, and the exact message. */
export async function expectKmsError(promise: Promise<unknown>, name: string, message: string | RegExp): Promise<Error> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${name}`).toBeInstanceOf(Error);
  const e = error as Error & { $fault?: string };
  expect({ name: e.name, message: e.message }).toEqual({ name, message: typeof message === 'string' ? message : expect.stringMatching(message) });
  const errors = await import('../../src/errors.js');
  const cls = (errors as unknown as Record<string, new (...a: never[]) => Error>)[name];
  expect(cls, `error class ${name} is exported`).toBeTypeOf('function');
  expect(e).toBeInstanceOf(cls!);
  expect(e).toBeInstanceOf(errors.KmsServiceException);
  return e;
}

/** Everything a caller can observe of its account in its Region, to prove that a failed call changed nothing. */
export async function observe(kms: HmacKms): Promise<unknown> {
  const keys = (await kms.listKeys({ Limit: 1000 })).Keys ?? [];
  const out: unknown[] = [];
  for (const { KeyId } of keys) {
    const { KeyMetadata } = await kms.describeKey({ KeyId });
    const { Tags } = await kms.listResourceTags({ KeyId });
    out.push({ KeyMetadata, Tags });
  }
  const { Aliases } = await kms.listAliases({ Limit: 100 });
  return { keys: out, Aliases };
}
