// Issue #10, the engine's share: one describe per defect the adversarial review found, each failing on the code
// before the fix. Wire and server defects are in test/wire/hardening.test.ts; policy ones in test/policy/*.
import { KMSClient, CreateKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { describe, expect, it, vi } from 'vitest';
import { createSdkRequestHandler, HmacKms, type AuditEvent } from '../../src/index.js';
import { worldOf } from '../../src/kms.js';
import { arnOf, bytes, expectKmsError, fixture, IDS, MATERIAL, observe, testKms, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

const A = '111122223333';
const B = '444455556666';
const C = '777788889999';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const CAROL = `arn:aws:iam::${A}:user/Carol`;
const BOB = `arn:aws:iam::${B}:user/Bob`;
const DAVE = `arn:aws:iam::${C}:user/Dave`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const mac = { Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' as const };

/** Every string held anywhere in a structure (Maps, Sets, arrays, objects). */
function strings(root: unknown): Set<string> {
  const out = new Set<string>();
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (typeof v === 'object' && v !== null && !seen.has(v)) {
      seen.add(v);
      if (v instanceof Map) for (const [k, x] of v) (walk(k), walk(x));
      else if (Symbol.iterator in v && typeof v !== 'string') for (const x of v as Iterable<unknown>) walk(x); // Sets, arrays, StableMaps
      if (!(v instanceof Map)) for (const x of Object.values(v)) walk(x);
    }
  };
  walk(root);
  return out;
}

/** Everything observable in account A's us-east-1, grants included. */
async function observeAll(kms: HmacKms) {
  const base = (await observe(kms)) as { keys: { KeyMetadata: { KeyId: string } }[] };
  const grants: unknown[] = [];
  for (const k of base.keys) grants.push((await kms.listGrants({ KeyId: k.KeyMetadata.KeyId })).Grants);
  return { ...base, grants };
}

describe('#10.2 ListRetirableGrants: the retiring principal must be in the caller account, and is the authorized resource', () => {
  async function world() {
    const t = await fixture();
    const { kms } = t;
    // a grant on A's key whose retiring principal is Dave, of a third account
    await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, RetiringPrincipal: DAVE, Operations: ['GenerateMac'] });
    const own = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, RetiringPrincipal: CAROL, Operations: ['GenerateMac'] });
    return { ...t, own };
  }

  it('a principal of another account cannot be listed, whoever asks', async () => {
    const { kms } = await world();
    await expectKmsError(kms.as(BOB).listRetirableGrants({ RetiringPrincipal: DAVE }), 'AccessDeniedException',
      `User: ${BOB} is not authorized to perform: kms:ListRetirableGrants on resource: ${DAVE} because no resource-based policy allows the kms:ListRetirableGrants action`);
    await expectKmsError(kms.listRetirableGrants({ RetiringPrincipal: DAVE }), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:root is not authorized to perform: kms:ListRetirableGrants on resource: ${DAVE} because no resource-based policy allows the kms:ListRetirableGrants action`);
    // Dave's own account sees it
    expect((await kms.as(`arn:aws:iam::${C}:root`).listRetirableGrants({ RetiringPrincipal: DAVE })).Grants).toHaveLength(1);
  });

  it('an IAM Deny on the retiring principal applies, and an Allow scoped to it suffices', async () => {
    const { kms, own } = await world();
    kms.putIdentityPolicy(ALICE, 'scoped', doc({ Effect: 'Allow', Action: 'kms:ListRetirableGrants', Resource: CAROL }));
    expect((await kms.as(ALICE).listRetirableGrants({ RetiringPrincipal: CAROL })).Grants!.map((g) => g.GrantId)).toEqual([own.GrantId]);
    await expectKmsError(kms.as(ALICE).listRetirableGrants({ RetiringPrincipal: ALICE }), 'AccessDeniedException',
      `User: ${ALICE} is not authorized to perform: kms:ListRetirableGrants on resource: ${ALICE} because no identity-based policy allows the kms:ListRetirableGrants action`);
    kms.putIdentityPolicy(CAROL, 'all', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }));
    kms.putIdentityPolicy(CAROL, 'not-me', doc({ Effect: 'Deny', Action: 'kms:ListRetirableGrants', Resource: CAROL }));
    await expectKmsError(kms.as(CAROL).listRetirableGrants({ RetiringPrincipal: CAROL }), 'AccessDeniedException',
      `User: ${CAROL} is not authorized to perform: kms:ListRetirableGrants on resource: ${CAROL} with an explicit deny in an identity-based policy`);
  });

  it('RetiringServicePrincipal is for service callers only; both members at once are refused', async () => {
    const { kms } = await world();
    await expectKmsError(kms.listRetirableGrants({ RetiringServicePrincipal: 'logs.amazonaws.com' }), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:root is not authorized to perform: kms:ListRetirableGrants on resource: logs.amazonaws.com because no resource-based policy allows the kms:ListRetirableGrants action`);
    await expectKmsError(kms.listRetirableGrants({ RetiringPrincipal: CAROL, RetiringServicePrincipal: 'logs.amazonaws.com' }), 'ValidationException',
      'You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.');
  });
});

