// Writes test/fixtures/state-file-v2.state: a state file of version 2 as `hmac-kms serve --state` leaves it when
// killed (a snapshot line, then sealed change lines), made deterministically — a fixed wrapping key, a seeded random
// source (SHA-256 of a counter), a fixed clock — so that test/node/state-file-fixture.test.ts can check that today's
// code still reads it. The fixture is pinned: this script refuses to overwrite it (a new file format gets a new
// fixture next to it; the old one must keep opening). It prints what the test expects.
// Usage: npm run build && node scripts/make-state-file-fixture.mjs [OUT]
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStateFile } from '../dist/node/index.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../test/fixtures/state-file-v2.state', import.meta.url));
if (existsSync(out)) {
  console.error(`${out} exists: a pinned fixture is never remade`);
  process.exit(1);
}

const A = '111122223333';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const BOB = `arn:aws:iam::${A}:user/Bob`;
const DAY = 86_400_000;
const wrappingKey = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
let counter = 0;
const random = (n) => {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 32) bytes.set(createHash('sha256').update(`state-file-v2 fixture ${counter++}`).digest().subarray(0, Math.min(32, n - i)), i);
  return bytes;
};
const clock = { now: new Date('2026-01-01T00:00:00.000Z') };
const material = (n) => Uint8Array.from({ length: n }, (_, i) => i + 1);

const dir = mkdtempSync(join(tmpdir(), 'hmac-kms-fixture-'));
const file = join(dir, 'kms.state');
try {
  const s = await openStateFile(file, {
    wrappingKey,
    kmsOptions: { clock: () => clock.now, random },
    initialize: async (kms) => {
      await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: material(32), KeyId: '11111111-1111-4111-8111-111111111111', Description: 'pinned', Tags: [{ TagKey: 'team', TagValue: 'blue' }] });
      await kms.seedKey({ KeySpec: 'HMAC_224', KeyMaterial: material(28), KeyId: '22222222-2222-4222-8222-222222222222' });
      kms.putIdentityPolicy(BOB, 'describe', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] }));
    },
  });
  const kms = s.kms;
  // into the snapshot (compacted below)
  clock.now = new Date(clock.now.getTime() + DAY);
  const b = (await kms.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'created', Tags: [{ TagKey: 'env', TagValue: 'test' }] })).KeyMetadata.KeyId;
  await kms.createAlias({ AliasName: 'alias/pinned', TargetKeyId: '11111111-1111-4111-8111-111111111111' });
  const g1 = await kms.createGrant({ KeyId: '11111111-1111-4111-8111-111111111111', GranteePrincipal: ALICE, Operations: ['GenerateMac', 'VerifyMac', 'RetireGrant'], Name: 'pinned-grant' });
  await s.compact();
  // left as change lines, as kill -9 leaves them
  clock.now = new Date(clock.now.getTime() + DAY);
  const c = (await kms.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
  await kms.tagResource({ KeyId: c, Tags: [{ TagKey: 'cost', TagValue: '42' }, { TagKey: 'owner', TagValue: 'me' }] });
  await kms.untagResource({ KeyId: c, TagKeys: ['owner'] });
  await kms.createAlias({ AliasName: 'alias/second', TargetKeyId: c });
  await kms.updateAlias({ AliasName: 'alias/second', TargetKeyId: b });
  await kms.putKeyPolicy({ KeyId: b, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'pinned', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }] }, null, 2) });
  await kms.disableKey({ KeyId: b });
  await kms.disableKey({ KeyId: c });
  await kms.enableKey({ KeyId: c });
  await kms.scheduleKeyDeletion({ KeyId: '22222222-2222-4222-8222-222222222222', PendingWindowInDays: 7 });
  const g2 = await kms.createGrant({ KeyId: c, GranteePrincipal: ALICE, RetiringPrincipal: BOB, Operations: ['GenerateMac'] });
  kms.putIdentityPolicy(ALICE, 'list', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' }] }));
  const macC = (await kms.generateMac({ KeyId: c, Message: new TextEncoder().encode('pinned'), MacAlgorithm: 'HMAC_SHA_512' })).Mac;
  copyFileSync(file, out); // before close (which compacts)
  await s.close();
  console.log(JSON.stringify({ b, c, g1: { id: g1.GrantId, token: g1.GrantToken }, g2: { id: g2.GrantId, token: g2.GrantToken }, macC: Buffer.from(macC).toString('hex') }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
