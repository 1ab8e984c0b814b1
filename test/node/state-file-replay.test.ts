// Issue #9: "kill -9 at any instant, followed by a restart on the same file, shows every key, alias, tag, grant, policy
// and state change that a client saw succeed". A random sequence of calls by random callers (test/helpers/world-ops.ts:
// every mutating operation, identity policies, time moving on) runs against a world opened with openStateFile; the
// file is then copied as kill -9 leaves it (no compaction on close) and opened: the world replayed from it must answer
// as the live one — ListKeys, DescribeKey, ListAliases, ListGrants, ListResourceTags, GetKeyPolicy, the MAC of every
// key, and what each principal may do. Half the runs compact every 4 changes (snapshot + journal), half never
// (everything replayed from the journal). Bounded; the seed is printed.
import fc from 'fast-check';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HmacKms } from '../../src/index.js';
import { worldOf } from '../../src/kms.js';
import { openStateFile } from '../../src/node/index.js';
import { T0 } from '../helpers/kms.js';
import { propertyOptions } from '../helpers/property.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { command, newHistory, PRINCIPALS, REGIONS, runCommand, SETUP, type Cmd } from '../helpers/world-ops.js';

const wrappingKey = new Uint8Array(32).map((_, i) => 90 + i);
const SEED = Number(process.env.FC_SEED ?? Date.now() % 1_000_000_000);
const RUNS = 30;
const root = (op: string, a: Record<string, number | boolean | number[]>): Cmd => ({ t: 'call', who: 0, region: 0, op, a });
/**
 * After SETUP (3 keys, one multi-Region; an alias; 2 grants; an identity policy), every other mutating operation of
 * test/helpers/world-ops.ts once, each succeeding, so that every run's journal holds each kind of change.
 */
const EVERY_CHANGE: readonly Cmd[] = [
  root('ScheduleKeyDeletion', { key: 2, form: 0, days: 7 }),
  root('CancelKeyDeletion', { key: 2, form: 1 }), // leaves it Disabled
  root('EnableKey', { key: 2, form: 0 }),
  root('DisableKey', { key: 0, form: 1 }),
  root('EnableKey', { key: 0, form: 0 }),
  root('UpdateKeyDescription', { key: 0, form: 0, text: 1 }),
  root('TagResource', { key: 0, form: 0, tags: [1, 2], value: 3 }),
  root('UntagResource', { key: 0, form: 0, tags: [0] }),
  root('CreateAlias', { key: 1, form: 0, alias: 1 }),
  root('UpdateAlias', { key: 2, form: 0, alias: 1 }),
  root('DeleteAlias', { alias: 0 }),
  root('RetireGrant', { grant: 0, byToken: true }),
  root('RevokeGrant', { grant: 1 }),
  root('PutKeyPolicy', { key: 0, form: 0, policy: 0, bypass: false }),
  root('ReplicateKey', { key: 1, form: 1, to: 1 }),
  root('UpdatePrimaryRegion', { key: 1, form: 1, to: 1 }),
  { t: 'identity', who: 2, policy: 0, name: 1 },
  { t: 'unidentity', who: 1, name: 0 },
];
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmac-kms-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An answer without its request id (a restarted world starts a new prefix), or the error it was. */
async function answer(call: Promise<object>): Promise<unknown> {
  try {
    const { $metadata: _m, ...out } = (await call) as { $metadata?: unknown };
    return out;
  } catch (e) {
    const err = e as Error;
    if (!('$fault' in err)) throw err;
    return { error: err.name, message: err.message };
  }
}

