// Issue #9: no acknowledged write is ever lost. The real `hmac-kms serve --state FILE` runs in a child process while
// concurrent clients (the AWS SDK, no retries) make changes (keys, tags, aliases, grants, deletions, and their
// removals); it is killed with SIGKILL at a random moment, restarted on
// the same file, and every change a client saw succeed must be there — and nothing a client did not see succeed may
// half-exist. Many cycles, some while compacting (--compact-after is small). Bounded in time; the seed is printed.
import { type ListAliasesCommandOutput, type ListKeysCommandOutput, CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DeleteAliasCommand, DescribeKeyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand, ListResourceTagsCommand, RevokeGrantCommand, ScheduleKeyDeletionCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-kms';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/seeded-random.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const WRAPPING_KEY = 'a'.repeat(64);
const CYCLES = Number(process.env.CRASH_CYCLES ?? 12);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'hmac-kms-crash-'));
const file = join(dir, 'kms.state');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(): Promise<{ child: ChildProcess; url: string; out: string[] }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--state', file, '--compact-after', '7', '--quiet'], {
    env: { ...process.env, HMAC_KMS_WRAPPING_KEY: WRAPPING_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d;
      out.push(d.toString());
      const m = /KMS endpoint (http:\/\/\S+)/.exec(text);
      if (m) resolve({ child, url: m[1]!, out });
    });
    child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out.join('')}`)));
  });
}

/** What the clients saw succeed (acknowledged), and what they sent without seeing an answer. */
interface Expected {
  keys: Map<string, { tags: Map<string, string>; aliases: Set<string>; grants: Set<string>; deleted: boolean }>;
  /** Tags, aliases and grants whose removal was acknowledged: they must be gone. */
  removed: { tags: Set<string>; aliases: Set<string>; grants: Set<string> };
  inFlightKeys: number;
}

describe(`kill -9 at random moments (seed ${SEED}, ${CYCLES} cycles; replay: CRASH_SEED=${SEED})`, () => {
  it('every acknowledged write survives, and nothing unacknowledged half-exists', async () => {
    const random = seededRandom(SEED);
    const expected: Expected = { keys: new Map(), removed: { tags: new Set(), aliases: new Set(), grants: new Set() }, inFlightKeys: 0 };
    let counter = 0;
    let acknowledged = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const { child, url } = await start();
      const client = new KMSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
      await verify(client, expected);
      // concurrent writers until the kill
      let killed = false;
      const writer = async (w: number) => {
        while (!killed) {
          const n = ++counter;
          const ids = [...expected.keys.entries()].filter(([, k]) => !k.deleted);
          const choice = random.int(13);
          try {
            if (choice < 3 || ids.length === 0) {
              expected.inFlightKeys++;
              const tag = { TagKey: `created-${n}`, TagValue: `w${w}` };
              const out = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [tag] }));
              expected.inFlightKeys--;
              expected.keys.set(out.KeyMetadata!.KeyId!, { tags: new Map([[tag.TagKey, tag.TagValue]]), aliases: new Set(), grants: new Set(), deleted: false });
            } else {
              const [id, k] = ids[random.int(ids.length)]!;
              if (choice < 6) {
                await client.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: `t${n}`, TagValue: `v${n}` }] }));
                k.tags.set(`t${n}`, `v${n}`);
              } else if (choice < 8) {
                await client.send(new CreateAliasCommand({ AliasName: `alias/a${n}`, TargetKeyId: id }));
                k.aliases.add(`alias/a${n}`);
              } else if (choice < 9) {
                const g = await client.send(new CreateGrantCommand({ KeyId: id, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'], Name: `g${n}` }));
                k.grants.add(g.GrantId!);
              } else if (choice < 10) {
                if (ids.length > 3) {
                  await client.send(new ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
                  k.deleted = true;
                }
              } else {
                // removals: taken out of what must exist before the call (its outcome is unknown until answered),
                // and what must be gone once it is acknowledged
                const pick = <T>(set: Iterable<T>): T | undefined => {
                  const all = [...set];
                  return all.length ? all[random.int(all.length)] : undefined;
                };
                if (choice === 10) {
                  const tag = pick([...k.tags.keys()].filter((t) => t.startsWith('t')));
                  if (tag !== undefined) {
                    k.tags.delete(tag);
                    await client.send(new UntagResourceCommand({ KeyId: id, TagKeys: [tag] }));
                    expected.removed.tags.add(`${id} ${tag}`);
                  }
                } else if (choice === 11) {
                  const alias = pick(k.aliases);
                  if (alias !== undefined) {
                    k.aliases.delete(alias);
                    await client.send(new DeleteAliasCommand({ AliasName: alias }));
                    expected.removed.aliases.add(alias);
                  }
                } else {
                  const grant = pick(k.grants);
                  if (grant !== undefined) {
                    k.grants.delete(grant);
                    await client.send(new RevokeGrantCommand({ KeyId: id, GrantId: grant }));
                    expected.removed.grants.add(grant);
                  }
                }
              }
            }
            acknowledged++;
          } catch {
            // no answer (the server died): the change may or may not have happened — but never half
          }
        }
      };
      const writers = Array.from({ length: 6 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 30 + random.int(250)));
      killed = true;
      child.kill('SIGKILL');
      await Promise.all(writers);
      await new Promise((r) => child.once('exit', r));
      client.destroy();
    }
    // as the last kill left it: the state file never holds material in the clear (nothing to compare against here but
    // the format: sealed change lines, each with its length)
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean)) expect(line).toMatch(/^\d+:[A-Za-z0-9+/]+=*$/);
    const { child, url } = await start();
    const client = new KMSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      await verify(client, expected);
    } finally {
      child.kill('SIGKILL');
      client.destroy();
    }
    expect(acknowledged, 'the clients made changes').toBeGreaterThan(CYCLES * 5);
  }, 240_000);
});

/** Every acknowledged change is there; every key that exists (acknowledged or not) is whole. */
async function verify(client: KMSClient, expected: Expected): Promise<void> {
  const keys: string[] = [];
  let Marker: string | undefined;
  do {
    const page: ListKeysCommandOutput = await client.send(new ListKeysCommand({ Limit: 1000, ...(Marker ? { Marker } : {}) }));
    keys.push(...page.Keys!.map((k) => k.KeyId!));
    Marker = page.Truncated ? page.NextMarker : undefined;
  } while (Marker);
  const aliases = new Map<string, string>();
  Marker = undefined;
  do {
    const page: ListAliasesCommandOutput = await client.send(new ListAliasesCommand({ Limit: 100, ...(Marker ? { Marker } : {}) }));
    for (const a of page.Aliases!) aliases.set(a.AliasName!, a.TargetKeyId!);
    Marker = page.Truncated ? page.NextMarker : undefined;
  } while (Marker);
  for (const [id, k] of expected.keys) {
    expect(keys, `acknowledged key ${id}`).toContain(id);
    const meta = (await client.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
    if (k.deleted) expect(meta.KeyState, `acknowledged deletion of ${id}`).toBe('PendingDeletion');
    const tags = new Map((await client.send(new ListResourceTagsCommand({ KeyId: id }))).Tags!.map((t) => [t.TagKey!, t.TagValue!]));
    for (const [tk, tv] of k.tags) expect(tags.get(tk), `acknowledged tag ${tk} of ${id}`).toBe(tv);
    for (const a of k.aliases) expect(aliases.get(a), `acknowledged alias ${a}`).toBe(id);
    const grants = new Set((await client.send(new ListGrantsCommand({ KeyId: id, Limit: 100 }))).Grants!.map((g) => g.GrantId!));
    for (const g of k.grants) expect(grants.has(g), `acknowledged grant ${g} of ${id}`).toBe(true);
    for (const tk of tags.keys()) expect(expected.removed.tags.has(`${id} ${tk}`), `acknowledged untag of ${tk} on ${id}`).toBe(false);
    for (const g of grants) expect(expected.removed.grants.has(g), `acknowledged revocation of ${g}`).toBe(false);
  }
  for (const a of expected.removed.aliases) expect(aliases.has(a), `acknowledged deletion of ${a}`).toBe(false);
  // a key nobody saw created exists whole (with the tag it was created with) or not at all
  const unacknowledged = keys.filter((id) => !expected.keys.has(id));
  for (const id of unacknowledged) {
    const tags = (await client.send(new ListResourceTagsCommand({ KeyId: id }))).Tags!;
    expect(tags.some((t) => t.TagKey!.startsWith('created-')), `key ${id} exists without its creation tag`).toBe(true);
    expected.keys.set(id, { tags: new Map(tags.map((t) => [t.TagKey!, t.TagValue!])), aliases: new Set(), grants: new Set(), deleted: false });
  }
  expect(unacknowledged.length).toBeLessThanOrEqual(expected.inFlightKeys);
  expected.inFlightKeys = 0;
}
