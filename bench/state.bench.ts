// Durable state (issue #9), in one run: CreateKey and TagResource throughput with a state file (every change
// fdatasync'ed before its answer, group commit) against the same emulator without one, 10 concurrent clients each;
// GenerateMac with and without (it must not change: reads never touch the disk); start-up on a state of 100,000 keys.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HmacKms } from '../src/index.js';
import { openStateFile } from '../src/node/state-file.js';
import { checkTarget, fmtHz, fmtRatio, printTable } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'hmac-kms-state-bench-'));
const wrappingKey = new Uint8Array(32).fill(9);
const CLIENTS = 10;
const rows: string[][] = [];
const verdicts: string[] = [];

/** Calls per second of `clients` concurrent loops of `call` for `ms`. */
async function throughput(call: (client: number, i: number) => Promise<unknown>, ms = 1500, clients = CLIENTS): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        await call(c, i);
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const quotas = { keysPerRegion: 10_000_000 };
  const state = await openStateFile(join(dir, 'writes.state'), { wrappingKey, compactAfter: 1_000_000, kmsOptions: { quotas } });
  const durable = state.kms;
  const memory = new HmacKms({ quotas });
  const keyOf = async (kms: HmacKms) => (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;
  const keys = { durable: await keyOf(durable), memory: await keyOf(memory) };
  const message = { Message: new Uint8Array(32), MacAlgorithm: 'HMAC_SHA_256' as const };
  const cases: [string, (kms: HmacKms, key: string) => (c: number, i: number) => Promise<unknown>][] = [
    ['CreateKey', (kms) => () => kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })],
    ['TagResource', (kms, key) => (c, i) => kms.tagResource({ KeyId: key, Tags: [{ TagKey: `c${c}`, TagValue: `v${i}` }] })],
    ['GenerateMac 32 B', (kms, key) => () => kms.generateMac({ KeyId: key, ...message })],
  ];
  for (const [name, make] of cases) {
    const with_: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < 3; round++) {
      with_.push(await throughput(make(durable, keys.durable)));
      without.push(await throughput(make(memory, keys.memory)));
    }
    const x = median(with_.map((w, i) => w / without[i]!));
    rows.push([`${name}, ${CLIENTS} concurrent clients`, fmtHz(median(with_)), fmtHz(median(without)), fmtRatio(x)]);
    if (name.startsWith('GenerateMac')) verdicts.push(checkTarget('GenerateMac with a state file / without (reads never touch the disk)', x, 0.9));
  }
  await state.close();

  // start-up at 100,000 keys: a state file made once, then opened as `hmac-kms serve --state` opens it
  const big = join(dir, 'big.state');
  const maker = await openStateFile(big, { wrappingKey, kmsOptions: { quotas: { keysPerRegion: 100_000 } }, compactAfter: 1_000_000 });
  for (let i = 0; i < 100_000; i++) await maker.kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: wrappingKey });
  await maker.close(); // compacts: one snapshot of 100,000 keys
  const t = performance.now();
  const opened = await openStateFile(big, { wrappingKey, kmsOptions: { quotas: { keysPerRegion: 100_000 } } });
  const startMs = performance.now() - t;
  await opened.close();
  rows.push([`start-up on a state file of 100,000 keys (${(statSync(big).size / 1e6).toFixed(1)} MB)`, `${(startMs / 1000).toFixed(2)} s`, '', '']);
  verdicts.push(`${startMs < 5000 ? 'OK  ' : 'MISS'} start-up with 100,000 keys: ${(startMs / 1000).toFixed(2)} s (target < 5 s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

printTable(`Durable state (in-process; median of 3 rounds; Node ${process.version})`, ['case', 'with --state', 'without', 'ratio'], rows);
console.log('');
for (const v of verdicts) console.log(v);
