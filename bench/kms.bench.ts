// HmacKms.generateMac (the whole pipeline, as the account root, audit off) against the raw pre-keyed noble HMAC, in
// one run; per-call cost with 100,000 keys against 10 keys; heap bytes per idle key.
import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createHmac } from 'node:crypto';
import { HmacKms } from '../src/index.js';
import { nodeMacEngine } from '../src/node/crypto.js';
import { checkTarget, fmtHz, fmtRatio, measure, printTable, ratio } from './harness.js';

const material = new Uint8Array(32).map((_, i) => i + 1);
const rows: string[][] = [];
const verdicts: string[] = [];
let sink = 0;

const gc = (globalThis as { gc?: () => void }).gc;

async function keysWorld(n: number): Promise<{ kms: HmacKms; ids: string[] }> {
  const kms = new HmacKms({ quotas: { keysPerRegion: n } });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: material })).KeyMetadata!.KeyId!);
  return { kms, ids };
}

// Baselines are async functions like the calls they are compared with: tinybench times an async task through its
// own await and promise (~0.1–0.3 µs a call here, measured), a cost of the harness, not of the pipeline. The
// pipeline's own promise is still counted: each call awaits generateMac.

// 1. generateMac vs raw noble pre-keyed, HMAC_256
{
  const { kms, ids } = await keysWorld(1);
  const KeyId = ids[0]!;
  const keyed: _HMAC<any> = hmac.create(sha256, material);
  let scratch: _HMAC<any> | undefined;
  for (const size of [32, 4096]) {
    const Message = new Uint8Array(size).map((_, i) => i & 0xff);
    const input = { KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' as const };
    const r = await measure({
      'kms.generateMac': async () => {
        sink ^= (await kms.generateMac(input)).Mac![0]!;
      },
      'noble pre-keyed': async () => {
        const s = (scratch = keyed._cloneInto(scratch));
        s.update(Message);
        const out = new Uint8Array(32);
        s.digestInto(out);
        sink ^= out[0]!;
      },
    });
    const x = ratio(r['kms.generateMac']!, r['noble pre-keyed']!);
    rows.push([`generateMac ${size} B`, fmtHz(r['kms.generateMac']!.hz), fmtHz(r['noble pre-keyed']!.hz), fmtRatio(x)]);
    verdicts.push(checkTarget(`generateMac ${size} B / noble pre-keyed`, x, size === 32 ? 0.65 : 0.8));
  }
}

// 1b. generateMac on the node:crypto engine (hmac-kms/node's nodeMacEngine, what `hmac-kms serve` uses) against
//     node:crypto.createHmac itself (key given as bytes, each call), HMAC_256
{
  const kms = new HmacKms({ macEngine: nodeMacEngine });
  const KeyId = (await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: material })).KeyMetadata!.KeyId!;
  for (const size of [32, 4096]) {
    const Message = new Uint8Array(size).map((_, i) => i & 0xff);
    const input = { KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' as const };
    const r = await measure({
      'kms.generateMac (node engine)': async () => {
        sink ^= (await kms.generateMac(input)).Mac![0]!;
      },
      'node:crypto createHmac': async () => {
        sink ^= createHmac('sha256', material).update(Message).digest()[0]!;
      },
    });
    const x = ratio(r['kms.generateMac (node engine)']!, r['node:crypto createHmac']!);
    rows.push([`generateMac ${size} B, node:crypto engine vs createHmac`, fmtHz(r['kms.generateMac (node engine)']!.hz), fmtHz(r['node:crypto createHmac']!.hz), fmtRatio(x)]);
    if (size === 4096) verdicts.push(checkTarget('generateMac 4096 B with nodeMacEngine / node:crypto createHmac', x, 0.8));
  }
}

