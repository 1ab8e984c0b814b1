// Issue #9: exportState / fromState. Everything observable round-trips; key material is sealed and never in the
// snapshot in any encoding; any change to any value is refused; a wrong wrapping key, an unknown version and a
// truncated snapshot are each their own clear error; a pinned snapshot of format 1 keeps being read.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HmacKms, StateError, type StateSnapshot } from '../../src/index.js';
import { exportMacKeyMaterial } from '../../src/crypto/mac-key.js';
import { worldOf } from '../../src/kms.js';
import { canonicalJson } from '../../src/state/snapshot.js';
import { allKeys } from '../../src/model/world.js';
import { arnOf, bytes, DAY, expectKmsError, fixture, IDS, MATERIAL, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

const A = '111122223333';
const B = '444455556666';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const BOB = `arn:aws:iam::${B}:user/Bob`;
const wrappingKey = new Uint8Array(32).map((_, i) => i * 7 + 1);
const mac = { Message: bytes('state'), MacAlgorithm: 'HMAC_SHA_256' as const };

/** A world with something of everything: every key state, multi-Region keys, grants, aliases, tags, policies. */
async function richWorld() {
  const t = await fixture();
  const { kms, clock } = t;
  // multi-Region: a primary with replicas, one Region's replica waiting for deletion, the primary then moved
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.mrk, MultiRegion: true, Description: 'mrk', Tags: [{ TagKey: 'a', TagValue: '1' }] });
  await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-west-2', Tags: [{ TagKey: 'r', TagValue: '2' }] });
  await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'eu-west-1' });
  await kms.inRegion('eu-west-1').scheduleKeyDeletion({ KeyId: IDS.mrk, PendingWindowInDays: 30 });
  await kms.updatePrimaryRegion({ KeyId: IDS.mrk, PrimaryRegion: 'us-west-2' });
  // a primary waiting for its replica (PendingReplicaDeletion)
  const waiting = 'mrk-00000000000000000000000000000001';
  await kms.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: MATERIAL.HMAC_512, KeyId: waiting, MultiRegion: true });
  await kms.replicateKey({ KeyId: waiting, ReplicaRegion: 'ap-south-1' });
  await kms.scheduleKeyDeletion({ KeyId: waiting, PendingWindowInDays: 10 });
  // grants of every shape, an identity policy, a custom key policy, aliases with dates, a second account
  const g1 = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, RetiringPrincipal: BOB, Operations: ['GenerateMac', 'VerifyMac'], Name: 'named' });
  const g2 = await kms.createGrant({ KeyId: IDS.k384, GranteePrincipal: `arn:aws:iam::${A}:role/Ops`, Operations: ['DescribeKey', 'CreateGrant'] });
  await kms.createGrant({ KeyId: IDS.k256, GranteeServicePrincipal: 'logs.amazonaws.com', RetiringPrincipal: ALICE, Operations: ['GenerateMac'], Constraints: { SourceArn: 'arn:aws:logs:us-east-1:111122223333:log-group:x' } });
  kms.putIdentityPolicy(ALICE, 'macs', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateMac', 'kms:ListRetirableGrants'], Resource: '*' }] }));
  await kms.putKeyPolicy({ KeyId: IDS.k512, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'own', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }] }, null, 4) });
  clock.advance(DAY);
  await kms.createAlias({ AliasName: 'alias/second', TargetKeyId: IDS.k384 });
  clock.advance(DAY);
  await kms.updateAlias({ AliasName: 'alias/second', TargetKeyId: IDS.k512 });
  await kms.as(`arn:aws:iam::${B}:root`).createKey({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'other account' });
  await kms.tagResource({ KeyId: IDS.k256, Tags: [{ TagKey: 'x', TagValue: 'y' }, { TagKey: 'team', TagValue: 'red' }] });
  return { ...t, g1, g2 };
}