describe('#10.3 a failing audit sink never changes the outcome of a call', () => {
  it('a throwing sink: the changes stand, the tokens are returned, failures keep their own error', async () => {
    const reported: [unknown, AuditEvent][] = [];
    const kms = new HmacKms({
      random: seededRandom(3),
      clock: () => T0,
      audit: () => {
        throw new Error('sink down');
      },
      onAuditError: (e, event) => reported.push([e, event]),
    });
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const KeyId = KeyMetadata!.KeyId!;
    const grant = await kms.createGrant({ KeyId, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    await kms.as(ALICE).generateMac({ KeyId, ...mac, GrantTokens: [grant.GrantToken!] });
    await kms.disableKey({ KeyId });
    await expectKmsError(kms.generateMac({ KeyId, ...mac }), 'DisabledException', `${arnOf(KeyId)} is disabled.`);
    expect((await kms.listKeys({})).Keys).toHaveLength(1);
    expect(reported.map(([e, ev]) => [(e as Error).message, ev.eventName, ev.errorCode])).toEqual([
      ['sink down', 'CreateKey', undefined],
      ['sink down', 'CreateGrant', undefined],
      ['sink down', 'GenerateMac', undefined],
      ['sink down', 'DisableKey', undefined],
      ['sink down', 'GenerateMac', 'DisabledException'],
      ['sink down', 'ListKeys', undefined],
    ]);
  });

  it('an async sink that rejects is handled (no unhandled rejection), and so is a reporter that throws', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const reported: unknown[] = [];
      const kms = new HmacKms({ audit: async () => Promise.reject(new Error('later')), onAuditError: (e) => reported.push(e) });
      await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      const silent = new HmacKms({ audit: () => Promise.reject(new Error('x')), onAuditError: () => { throw new Error('reporter down'); } });
      await silent.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      await new Promise((r) => setTimeout(r, 20));
      expect(reported.map((e) => (e as Error).message)).toEqual(['later']);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('over the wire, a CreateKey with a failing sink is one 200 and one key (the SDK does not retry)', async () => {
    const kms = new HmacKms({ audit: () => { throw new Error('sink down'); }, onAuditError: () => {} });
    const client = new KMSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: createSdkRequestHandler(kms) });
    const out = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect((await client.send(new ListKeysCommand({}))).Keys).toHaveLength(1);
  });
});

describe('#10.5 reusing a grant Name does not bypass the grant quota', () => {
  it('only a request identical to the original is idempotent', async () => {
    const { kms } = await fixture({ quotas: { grantsPerKey: 2 } });
    const a = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: 'shared' });
    const b = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: CAROL, Operations: ['GenerateMac'], Name: 'shared' });
    expect(b.GrantId).not.toBe(a.GrantId); // same Name, other parameters: a new grant
    await expectKmsError(kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: `arn:aws:iam::${A}:user/Eve`, Operations: ['GenerateMac'], Name: 'shared' }), 'LimitExceededException',
      'Grants per key quota for this account in this region is 2, current usage is 2.');
    const again = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: CAROL, Operations: ['GenerateMac'], Name: 'shared' });
    expect(again.GrantId).toBe(b.GrantId);
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants).toHaveLength(2);
  });
});

