// Issue #15: hmac-kms/cloudflare in workerd (miniflare, SQLite-backed Durable Objects persisted on disk), driven by
// the real @aws-sdk/client-kms over HTTP. The world survives disposing miniflare and starting it again on the same
// directory; 50 concurrent CreateGrant calls with one Name make one grant (a single writer); a wrong wrapping key makes
// every request fail clearly, and leaves the stored state as it was for the right key. Built from dist/, as a user
// bundles the package with wrangler. miniflare comes from the runtime matrix (this directory's package.json and
// lockfile, `npm ci --prefix test/runtime`): without it the tests skip saying so, and CI requires it.
// Each test makes the world it needs in a storage directory of its own: any one runs alone (-t), in any order.
import { ListAliasesCommand, GetKeyPolicyCommand, ListResourceTagsCommand, CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, GenerateMacCommand, KMSClient, ListGrantsCommand, ListKeysCommand, TagResourceCommand, VerifyMacCommand, DescribeKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { build } from 'esbuild';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findRuntimeMatrix, use } from '../helpers/tools.js';
import type { StorageView } from './observed-worker.js';
import { withTmpdir } from './own-tmpdir.js';
import { WORKER_BUILD } from './worker-build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRAPPING_KEY = '5a'.repeat(32);
const CREDENTIALS = { AKIDCF: { secretAccessKey: 'cf-secret', principal: 'arn:aws:iam::111122223333:root' } };
const MATRIX = findRuntimeMatrix();

/** A Worker bundled from the built package as wrangler would: its source text, or a file (TypeScript). */
async function bundle(worker: { contents: string } | { file: string }): Promise<string> {
  const out = await build({
    ...WORKER_BUILD,
    ...('file' in worker ? { entryPoints: [worker.file] } : { stdin: { contents: worker.contents, resolveDir: ROOT, loader: 'js' as const } }),
    alias: { 'hmac-kms/cloudflare': join(ROOT, 'dist/cloudflare/index.js'), 'hmac-kms': join(ROOT, 'dist/index.js') },
  });
  return out.outputFiles[0]!.text;
}

// made in beforeAll, removed in afterAll: nothing is left in /tmp when the file's tests are filtered out or skipped
let base: string;
/** miniflare's own temporary directories (./own-tmpdir.ts), inside `base` */
let scratch: string;
/** The Worker of README "Deploy on Cloudflare" */
let script: string;
/** The same Worker with its Durable Object watched (./observed-worker.ts): what it stores, what it draws */
let observedScript: string;

/** An empty directory for one world's Durable Object storage: every test starts from an empty world of its own. */
function freshWorld(): string {
  return mkdtempSync(join(base, 'world-'));
}

async function worker(persist: string, { wrappingKey = WRAPPING_KEY, env = {}, observed = false }: { wrappingKey?: string; env?: Record<string, string>; observed?: boolean } = {}) {
  const { Miniflare } = await import('miniflare');
  const mf = withTmpdir(scratch, () => new Miniflare({
    modules: true,
    script: observed ? observedScript : script,
    compatibilityDate: '2026-04-01',
    port: 0,
    cf: false, // no download of cf.json: tests make no request outside 127.0.0.1
    durableObjects: { KMS: { className: 'HmacKmsObject', useSQLite: true } },
    durableObjectsPersist: persist,
    bindings: { HMAC_KMS_WRAPPING_KEY: wrappingKey, HMAC_KMS_CREDENTIALS: JSON.stringify(CREDENTIALS), ...env },
  }));
  const url = (await mf.ready).href.replace(/\/$/, '');
  const client = new KMSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'AKIDCF', secretAccessKey: 'cf-secret' }, maxAttempts: 1 });
  return { mf, url, client, close: async () => (client.destroy(), await mf.dispose()) };
}

/** What the observed Worker's object stores now, and the statements it made since the last look. */
async function look(w: { url: string }): Promise<StorageView> {
  const res = await fetch(`${w.url}/__test/storage`);
  if (!res.ok) throw new Error(`GET /__test/storage: ${res.status} ${await res.text()}`);
  return (await res.json()) as StorageView;
}

const message = new TextEncoder().encode('edge');

