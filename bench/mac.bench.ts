// The MAC path: our engine vs raw @noble/hashes (one-shot and pre-keyed) vs node:crypto, in one run.
import { createHmac } from 'node:crypto';
import { hmac, type _HMAC } from '@noble/hashes/hmac.js';
import { HMAC_KEY_SPECS } from '../src/crypto/key-specs.js';
import { MacKey } from '../src/crypto/mac-key.js';
import { checkTarget, fmtHz, fmtRatio, measure, printTable, ratio } from './harness.js';

const SIZES = [32, 256, 1024, 4096];
const NODE_HASH = { HMAC_224: 'sha224', HMAC_256: 'sha256', HMAC_384: 'sha384', HMAC_512: 'sha512' } as const;
const rows: string[][] = [];
const verdicts: string[] = [];
let sink = 0;

for (const spec of Object.values(HMAC_KEY_SPECS)) {
  const material = new Uint8Array(spec.keyLength).map((_, i) => (i * 7 + 1) & 0xff);
  const ours = new MacKey(spec.hash, material);
  const keyed: _HMAC<any> = hmac.create(spec.hash, material);
  let scratch: _HMAC<any> | undefined;
  for (const size of SIZES) {
    const msg = new Uint8Array(size).map((_, i) => i & 0xff);
    const r = await measure({
      engine: () => (sink ^= ours.mac(msg)[0]!),
      'noble pre-keyed': () => {
        const s = (scratch = keyed._cloneInto(scratch));
        s.update(msg);
        const out = new Uint8Array(spec.macLength);
        s.digestInto(out);
        sink ^= out[0]!;
      },
      'noble one-shot': () => (sink ^= hmac(spec.hash, material, msg)[0]!),
      'node:crypto': () => (sink ^= createHmac(NODE_HASH[spec.KeySpec], material).update(msg).digest()[0]!),
    });
    const e = r.engine!.hz;
    const pre = ratio(r.engine!, r['noble pre-keyed']!);
    const one = ratio(r.engine!, r['noble one-shot']!);
    rows.push([
      spec.MacAlgorithm, `${size} B`, fmtHz(e), fmtHz(r['noble pre-keyed']!.hz), fmtHz(r['noble one-shot']!.hz),
      fmtHz(r['node:crypto']!.hz), fmtRatio(pre), fmtRatio(one), fmtRatio(ratio(r.engine!, r['node:crypto']!)),
    ]);
    verdicts.push(checkTarget(`${spec.MacAlgorithm} ${size} B engine / noble pre-keyed`, pre, 0.95));
    if (size === 32) verdicts.push(checkTarget(`${spec.MacAlgorithm} 32 B engine / noble one-shot`, one, 2));
  }
}

printTable(
  `HMAC ops/s (median of 5 interleaved rounds, ratios = median of per-round ratios; Node ${process.version}; ratios are the figures, absolute ops/s are noise)`,
  ['algorithm', 'message', 'engine', 'noble pre-keyed', 'noble one-shot', 'node:crypto', 'engine/pre-keyed', 'engine/one-shot', 'engine/node'],
  rows,
);
console.log('');
for (const v of verdicts) console.log(v);
if (sink === 0.5) console.log(sink); // keep results alive