describe('#10.6 grant tokens: unique per request, interchangeable, forgotten with their grant, stored nowhere', () => {
  it('every retry gets a new token that works; none survives its grant', async () => {
    const { kms } = await fixture();
    const alice = kms.as(ALICE);
    const tokens = new Set<string>();
    let id: string | undefined;
    for (let i = 0; i < 200; i++) {
      const g = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac', 'RetireGrant'], Name: 'retry' });
      id ??= g.GrantId;
      expect(g.GrantId).toBe(id);
      tokens.add(g.GrantToken!);
    }
    expect(tokens.size).toBe(200);
    const [first, second, last] = [...tokens].filter((_, i, all) => i === 0 || i === 1 || i === all.length - 1);
    await alice.generateMac({ KeyId: IDS.k256, ...mac, GrantTokens: [first!, last!] });
    // the world keeps no list of tokens: none of the 200 is stored anywhere in it
    const stored = strings(worldOf(kms));
    expect([...tokens].filter((t) => stored.has(t))).toEqual([]);
    await alice.retireGrant({ GrantToken: second! });
    for (const t of [first!, last!]) {
      await expectKmsError(kms.describeKey({ KeyId: IDS.k256, GrantTokens: [t] }), 'InvalidGrantTokenException', 'The request was rejected because the specified grant token is not valid.');
    }
  });

  it('a token of a revoked grant, of a deleted key, or altered in one character is refused', async () => {
    const { kms, clock } = await fixture();
    const g = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    const other = await kms.createGrant({ KeyId: IDS.pending, GranteePrincipal: ALICE, Operations: ['GenerateMac'] }).catch(() => undefined);
    expect(other).toBeUndefined(); // pending deletion: no grants (key state table)
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const doomed = await kms.createGrant({ KeyId: KeyMetadata!.KeyId!, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    const t = g.GrantToken!;
    const flipped = t.slice(0, 10) + (t[10] === 'A' ? 'B' : 'A') + t.slice(11);
    for (const bad of [flipped, t + 'A', t.slice(0, -1)]) {
      await expectKmsError(kms.describeKey({ KeyId: IDS.k256, GrantTokens: [bad] }), 'InvalidGrantTokenException', 'The request was rejected because the specified grant token is not valid.');
    }
    await kms.describeKey({ KeyId: IDS.k256, GrantTokens: [t, doomed.GrantToken!] });
    await kms.revokeGrant({ KeyId: IDS.k256, GrantId: g.GrantId! });
    await expectKmsError(kms.describeKey({ KeyId: IDS.k256, GrantTokens: [t] }), 'InvalidGrantTokenException', 'The request was rejected because the specified grant token is not valid.');
    await kms.scheduleKeyDeletion({ KeyId: KeyMetadata!.KeyId!, PendingWindowInDays: 7 });
    clock.advance(8 * 86_400_000);
    await expectKmsError(kms.describeKey({ KeyId: IDS.k256, GrantTokens: [doomed.GrantToken!] }), 'InvalidGrantTokenException', 'The request was rejected because the specified grant token is not valid.');
    // the deleted key's grant is gone from every index
    expect(worldOf(kms).grants.has(doomed.GrantId!)).toBe(false);
    expect(worldOf(kms).retirable.size).toBe(0);
  });

  it('a token from another world is refused', async () => {
    const one = await fixture();
    const two = testKms({ random: seededRandom(7) });
    await two.kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 });
    await two.kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    const g = await one.kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    await expectKmsError(two.kms.describeKey({ KeyId: IDS.k256, GrantTokens: [g.GrantToken!] }), 'InvalidGrantTokenException', 'The request was rejected because the specified grant token is not valid.');
  });
});