/**
 * Every byte stored by the Durable Objects of one world: each file under its directory. miniflare keeps an object's
 * SQLite database there as <id>.sqlite with its write-ahead log (-wal, where recent writes stay until a checkpoint)
 * and wal-index (-shm), beside metadata.sqlite (and its -wal, -shm); all of them are read.
 */
function stored(persist: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(persist);
  return Buffer.concat(parts);
}

/**
 * The stored database files of one world, by path: every file but the wal-indexes (-shm), which are shared memory that
 * SQLite rebuilds when it opens a database (it changes on opening and reading, and holds no row).
 */
function databaseFiles(persist: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!f.endsWith('-shm')) files[p.slice(persist.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(persist);
  return files;
}

/**
 * The names of the encodings in which `secret` appears in `bytes`: its bytes; hex in either case; base64 and
 * base64url, also inside a longer encoding at any alignment (whole 3-byte groups starting at each of its first three
 * bytes, no padding); its bytes as Latin-1 characters in UTF-8 (a string of bytes in a TEXT column); decimal bytes as
 * JSON lists them.
 */
function leaks(bytes: Buffer, secret: Uint8Array): string[] {
  const raw = Buffer.from(secret);
  const forms: [string, Buffer | string][] = [
    ['raw', raw],
    ['hex', raw.toString('hex')],
    ['HEX', raw.toString('hex').toUpperCase()],
    ['latin1 in UTF-8', Buffer.from(raw.toString('latin1'), 'utf8')],
    ['decimal', Array.from(raw).join(',')],
  ];
  for (let skip = 0; skip < 3; skip++) {
    const groups = raw.subarray(skip, skip + Math.floor((raw.length - skip) / 3) * 3);
    forms.push([`base64+${skip}`, groups.toString('base64')], [`base64url+${skip}`, groups.toString('base64url')]);
  }
  return forms.filter(([, form]) => bytes.includes(form)).map(([name]) => name);
}

/** The material of the key among the isolate's random draws: the bytes whose HMAC-SHA-256 of `message` is `mac`. */
function materialAmong(draws: string[], mac: Uint8Array, length = 32): Buffer {
  const found = new Set<string>();
  for (const draw of draws) {
    const bytes = Buffer.from(draw, 'base64');
    for (let at = 0; at + length <= bytes.length; at++) {
      const candidate = bytes.subarray(at, at + length);
      if (createHmac('sha256', candidate).update(message).digest().equals(mac)) found.add(candidate.toString('hex'));
    }
  }
  expect(found.size, 'the key material, found among the random draws by its MAC').toBe(1);
  return Buffer.from([...found][0]!, 'hex');
}

describe('the search for secrets in stored bytes', () => {
  it('finds a secret written in any of the encodings, at any alignment inside a longer base64, and nothing in other bytes', () => {
    const secret = Uint8Array.from({ length: 32 }, (_, i) => (i * 151 + 7) & 0xff); // bytes above 0x7f too
    const other = Uint8Array.from({ length: 32 }, (_, i) => (i * 151 + 8) & 0xff);
    const around = (text: string | Buffer) => Buffer.concat([Buffer.from('{"x":"'), Buffer.from(text), Buffer.from('"}')]);
    const s = Buffer.from(secret);
    const written = [s, s.toString('hex'), s.toString('hex').toUpperCase(), Buffer.from(s.toString('latin1'), 'utf8'), JSON.stringify(Array.from(s)), JSON.stringify({ $bytes: s.toString('base64') })];
    for (let prefix = 0; prefix < 4; prefix++) {
      const longer = Buffer.concat([Buffer.alloc(prefix, 0xaa), s, Buffer.alloc(5, 0xbb)]);
      written.push(longer.toString('base64'), longer.toString('base64url'));
    }
    for (const text of written) expect(leaks(around(text), secret), String(text)).not.toEqual([]);
    for (const text of written) expect(leaks(around(text), other), String(text)).toEqual([]);
  });
});

/** A world as a team makes it: a tagged key with an alias and a grant, a MAC, and a key pending deletion. */
async function populate(client: KMSClient) {
  const { KeyMetadata } = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'team', TagValue: 'edge' }] }));
  const keyId = KeyMetadata!.KeyId!;
  await client.send(new CreateAliasCommand({ AliasName: 'alias/edge', TargetKeyId: keyId }));
  await client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'env', TagValue: 'preview' }] }));
  const grantId = (await client.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/CI', Operations: ['GenerateMac'], Name: 'ci' }))).GrantId!;
  const mac = (await client.send(new GenerateMacCommand({ KeyId: 'alias/edge', Message: message, MacAlgorithm: 'HMAC_SHA_256' }))).Mac!;
  const doomed = (await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!.KeyId!;
  await client.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
  return { keyId, grantId, mac, doomed };
}

/** A fresh storage directory holding `populate`'s world, written by a worker that is closed again. */
async function populatedWorld() {
  const persist = freshWorld();
  const first = await worker(persist);
  try {
    return { persist, made: await populate(first.client) };
  } finally {
    await first.close();
  }
}

describe('hmac-kms/cloudflare in workerd', () => {
  beforeEach((ctx) => void use(MATRIX, ctx));
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'hmac-kms-cloudflare-'));
    scratch = mkdtempSync(join(base, 'miniflare-'));
    script = await bundle({ contents: "import { HmacKmsObject, createWorker } from 'hmac-kms/cloudflare';\nexport { HmacKmsObject };\nexport default createWorker({ binding: 'KMS' });\n" });
    observedScript = await bundle({ file: fileURLToPath(new URL('observed-worker.ts', import.meta.url)) });
  });
  afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('keys, aliases, grants and MACs through the Worker; GET /health', async () => {
    const w = await worker(freshWorld());
    try {
      const health = await fetch(`${w.url}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', keys: 0 });
      const { keyId, mac } = await populate(w.client);
      expect((await w.client.send(new VerifyMacCommand({ KeyId: keyId, Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid).toBe(true);
      expect(await (await fetch(`${w.url}/health`)).json()).toMatchObject({ keys: 2 });
      // unsigned or wrongly signed requests are refused as AWS refuses them
      const unsigned = await fetch(w.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, body: '{}' });
      expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    } finally {
      await w.close();
    }
  }, 60_000);

  it('after miniflare is disposed and started again on the same directory, everything is there and the MACs are the same', async () => {
    const { persist, made: { keyId, grantId, mac, doomed } } = await populatedWorld();
    const w = await worker(persist);
    try {
      const { Keys } = await w.client.send(new ListKeysCommand({}));
      expect(Keys!.map((k) => k.KeyId)).toEqual([keyId, doomed]);
      expect((await w.client.send(new VerifyMacCommand({ KeyId: 'alias/edge', Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid).toBe(true);
      expect((await w.client.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))).Mac).toEqual(mac);
      expect((await w.client.send(new ListGrantsCommand({ KeyId: keyId }))).Grants!.map((g) => g.GrantId)).toEqual([grantId]);
      expect((await w.client.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([{ TagKey: 'team', TagValue: 'edge' }, { TagKey: 'env', TagValue: 'preview' }]);
      expect((await w.client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState).toBe('Enabled');
      expect((await w.client.send(new DescribeKeyCommand({ KeyId: doomed }))).KeyMetadata!.KeyState).toBe('PendingDeletion');
    } finally {
      await w.close();
    }
  }, 60_000);

  it('50 concurrent clients creating a grant with the same Name make one grant (one writer)', async () => {
    const w = await worker(freshWorld());
    try {
      const keyId = (await w.client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!.KeyId!;
      const ids = await Promise.all(
        Array.from({ length: 50 }, () => w.client.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/Deploy', Operations: ['GenerateMac'], Name: 'deploy' })).then((r) => r.GrantId)),
      );
      expect(new Set(ids).size).toBe(1);
      const grants = (await w.client.send(new ListGrantsCommand({ KeyId: keyId }))).Grants!;
      expect(grants.map((g) => g.Name)).toEqual(['deploy']);
    } finally {
      await w.close();
    }
  }, 60_000);

  it('a wrong wrapping key: every request fails with an AWS JSON 1.1 error saying so, and the stored state is untouched', async () => {
    const { persist, made } = await populatedWorld();
    const filesBefore = databaseFiles(persist);
    const w = await worker(persist, { wrappingKey: '00'.repeat(32) });
    try {
      for (const target of ['ListKeys', 'CreateKey']) {
        const res = await fetch(w.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${target}` }, body: '{}' });
        expect(res.status).toBe(500);
        expect(res.headers.get('x-amzn-errortype')).toBe('KMSInternalException');
        expect(await res.json()).toEqual({ __type: 'KMSInternalException', message: 'the wrapping key does not open this state: it was sealed with another wrapping key' });
      }
    } finally {
      await w.close();
    }
    expect(databaseFiles(persist)).toEqual(filesBefore); // not a byte written
    // the state as it was: the right key opens it, with its keys and grants
    const right = await worker(persist);
    try {
      expect((await right.client.send(new VerifyMacCommand({ KeyId: made.keyId, Message: message, Mac: made.mac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid).toBe(true);
      expect((await right.client.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId)).toEqual([made.keyId, made.doomed]);
      expect((await right.client.send(new ListGrantsCommand({ KeyId: made.keyId }))).Grants!.map((g) => g.GrantId)).toEqual([made.grantId]);
    } finally {
      await right.close();
    }
  }, 60_000);

  it('without HMAC_KMS_CREDENTIALS every request is refused, saying how to set it (a deployed Worker is public); HMAC_KMS_ALLOW_UNSIGNED=true serves unsigned requests', async () => {
    const persist = freshWorld();
    const listKeys = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, body: '{}' });
    const w = await worker(persist, { env: { HMAC_KMS_CREDENTIALS: '' } });
    try {
      const res = await listKeys(w.url);
      expect(res.status).toBe(500);
      expect(((await res.json()) as { message: string }).message).toMatch(/^HMAC_KMS_CREDENTIALS is not set: a deployed Worker is reachable by anyone.*wrangler secret put HMAC_KMS_CREDENTIALS/);
    } finally {
      await w.close();
    }
    const open = await worker(persist, { env: { HMAC_KMS_CREDENTIALS: '', HMAC_KMS_ALLOW_UNSIGNED: 'true' } });
    try {
      const created = await fetch(open.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.CreateKey' }, body: '{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}' });
      expect(created.status).toBe(200);
      const { KeyMetadata } = (await created.json()) as { KeyMetadata: { KeyId: string; AWSAccountId: string } };
      expect(KeyMetadata.AWSAccountId).toBe('111122223333'); // as the account root
      const res = await listKeys(open.url);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { Keys: { KeyId: string }[] }).Keys.map((k) => k.KeyId)).toEqual([KeyMetadata.KeyId]);
    } finally {
      await open.close();
    }
  }, 60_000);

  it('read-only calls write nothing to storage (issue #15.1): 50 of them, answered and refused, make no storage call and change no stored byte', async () => {
    const persist = freshWorld();
    const w = await worker(persist, { observed: true });
    try {
      const { keyId, mac, doomed } = await populate(w.client);
      const rowsBefore = await look(w); // and forgets the statements so far
      const filesBefore = databaseFiles(persist);
      const reads = [
        () => w.client.send(new GenerateMacCommand({ KeyId: 'alias/edge', Message: message, MacAlgorithm: 'HMAC_SHA_256' })),
        () => w.client.send(new VerifyMacCommand({ KeyId: keyId, Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' })),
        () => w.client.send(new DescribeKeyCommand({ KeyId: keyId })),
        () => w.client.send(new ListKeysCommand({})),
        () => w.client.send(new ListAliasesCommand({})),
        () => w.client.send(new ListGrantsCommand({ KeyId: keyId })),
        () => w.client.send(new ListResourceTagsCommand({ KeyId: keyId })),
        () => w.client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })),
        () => w.client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' })), // NotFoundException
        () => w.client.send(new GenerateMacCommand({ KeyId: doomed, Message: message, MacAlgorithm: 'HMAC_SHA_512' })), // KMSInvalidStateException
      ];
      const outcomes: string[] = [];
      for (let round = 0; round < 5; round++) {
        for (const read of reads) outcomes.push(await read().then(() => 'ok', (e: Error) => e.name));
      }
      expect(outcomes.filter((o) => o !== 'ok')).toEqual(Array.from({ length: 5 }, () => ['NotFoundException', 'KMSInvalidStateException']).flat());
      const rowsAfter = await look(w);
      expect(rowsAfter.statements).toEqual([]);
      expect([rowsAfter.snapshot, rowsAfter.changes]).toEqual([rowsBefore.snapshot, rowsBefore.changes]);
      expect(databaseFiles(persist)).toEqual(filesBefore);
      // what a write looks like to both: a statement, and bytes on disk
      await w.client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'read', TagValue: 'then written' }] }));
      expect((await look(w)).statements).toEqual(['INSERT INTO changes (lsn, sealed) VALUES (?, ?)']);
      expect(databaseFiles(persist)).not.toEqual(filesBefore);
    } finally {
      await w.close();
    }
  }, 60_000);

  it('after a restart the state is loaded once, before the first request, however many arrive at once (issue #15.1)', async () => {
    const { persist, made } = await populatedWorld();
    const w = await worker(persist, { observed: true });
    /** The tables each statement read, in order. */
    const reads = (statements: string[]) => statements.filter((q) => /^\s*SELECT\b/i.test(q)).map((q) => /\bFROM\s+(\w+)/i.exec(q)?.[1]);
    const burst = (n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => {
          if (i % 4 === 0) return w.client.send(new GenerateMacCommand({ KeyId: made.keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' })).then((r) => Buffer.from(r.Mac!).equals(made.mac));
          if (i % 4 === 1) return w.client.send(new ListKeysCommand({})).then((r) => r.Keys!.length === 2);
          if (i % 4 === 2) return w.client.send(new DescribeKeyCommand({ KeyId: 'alias/edge' })).then((r) => r.KeyMetadata!.KeyId === made.keyId);
          return w.client.send(new TagResourceCommand({ KeyId: made.keyId, Tags: [{ TagKey: `burst${n}-${i}`, TagValue: 'x' }] })).then(() => true);
        }),
      );
    try {
      expect(await burst(20)).toEqual(Array.from({ length: 20 }, () => true)); // the first requests after the restart, at once
      expect(reads((await look(w)).statements)).toEqual(['snapshot_parts', 'changes']);
      expect(await burst(20)).toEqual(Array.from({ length: 20 }, () => true));
      expect(reads((await look(w)).statements)).toEqual([]);
    } finally {
      await w.close();
    }
  }, 60_000);

  it('compacts into a fresh snapshot every HMAC_KMS_COMPACT_AFTER changes, losing none: the stored rows after each call, and after a restart', async () => {
    const persist = freshWorld();
    const w = await worker(persist, { observed: true, env: { HMAC_KMS_COMPACT_AFTER: '3' } });
    const rows = async () => {
      const { snapshot, changes } = await look(w);
      return { snapshot: snapshot.lsn, changes: changes.map((c) => c.lsn) };
    };
    const seen: Awaited<ReturnType<typeof rows>>[] = [];
    let keyId: string;
    try {
      expect(await rows()).toEqual({ snapshot: 0, changes: [] }); // the empty world, stored when first loaded
      keyId = (await w.client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).KeyMetadata!.KeyId!;
      seen.push(await rows());
      for (let i = 0; i < 10; i++) {
        await w.client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: `t${i}`, TagValue: `${i}` }] }));
        seen.push(await rows());
      }
    } finally {
      await w.close();
    }
    // one change per call; after change n the snapshot includes every change up to the last multiple of 3 and the
    // changes table holds the ones after it: rewritten at changes 3, 6 and 9, emptied each time
    expect(seen).toEqual(
      Array.from({ length: 11 }, (_, i) => {
        const n = i + 1;
        const snapshot = n - (n % 3);
        return { snapshot, changes: Array.from({ length: n % 3 }, (_, j) => snapshot + 1 + j) };
      }),
    );
    const again = await worker(persist, { observed: true });
    try {
      // snapshot 9 and changes 10 and 11 (the tags t8 and t9) loaded; nothing rewritten by loading or reading
      const { Tags } = await again.client.send(new ListResourceTagsCommand({ KeyId: keyId }));
      expect(Tags).toEqual(Array.from({ length: 10 }, (_, i) => ({ TagKey: `t${i}`, TagValue: `${i}` })));
      const { snapshot, changes } = await look(again);
      expect({ snapshot: snapshot.lsn, changes: changes.map((c) => c.lsn) }).toEqual({ snapshot: 9, changes: [10, 11] });
    } finally {
      await again.close();
    }
  }, 60_000);

  it('a snapshot of several rows with characters of several bytes (an emoji across the row boundary) is stored by compaction and read back whole', async () => {
    // 70 descriptions of 4,095 emoji (8,190 UTF-16 units, 16,380 bytes of UTF-8): a snapshot of ~1.17 MB, two rows of
    // at most 1 MB; compacting every 35 changes, the 70th CreateKey stores it and empties the changes table
    const description = (i: number) => `${i}:${'😀🔑'.repeat(4095)}`.slice(0, 8190);
    const ids: string[] = [];
    const persist = freshWorld();
    const w = await worker(persist, { observed: true, env: { HMAC_KMS_COMPACT_AFTER: '35' } });
    let stored: StorageView;
    try {
      for (let i = 0; i < 70; i++) ids.push((await w.client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: description(i) }))).KeyMetadata!.KeyId!);
      stored = await look(w);
    } finally {
      await w.close();
    }
    expect(stored.changes).toEqual([]);
    expect(stored.snapshot.lsn).toBe(70);
    expect(stored.snapshot.rows.map((r) => r.bytes)).toEqual([1_000_000, expect.any(Number)]);
    expect(stored.snapshot.rows[1]!.first & 0xc0).toBe(0x80); // the second row starts inside a character
    const again = await worker(persist, { observed: true });
    try {
      for (const [i, id] of ids.entries()) expect((await again.client.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.Description).toBe(description(i));
      const { snapshot, changes } = await look(again);
      expect([snapshot.lsn, snapshot.mac, changes]).toEqual([70, stored.snapshot.mac, []]); // read from those rows alone
    } finally {
      await again.close();
    }
  }, 120_000);

  it('stores no key material, MAC or grant token in any encoding: in a stored change, and in a snapshot written by compaction', async () => {
    // the material of a key created in workerd is known from the isolate's random draws (./observed-worker.ts)
    const persist = freshWorld();
    const w = await worker(persist, { observed: true, env: { HMAC_KMS_COMPACT_AFTER: '3' } });
    let keyId: string, mac: Uint8Array, token: string, material: Buffer, before: StorageView;
    try {
      keyId = (await w.client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'the probed key' }))).KeyMetadata!.KeyId!;
      mac = (await w.client.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))).Mac!;
      token = (await w.client.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/X', Operations: ['GenerateMac'] }))).GrantToken!;
      before = await look(w);
      material = materialAmong(before.draws, mac);
    } finally {
      await w.close();
    }
    // the material is in change 1 (CreateKey's record holds its random draws), sealed; not yet in a snapshot
    expect([before.snapshot.lsn, before.changes.map((c) => c.lsn)]).toEqual([0, [1, 2]]);
    let bytes = stored(persist);
    for (const { sealed } of before.changes) expect(bytes.includes(sealed), 'a stored change, as SQL reads it, is in the bytes searched').toBe(true);
    expect([leaks(bytes, material), leaks(bytes, mac), leaks(bytes, Buffer.from(token))]).toEqual([[], [], []]);

    // the third change compacts: the snapshot the object writes holds the material, sealed
    const again = await worker(persist, { observed: true, env: { HMAC_KMS_COMPACT_AFTER: '3' } });
    let after: StorageView;
    try {
      await again.client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'probe', TagValue: 'yes' }] }));
      expect((await again.client.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }))).Mac).toEqual(mac);
      after = await look(again);
    } finally {
      await again.close();
    }
    expect([after.snapshot.lsn, after.changes]).toEqual([3, []]);
    bytes = stored(persist);
    expect(bytes.includes(after.snapshot.mac) && bytes.includes('the probed key'), 'the stored snapshot is in the bytes searched').toBe(true);
    expect([leaks(bytes, material), leaks(bytes, mac), leaks(bytes, Buffer.from(token))]).toEqual([[], [], []]);
  }, 60_000);
});