/** Everything the tests compare, seen by each account's root in each Region, and by each principal. */
async function observe(kms: HmacKms): Promise<unknown[]> {
  const out: unknown[] = [];
  const keyArns: string[] = [];
  for (const account of ['111122223333', '444455556666']) {
    for (const region of REGIONS) {
      const k = kms.as(`arn:aws:iam::${account}:root`).inRegion(region);
      const keys: string[] = [];
      let Marker: string | undefined;
      do {
        const page = await k.listKeys({ Limit: 1000, ...(Marker ? { Marker } : {}) });
        keys.push(...page.Keys!.map((x) => x.KeyId!));
        keyArns.push(...page.Keys!.map((x) => x.KeyArn!));
        Marker = page.Truncated ? page.NextMarker : undefined;
      } while (Marker);
      out.push({ account, region, keys });
      for (const KeyId of keys) {
        const described = (await answer(k.describeKey({ KeyId }))) as { KeyMetadata?: { MacAlgorithms: string[] } };
        const algorithm = described.KeyMetadata?.MacAlgorithms[0] ?? 'HMAC_SHA_256'; // a policy may lock the root out
        out.push({
          KeyId,
          described,
          tags: await answer(k.listResourceTags({ KeyId })),
          policy: await answer(k.getKeyPolicy({ KeyId })),
          grants: await answer(k.listGrants({ KeyId })),
          mac: await answer(k.generateMac({ KeyId, Message: new TextEncoder().encode('replayed'), MacAlgorithm: algorithm as 'HMAC_SHA_256' })),
        });
      }
      out.push(await answer(k.listAliases({ Limit: 100 })));
    }
  }
  // what each principal may do now: identity policies, key policies and grants together
  for (const p of PRINCIPALS) {
    const k = kms.as(p);
    out.push(await answer(k.listRetirableGrants({ RetiringPrincipal: p })));
    for (const arn of keyArns) out.push(await answer(k.inRegion(arn.split(':')[3]!).describeKey({ KeyId: arn }).then(() => ({}))));
  }
  return out;
}

describe(`the journal replays every operation (seed ${SEED}, ${RUNS} runs; replay: FC_SEED=${SEED})`, () => {
  it('a world reopened from its file as kill -9 leaves it answers as the live world did', async () => {
    let run = 0;
    const modes = new Set<boolean>();
    const succeeded = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), fc.integer(), fc.boolean(), async (random_, seed, compactOften) => {
        const runDir = join(dir, String(run++));
        const file = join(runDir, 'kms.state');
        const crashed = join(runDir, 'crashed.state');
        const clock = { now: new Date(T0), advance(ms: number) { this.now = new Date(this.now.getTime() + ms); } };
        mkdirSync(runDir);
        const live = await openStateFile(file, { wrappingKey, compactAfter: compactOften ? 4 : 10_000, kmsOptions: { clock: () => clock.now, random: seededRandom(seed) } });
        try {
          const h = newHistory();
          for (const cmd of [...SETUP, ...EVERY_CHANGE]) for (const o of await runCommand(live.kms, cmd, h, clock)) expect(o.error, `${o.op} ${JSON.stringify(o.input)}`).toBeUndefined();
          for (const cmd of random_) for (const o of await runCommand(live.kms, cmd, h, clock)) if (o.output) succeeded.add(o.op);
          const expected = await observe(live.kms); // its first call waits for every change to be on disk
          copyFileSync(file, crashed); // as kill -9 leaves it
          const reopened = await openStateFile(crashed, { wrappingKey, kmsOptions: { clock: () => clock.now, random: seededRandom(seed + 1) } });
          try {
            // never compacted: every change since the file was made is replayed from the journal
            if (!compactOften) expect(reopened.opened.replayed).toBe(worldOf(live.kms).lsn);
            modes.add(compactOften);
            expect(await observe(reopened.kms)).toEqual(expected);
          } finally {
            await reopened.close();
          }
        } finally {
          await live.close();
          rmSync(runDir, { recursive: true, force: true });
        }
      }),
      { ...propertyOptions(RUNS), seed: SEED },
    );
    expect(modes.size).toBe(2); // both: a journal alone, and snapshots followed by a journal
    // the random calls after the fixed start changed the world too (not only refused)
    const changed = [...succeeded].filter((op) => !/^(List|Describe|Get|GenerateMac|VerifyMac)/.test(op));
    for (const op of ['CreateKey', 'TagResource', 'CreateAlias', 'CreateGrant', 'DisableKey']) expect(changed, op).toContain(op);
    expect(changed.length, changed.join(' ')).toBeGreaterThanOrEqual(8); // 11-14 kinds over 8 seeds tried
  });
});