/** Everything a caller of each account can observe, in each Region the world knows. */
async function observeWorld(kms: HmacKms) {
  const out: unknown[] = [];
  for (const account of [A, B]) {
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1']) {
      const k = kms.as(`arn:aws:iam::${account}:root`).inRegion(region);
      const { Keys = [] } = await k.listKeys({ Limit: 2 }).then(async (p) => ({ Keys: [...p.Keys!, ...((await k.listKeys({ Marker: p.NextMarker })).Keys ?? [])] }), () => ({ Keys: [] }));
      for (const { KeyId } of Keys) {
        const { $metadata: _m, ...describe } = await k.describeKey({ KeyId: KeyId! });
        const tags = (await k.listResourceTags({ KeyId: KeyId! })).Tags;
        const policy = (await k.getKeyPolicy({ KeyId: KeyId! })).Policy;
        const grants = (await k.listGrants({ KeyId: KeyId! })).Grants;
        const macOf = await k.generateMac({ KeyId: KeyId!, Message: bytes('m'), MacAlgorithm: describe.KeyMetadata!.MacAlgorithms![0]! }).then((r) => r.Mac, (e: Error) => e.name);
        out.push({ account, region, describe, tags, policy, grants, macOf });
      }
      out.push((await k.listAliases({})).Aliases);
    }
  }
  out.push((await kms.as(ALICE).listRetirableGrants({ RetiringPrincipal: ALICE })).Grants);
  return out;
}

