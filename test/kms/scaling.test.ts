// Issue #10.17: calls cost the same on a full world as on an empty one (within 2×): every lookup is indexed. Each
// cost is the fastest of several batches (the least disturbed by GC and by other tests on the CI's two cores).
import { describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { bytes, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

const ALICE = 'arn:aws:iam::111122223333:user/Alice';
const mac = { Message: bytes('scale'), MacAlgorithm: 'HMAC_SHA_256' as const };

/** The cost of one call, µs: the fastest mean of `rounds` batches of `n` calls. */
async function cost(n: number, rounds: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await call(r * n + i);
    best = Math.min(best, ((performance.now() - t) * 1000) / n);
  }
  return best;
}

const newKms = () => new HmacKms({ clock: () => T0, random: seededRandom(7) });
const key = async (kms: HmacKms) => (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;

describe('no call costs more on a full world (issue #10.17)', () => {
  it('GenerateMac by a grantee on a key with 50,000 grants', async () => {
    const measure = async (grants: number) => {
      const kms = newKms();
      const id = await key(kms);
      for (let i = 0; i < grants - 1; i++) await kms.createGrant({ KeyId: id, GranteePrincipal: `arn:aws:iam::111122223333:user/U${i}`, Operations: ['GenerateMac', 'DescribeKey'] });
      await kms.createGrant({ KeyId: id, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
      const alice = kms.as(ALICE);
      return cost(2000, 5, () => alice.generateMac({ KeyId: id, ...mac }));
    };
    const small = await measure(1);
    const big = await measure(50_000);
    if (process.env.SHOW_COSTS) console.log(`GenerateMac ${big.toFixed(1)} µs vs ${small.toFixed(1)} µs`);
    expect(big / small, `${big.toFixed(1)} µs vs ${small.toFixed(1)} µs`).toBeLessThan(2);
  }, 60_000);

  it('CreateGrant with a Name that 15,000 grants share (an identical retry, and a new grant)', async () => {
    const measure = async (shared: number) => {
      const kms = newKms();
      const id = await key(kms);
      for (let i = 0; i < shared; i++) await kms.createGrant({ KeyId: id, GranteePrincipal: `arn:aws:iam::111122223333:user/U${i}`, Operations: ['GenerateMac'], Name: 'shared' });
      const retry = await cost(1000, 5, () => kms.createGrant({ KeyId: id, GranteePrincipal: 'arn:aws:iam::111122223333:user/U0', Operations: ['GenerateMac'], Name: 'shared' }));
      const fresh = await cost(500, 3, (i) => kms.createGrant({ KeyId: id, GranteePrincipal: `arn:aws:iam::111122223333:user/N${i}`, Operations: ['GenerateMac'], Name: 'shared' }));
      return { retry, fresh };
    };
    const small = await measure(1);
    const big = await measure(15_000);
    if (process.env.SHOW_COSTS) console.log(`CreateGrant retry ${big.retry.toFixed(1)} vs ${small.retry.toFixed(1)}, new ${big.fresh.toFixed(1)} vs ${small.fresh.toFixed(1)} µs`);
    expect(big.retry / small.retry, `retry ${big.retry.toFixed(1)} µs vs ${small.retry.toFixed(1)} µs`).toBeLessThan(2);
    expect(big.fresh / small.fresh, `new ${big.fresh.toFixed(1)} µs vs ${small.fresh.toFixed(1)} µs`).toBeLessThan(2);
  }, 60_000);

  it('a ListKeys page at the end of 100,000 keys, and ScheduleKeyDeletion with 80,000 keys pending', async () => {
    const measure = async (keys: number, pending: number) => {
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
      const list = await cost(2000, 5, () => kms.listKeys({ Limit: 10, ...(marker ? { Marker: marker } : {}) }));
      const last = ids[keys - 1]!;
      const schedule = await cost(1000, 5, async () => {
        await kms.scheduleKeyDeletion({ KeyId: last, PendingWindowInDays: 30 });
        await kms.cancelKeyDeletion({ KeyId: last });
      });
      return { list, schedule };
    };
    const small = await measure(30, 0);
    const big = await measure(100_000, 80_000);
    if (process.env.SHOW_COSTS) console.log(`ListKeys ${big.list.toFixed(1)} vs ${small.list.toFixed(1)}, Schedule+Cancel ${big.schedule.toFixed(1)} vs ${small.schedule.toFixed(1)} µs`);
    expect(big.list / small.list, `ListKeys ${big.list.toFixed(1)} µs vs ${small.list.toFixed(1)} µs`).toBeLessThan(2);
    expect(big.schedule / small.schedule, `Schedule+Cancel ${big.schedule.toFixed(1)} µs vs ${small.schedule.toFixed(1)} µs`).toBeLessThan(2);
  }, 120_000);
});
