// Issue #10.17: calls cost the same on a full world as on an empty one (within 2×): every lookup is indexed. The two
// worlds are built first, then measured in alternating batches (so that a busy moment of the CI's two cores hits both
// alike); each side's cost is its fastest batch, the least disturbed by GC and by other tests.
import { describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { bytes, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

const ALICE = 'arn:aws:iam::111122223333:user/Alice';
const mac = { Message: bytes('scale'), MacAlgorithm: 'HMAC_SHA_256' as const };

type Call = (i: number) => Promise<unknown>;

/** The cost of one call on each side, µs: the fastest mean of `rounds` alternating batches of `n` calls. */
async function costs(n: number, rounds: number, small: Call, big: Call): Promise<{ small: number; big: number }> {
  const best = { small: Infinity, big: Infinity };
  for (let r = 0; r < rounds; r++) {
    for (const [side, call] of (r % 2 ? [['big', big], ['small', small]] : [['small', small], ['big', big]]) as ['small' | 'big', Call][]) {
      const t = performance.now();
      for (let i = 0; i < n; i++) await call(r * n + i);
      best[side] = Math.min(best[side], ((performance.now() - t) * 1000) / n);
    }
  }
  return best;
}

const expectWithin2x = (what: string, c: { small: number; big: number }) =>
  expect(c.big / c.small, `${what}: ${c.big.toFixed(1)} µs on the full world vs ${c.small.toFixed(1)} µs on the empty one`).toBeLessThan(2);

const newKms = () => new HmacKms({ clock: () => T0, random: seededRandom(7), quotas: { keysPerRegion: 200_000 } });
const key = async (kms: HmacKms) => (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;

describe('no call costs more on a full world (issue #10.17)', () => {
  it('GenerateMac by a grantee on a key with 50,000 grants', async () => {
    const world = async (grants: number) => {
      const kms = newKms();
      const id = await key(kms);
      for (let i = 0; i < grants - 1; i++) await kms.createGrant({ KeyId: id, GranteePrincipal: `arn:aws:iam::111122223333:user/U${i}`, Operations: ['GenerateMac', 'DescribeKey'] });
      await kms.createGrant({ KeyId: id, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
      const alice = kms.as(ALICE);
      return () => alice.generateMac({ KeyId: id, ...mac });
    };
    expectWithin2x('GenerateMac by a grantee', await costs(2000, 6, await world(1), await world(50_000)));
  }, 60_000);

  it('with 50,000 grants: GenerateMac by a user whose account holds the grants but whose IAM does not allow; ListGrants filtered by grantee; ListRetirableGrants from another Region', async () => {
    const OTHER = '444455556666';
    const world = async (grants: number) => {
      const kms = newKms();
      const Policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
        ],
      });
      const KeyId = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy })).KeyMetadata!.Arn!;
      for (let i = 0; i < grants - 1; i++) {
        await kms.createGrant({ KeyId, GranteePrincipal: `arn:aws:iam::${OTHER}:root`, RetiringPrincipal: 'arn:aws:iam::111122223333:user/R', Operations: ['GenerateMac'] });
      }
      await kms.createGrant({ KeyId, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
      const bob = kms.as(`arn:aws:iam::${OTHER}:user/Bob`); // no identity policy: no grant to his account helps him
      const west = kms.inRegion('us-west-2');
      return {
        refused: () => bob.generateMac({ KeyId, ...mac }).then(() => Promise.reject(new Error('allowed')), (e: Error) => expect(e.name).toBe('AccessDeniedException')),
        filtered: () => kms.listGrants({ KeyId, GranteePrincipal: ALICE }).then((r) => expect(r.Grants).toHaveLength(1)),
        retirable: () => west.listRetirableGrants({ RetiringPrincipal: 'arn:aws:iam::111122223333:user/R', Limit: 1 }).then((r) => expect(r.Grants).toEqual([])),
      };
    };
    const small = await world(1);
    const big = await world(50_000);
    expectWithin2x('GenerateMac refused', await costs(500, 6, small.refused, big.refused));
    expectWithin2x('ListGrants by grantee', await costs(500, 6, small.filtered, big.filtered));
    expectWithin2x('ListRetirableGrants in another Region', await costs(500, 6, small.retirable, big.retirable));
  }, 120_000);

  it('CreateGrant with a Name that 15,000 grants share (an identical retry, and a new grant)', async () => {
    const world = async (shared: number) => {
      const kms = newKms();
      const id = await key(kms);
      for (let i = 0; i < shared; i++) await kms.createGrant({ KeyId: id, GranteePrincipal: `arn:aws:iam::111122223333:user/U${i}`, Operations: ['GenerateMac'], Name: 'shared' });
      return {
        retry: () => kms.createGrant({ KeyId: id, GranteePrincipal: 'arn:aws:iam::111122223333:user/U0', Operations: ['GenerateMac'], Name: 'shared' }),
        fresh: (i: number) => kms.createGrant({ KeyId: id, GranteePrincipal: `arn:aws:iam::111122223333:user/N${i}`, Operations: ['GenerateMac'], Name: 'shared' }),
      };
    };
    const small = await world(1);
    const big = await world(15_000);
    expectWithin2x('an identical retry', await costs(1000, 6, small.retry, big.retry));
    expectWithin2x('a new grant', await costs(300, 6, small.fresh, big.fresh));
  }, 60_000);

  it('CreateAlias + DeleteAlias of one name, again and again, among 49,000 aliases (a V8 Map would degrade)', async () => {
    const world = async (keys: number) => {
      const kms = newKms();
      const ids: string[] = [];
      for (let i = 0; i < keys; i++) ids.push(await key(kms));
      for (let i = 0; i < keys * 49 && keys > 1; i++) await kms.createAlias({ AliasName: `alias/a${i}`, TargetKeyId: ids[i % keys]! });
      const target = ids[0]!;
      return async () => {
        await kms.createAlias({ AliasName: 'alias/churn', TargetKeyId: target });
        await kms.deleteAlias({ AliasName: 'alias/churn' });
      };
    };
    expectWithin2x('CreateAlias + DeleteAlias', await costs(3000, 6, await world(1), await world(1000)));
  }, 60_000);

  it('a ListKeys page at the end of 100,000 keys, and ScheduleKeyDeletion with 80,000 keys pending', async () => {
    const world = async (keys: number, pending: number) => {
      const kms = newKms();
      const ids: string[] = [];
      for (let i = 0; i < keys; i++) ids.push(await key(kms));
      for (let i = 0; i < pending; i++) await kms.scheduleKeyDeletion({ KeyId: ids[i]!, PendingWindowInDays: 7 + (i % 20) });
      // a marker near the end: page through to the last 20 keys
      let marker: string | undefined;
      for (let seen = 0; seen < keys - 20; ) {
        const page = await kms.listKeys({ Limit: Math.min(1000, keys - 20 - seen), ...(marker ? { Marker: marker } : {}) });
        seen += page.Keys!.length;
        marker = page.NextMarker;
      }
      const last = ids[keys - 1]!;
      return {
        list: () => kms.listKeys({ Limit: 10, ...(marker ? { Marker: marker } : {}) }),
        schedule: async () => {
          await kms.scheduleKeyDeletion({ KeyId: last, PendingWindowInDays: 30 });
          await kms.cancelKeyDeletion({ KeyId: last });
        },
      };
    };
    const small = await world(30, 0);
    const big = await world(100_000, 80_000);
    expectWithin2x('a ListKeys page near the end', await costs(2000, 6, small.list, big.list));
    expectWithin2x('ScheduleKeyDeletion + CancelKeyDeletion', await costs(1000, 6, small.schedule, big.schedule));
  }, 120_000);
});