describe('exportState / fromState', () => {
  it('round-trips everything observable, through JSON, and the tokens still work', async () => {
    const { kms, clock, g1 } = await richWorld();
    const snapshot = JSON.parse(JSON.stringify(kms.exportState({ wrappingKey })));
    const restored = HmacKms.fromState(snapshot, { wrappingKey, clock: () => clock.now, random: seededRandom(99) });
    expect(await observeWorld(restored)).toEqual(await observeWorld(kms));
    await restored.as(ALICE).generateMac({ KeyId: IDS.k256, ...mac, GrantTokens: [g1.GrantToken!] });
    await restored.as(BOB).retireGrant({ GrantToken: g1.GrantToken! });
    // identity policies came along: Alice may GenerateMac by IAM alone where the key policy delegates to IAM
    await restored.as(ALICE).generateMac({ KeyId: IDS.k384, MacAlgorithm: 'HMAC_SHA_384', Message: bytes('x') });
    // scheduled deletions still come due, and a primary waiting for its replica still waits
    clock.advance(31 * DAY);
    await expectKmsError(restored.inRegion('eu-west-1').describeKey({ KeyId: IDS.mrk }), 'NotFoundException', `Key '${arnOf(IDS.mrk, 'eu-west-1')}' does not exist`);
    expect((await restored.describeKey({ KeyId: 'mrk-00000000000000000000000000000001' })).KeyMetadata!.KeyState).toBe('PendingReplicaDeletion');
  });

  it('is deterministic: the same world and wrapping key give the same snapshot; a restored world exports it again', async () => {
    const { kms } = await richWorld();
    const a = kms.exportState({ wrappingKey });
    expect(kms.exportState({ wrappingKey })).toEqual(a);
    expect(HmacKms.fromState(a, { wrappingKey }).exportState({ wrappingKey })).toEqual(a);
  });

  it('is written in canonical form (the MAC is one native stringify); a copy with reordered members still opens', async () => {
    const { kms } = await richWorld();
    const snapshot = kms.exportState({ wrappingKey });
    const { mac: _m, ...body } = snapshot;
    expect(JSON.stringify(body)).toBe(canonicalJson(body));
    const reverse = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverse) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v;
    const reordered = reverse(JSON.parse(JSON.stringify(snapshot)));
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(snapshot));
    expect(await observeWorld(HmacKms.fromState(reordered, { wrappingKey }))).toEqual(await observeWorld(HmacKms.fromState(snapshot, { wrappingKey })));
  });

  it('holds no key material in any encoding, and no grant token', async () => {
    const { kms, g1, g2 } = await richWorld();
    const text = JSON.stringify(kms.exportState({ wrappingKey }));
    const secrets: Uint8Array[] = [...allKeys(worldOf(kms))].map((k) => exportMacKeyMaterial(k.material));
    secrets.push(exportMacKeyMaterial(worldOf(kms).tokenKey!));
    for (const s of secrets) {
      const hex = Buffer.from(s).toString('hex');
      for (const form of [hex, hex.toUpperCase(), Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url'), Buffer.from(s).toString('latin1')]) {
        expect(text.includes(form), `material as ${form.slice(0, 12)}…`).toBe(false);
        // and no long run of it either (a cut-down encoding)
        expect(text.includes(form.slice(4, 24))).toBe(false);
      }
    }
    for (const t of [g1.GrantToken!, g2.GrantToken!]) expect(text).not.toContain(t.slice(4, 40));
  });

  it('a wrong wrapping key, an unknown version and a truncated snapshot are three distinct errors', async () => {
    const { kms } = await fixture();
    const snapshot = kms.exportState({ wrappingKey });
    const refused = (s: unknown, key = wrappingKey) => {
      try {
        HmacKms.fromState(s, { wrappingKey: key });
      } catch (e) {
        expect(e).toBeInstanceOf(StateError);
        return { code: (e as StateError).code, message: (e as Error).message };
      }
      throw new Error('restored');
    };
    expect(refused(snapshot, new Uint8Array(32))).toEqual({ code: 'WRONG_WRAPPING_KEY', message: 'the wrapping key does not open this state: it was sealed with another wrapping key' });
    expect(refused({ ...snapshot, version: 2 })).toEqual({ code: 'UNSUPPORTED_VERSION', message: 'state format version 2 is not supported: this hmac-kms reads version 1' });
    const { mac: _m, ...noMac } = snapshot;
    expect(refused(noMac)).toEqual({ code: 'MALFORMED', message: 'the state snapshot is truncated or malformed: members are missing' });
    const { world: _w, ...noWorld } = snapshot;
    expect(refused(noWorld).code).toBe('MALFORMED');
    expect(refused({ ...snapshot, world: { ...snapshot.world, regions: snapshot.world.regions.slice(0, 0) } })).toEqual({ code: 'TAMPERED', message: 'the state snapshot has been altered: its authentication code does not match its content' });
    expect(refused(null).code).toBe('MALFORMED');
    expect(refused('{"format":"hmac-kms/state"').code).toBe('MALFORMED');
    expect(() => HmacKms.fromState(snapshot, { wrappingKey: new Uint8Array(16) })).toThrow(TypeError);
    expect(() => HmacKms.fromState(snapshot, {} as never)).toThrow(TypeError);
  });

  it('changing any single value anywhere is refused, and nothing is restored', async () => {
    const { kms } = await richWorld();
    const snapshot = kms.exportState({ wrappingKey });
    const leaves: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      else leaves.push(path);
    };
    walk(snapshot, []);
    expect(leaves.length).toBeGreaterThan(150);
    for (const path of leaves) {
      const copy = structuredClone(snapshot) as unknown as Record<string | number, unknown>;
      let parent = copy;
      for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
      const last = path.at(-1)!;
      const v = parent[last];
      parent[last] = typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : v === null ? 'x' : `${String(v)}x`;
      let error: unknown;
      try {
        HmacKms.fromState(copy, { wrappingKey });
      } catch (e) {
        error = e;
      }
      expect(error, `changing ${path.join('.')}`).toBeInstanceOf(StateError);
      const code = (error as StateError).code;
      const expected = path[0] === 'keyCheck' ? 'WRONG_WRAPPING_KEY' : path[0] === 'version' ? 'UNSUPPORTED_VERSION' : path[0] === 'format' ? 'MALFORMED' : 'TAMPERED';
      expect(code, `changing ${path.join('.')}`).toBe(expected);
    }
  });

  it('the pinned snapshot of format 1 is read, and answers as it did when it was made', async () => {
    // test/fixtures/state-v1.json was written by `exportState` of the world below; a new format must keep reading it
    const fixturePath = fileURLToPath(new URL('../fixtures/state-v1.json', import.meta.url));
    const pinned = JSON.parse(readFileSync(fixturePath, 'utf8')) as StateSnapshot;
    expect(pinned.version).toBe(1);
    const { kms } = await richWorld();
    const restored = HmacKms.fromState(pinned, { wrappingKey, clock: () => new Date(T0.getTime() + 2 * DAY) });
    expect(await observeWorld(restored)).toEqual(await observeWorld(kms));
  });
});