describe('#10.9 no secret-bearing member is echoed in an error or an audit record', () => {
  it('eleven real grant tokens: neither the ValidationException nor its audit record shows one', async () => {
    const { kms, audit } = await fixture();
    const { GrantToken } = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    const tooMany = Array.from({ length: 11 }, () => GrantToken!);
    const e = await expectKmsError(kms.generateMac({ KeyId: IDS.k256, ...mac, GrantTokens: tooMany }), 'ValidationException',
      "1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10");
    const long = [GrantToken! + 'x'.repeat(8192)];
    const e2 = await kms.retireGrant({ GrantToken: long[0] }).catch((x: Error) => x);
    const seen = JSON.stringify([e.message, (e2 as Error).message, audit]);
    expect(seen).not.toContain(GrantToken!.slice(4, 40));
  });
});

describe('#10.10 a throwing random source leaves nothing half-made', () => {
  /** A seeded source that throws on its `failAt`-th call from the moment it is armed. */
  function armable() {
    const inner = seededRandom(11);
    let countdown = Infinity;
    const random = (n: number) => {
      if (countdown-- === 0) throw new Error('entropy exhausted');
      return inner(n);
    };
    return { random, arm: (failAt: number) => (countdown = failAt), disarm: () => (countdown = Infinity) };
  }

  const calls: [string, (kms: HmacKms) => Promise<unknown>, ((kms: HmacKms) => Promise<unknown>)?][] = [
    ['CreateKey', (k) => k.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 't', TagValue: 'v' }] })],
    ['CreateKey (multi-Region)', (k) => k.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: true })],
    ['SeedKey without KeyId', (k) => k.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256 })],
    ['CreateGrant (the first: draws the token key)', (k) => k.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: 'n' })],
    [
      'CreateGrant (a retry of a named grant)',
      (k) => k.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: 'n' }),
      (k) => k.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: 'n' }),
    ],
  ];

  it.each(calls)('%s, failing at every draw in turn', async (_name, call, setup) => {
    let failures = 0;
    for (let failAt = 0; failAt < 100; failAt++) {
      const source = armable();
      const { kms } = await fixture({ random: source.random });
      await setup?.(kms);
      const before = await observeAll(kms);
      const tokenKey = worldOf(kms).tokenKey;
      source.arm(failAt);
      const outcome = await call(kms).then(() => 'ok', (e: Error) => e.message);
      source.disarm();
      if (outcome === 'ok') break; // every draw of the call has been made to fail once
      failures++;
      expect(outcome).toBe('entropy exhausted');
      expect(await observeAll(kms), `state after a failure at draw ${failAt}`).toEqual(before);
      expect(worldOf(kms).tokenKey, 'the token key is set only with a grant').toBe(tokenKey);
    }
    expect(failures, 'the call draws randomness').toBeGreaterThan(0);
  });
});

describe('#10.11 ReplicateKey omits ReplicaTags when no tags were given (recorded test_replicate_key, 2025-11-10)', () => {
  it('absent without tags, present with them', async () => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: true });
    const plain = await kms.replicateKey({ KeyId: KeyMetadata!.KeyId!, ReplicaRegion: 'us-west-2' });
    expect(plain).not.toHaveProperty('ReplicaTags');
    const tagged = await kms.replicateKey({ KeyId: KeyMetadata!.KeyId!, ReplicaRegion: 'eu-west-1', Tags: [{ TagKey: 'a', TagValue: 'b' }] });
    expect(tagged.ReplicaTags).toEqual([{ TagKey: 'a', TagValue: 'b' }]);
  });
});