// 2. per-call cost with 100,000 keys vs 10 keys (a random key each call). A key's HMAC states are keyed on its first
//    MAC (idle keys hold only their material), so both worlds are first used once per key: the comparison is of
//    steady-state lookups; the one-time first-use cost is reported apart. A random key among 10 keys of the big world
//    separates the world's size (indexes, heap) from the memory latency of reaching a random one of 100,000 keys
//    (its id string, Map bucket and entry, record, MacKey and midstate slot: about six cache misses a call).
let heapPerKey = 0;
{
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const big = await keysWorld(100_000);
  gc?.();
  heapPerKey = (process.memoryUsage().heapUsed - before) / 100_000;
  const Message = new Uint8Array(32);
  const t0 = performance.now();
  for (const KeyId of big.ids) sink ^= (await big.kms.generateMac({ KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' })).Mac![0]!;
  const firstUseUs = ((performance.now() - t0) * 1000) / big.ids.length;
  const small = await keysWorld(10);
  for (const KeyId of small.ids) await small.kms.generateMac({ KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' });
  const hot = big.ids.filter((_, n) => n % 10_000 === 0);
  let i = 0;
  const pick = (ids: string[]) => ids[(i = (i * 1103515245 + 12345) >>> 0) % ids.length]!;
  const r = await measure({
    '100,000 keys': async () => {
      sink ^= (await big.kms.generateMac({ KeyId: pick(big.ids), Message, MacAlgorithm: 'HMAC_SHA_256' })).Mac![0]!;
    },
    '10 keys': async () => {
      sink ^= (await small.kms.generateMac({ KeyId: pick(small.ids), Message, MacAlgorithm: 'HMAC_SHA_256' })).Mac![0]!;
    },
    // the same big world, a random key among 10 of its keys: what the world's size costs apart from the keys' memory
    '10 keys of the 100,000': async () => {
      sink ^= (await big.kms.generateMac({ KeyId: pick(hot), Message, MacAlgorithm: 'HMAC_SHA_256' })).Mac![0]!;
    },
  });
  const x = ratio(r['100,000 keys']!, r['10 keys']!);
  rows.push(['generateMac 32 B, random key of 100,000 vs of 10', fmtHz(r['100,000 keys']!.hz), fmtHz(r['10 keys']!.hz), fmtRatio(x)]);
  rows.push(['generateMac 32 B, random key among 10 of a 100,000-key world vs of a 10-key world', fmtHz(r['10 keys of the 100,000']!.hz), fmtHz(r['10 keys']!.hz), fmtRatio(ratio(r['10 keys of the 100,000']!, r['10 keys']!))]);
  rows.push(['first MAC of each of 100,000 keys (keys the HMAC states) vs steady state', fmtHz(1e6 / firstUseUs), fmtHz(r['100,000 keys']!.hz), fmtRatio(1e6 / firstUseUs / r['100,000 keys']!.hz)]);
  verdicts.push(checkTarget('throughput with 100,000 keys / with 10 keys', x, 0.85));
}

// 3. an IAM user allowed through key-policy delegation + an IAM policy, against the account root, same key
{
  const { kms, ids } = await keysWorld(1);
  const KeyId = ids[0]!;
  const user = 'arn:aws:iam::111122223333:user/Signer';
  kms.putIdentityPolicy(user, 'mac', JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['kms:GenerateMac', 'kms:VerifyMac'], Resource: 'arn:aws:kms:us-east-1:111122223333:key/*', Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } } },
      { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
    ],
  }));
  const signer = kms.as(user);
  const Message = new Uint8Array(32);
  const input = { KeyId: `arn:aws:kms:us-east-1:111122223333:key/${KeyId}`, Message, MacAlgorithm: 'HMAC_SHA_256' as const };
  const r = await measure({
    'IAM user': async () => {
      sink ^= (await signer.generateMac(input)).Mac![0]!;
    },
    root: async () => {
      sink ^= (await kms.generateMac(input)).Mac![0]!;
    },
  });
  const x = ratio(r['IAM user']!, r.root!);
  rows.push(['generateMac 32 B as an IAM user (key policy delegation + IAM with a condition) vs as root', fmtHz(r['IAM user']!.hz), fmtHz(r.root!.hz), fmtRatio(x)]);
  verdicts.push(checkTarget('IAM user / root throughput', x, 0.9));
}

printTable(`HmacKms MAC path (median of 5 interleaved rounds; Node ${process.version}; ratios are the figures)`, ['case', 'ops/s', 'baseline ops/s', 'ratio'], rows);
console.log(`\nheap per idle key (100,000 seeded HMAC_256 keys, never used${gc ? '' : '; run with --expose-gc for a clean figure'}): ${Math.round(heapPerKey)} bytes`);
console.log('');
for (const v of verdicts) console.log(v);
if (sink === 0.5) console.log(sink);