describe('#10.16 read-only and failed calls create no state', () => {
  it('naming a Region or an account leaves no record of it', async () => {
    const { kms } = await fixture();
    const accounts = () => [...worldOf(kms).accounts].map(([a, regions]) => [a, [...regions.keys()]]);
    const before = accounts();
    for (let i = 0; i < 50; i++) {
      const region = `ap-test-${i + 1}`;
      const k = kms.inRegion(region);
      await k.listKeys({});
      await k.listAliases({});
      await k.describeKey({ KeyId: IDS.unknown }).catch(() => {});
      await k.deleteAlias({ AliasName: 'alias/x' }).catch(() => {});
      await k.updateAlias({ AliasName: 'alias/x', TargetKeyId: IDS.unknown }).catch(() => {});
      await k.createAlias({ AliasName: 'alias/x', TargetKeyId: IDS.unknown }).catch(() => {});
      await kms.as(`arn:aws:iam::${String(100000000000 + i)}:root`).inRegion(region).listKeys({});
    }
    expect(accounts()).toEqual(before);
  });
});

describe('#10.18 ListResourceTags markers survive removals between pages', () => {
  it('a tag removed before the next page skips no other', async () => {
    const { kms } = testKms();
    const Tags = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ TagKey: k, TagValue: k.toUpperCase() }));
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags });
    const KeyId = KeyMetadata!.KeyId!;
    const p1 = await kms.listResourceTags({ KeyId, Limit: 2 });
    expect(p1.Tags!.map((t) => t.TagKey)).toEqual(['a', 'b']);
    await kms.untagResource({ KeyId, TagKeys: ['a'] });
    const p2 = await kms.listResourceTags({ KeyId, Limit: 2, Marker: p1.NextMarker });
    expect(p2.Tags!.map((t) => t.TagKey)).toEqual(['c', 'd']);
    await kms.tagResource({ KeyId, Tags: [{ TagKey: 'b', TagValue: 'B2' }, { TagKey: 'f', TagValue: 'F' }] }); // b keeps its place
    const p3 = await kms.listResourceTags({ KeyId, Limit: 2, Marker: p2.NextMarker });
    expect(p3.Tags!.map((t) => t.TagKey)).toEqual(['e', 'f']);
    expect((await kms.listResourceTags({ KeyId })).Tags!.map((t) => `${t.TagKey}=${t.TagValue}`)).toEqual(['b=B2', 'c=C', 'd=D', 'e=E', 'f=F']);
  });
});

describe('#10.19 only the account that created a grant may retire it (API RetireGrant)', () => {
  it("the key owner revokes another account's grant; it cannot retire it", async () => {
    const { kms } = await fixture();
    const policy = doc(
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:CreateGrant', Resource: '*' },
    );
    await kms.putKeyPolicy({ KeyId: IDS.k256, Policy: policy });
    const bRoot = kms.as(`arn:aws:iam::${B}:root`);
    const g = await bRoot.createGrant({ KeyId: arnOf(IDS.k256), GranteePrincipal: BOB, Operations: ['GenerateMac'] });
    await expectKmsError(kms.retireGrant({ KeyId: arnOf(IDS.k256), GrantId: g.GrantId! }), 'AccessDeniedException',
      `User: arn:aws:iam::${A}:root is not authorized to perform: kms:RetireGrant on resource: ${arnOf(IDS.k256)} because no resource-based policy allows the kms:RetireGrant action`);
    await kms.revokeGrant({ KeyId: IDS.k256, GrantId: g.GrantId! });
    const g2 = await bRoot.createGrant({ KeyId: arnOf(IDS.k256), GranteePrincipal: BOB, Operations: ['GenerateMac'] });
    await bRoot.retireGrant({ KeyId: arnOf(IDS.k256), GrantId: g2.GrantId! }); // the issuing account may
  });
});
