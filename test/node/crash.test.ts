// Issue #9: no acknowledged write is ever lost. The real `hmac-kms serve --state FILE` runs in a child process while
// concurrent clients (the AWS SDK, no retries) make changes — keys, tags, aliases (created, moved, deleted), grants,
// key policies, DisableKey/EnableKey, ScheduleKeyDeletion/CancelKeyDeletion, and removals — it is killed with SIGKILL
// at a random moment, restarted on the same file, and every change a client saw succeed must be there, and nothing a
// client did not see succeed may half-exist. Many cycles, some while compacting (--compact-after is small). Bounded in
// time; the seed is printed.
import {
  type ListAliasesCommandOutput,
  type ListKeysCommandOutput,
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../helpers/seeded-random.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const WRAPPING_KEY = 'a'.repeat(64);
const CYCLES = Number(process.env.CRASH_CYCLES ?? 12);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
let dir: string;
let file: string;
/** Every `serve` started and not yet exited: none may outlive the suite, whatever fails. */
const running = new Set<ChildProcess>();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmac-kms-crash-'));
  file = join(dir, 'kms.state');
});
afterAll(async () => {
  await Promise.all([...running].map(stop));
  rmSync(dir, { recursive: true, force: true });
});

function start(): Promise<{ child: ChildProcess; url: string; out: string[] }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--state', file, '--compact-after', '7', '--quiet'], {
    env: { ...process.env, HMAC_KMS_WRAPPING_KEY: WRAPPING_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
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

/** SIGKILL, and wait until it is gone. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const clientOf = (url: string) => new KMSClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
/** The key policy a key was created with (the default), in a set of policies a key may have. */
const DEFAULT = '(default)';
/** In every policy the clients put (and in no default policy). */
const MARK = 'crash-p';
const policyText = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: `${MARK}${n}`, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] });

interface KeyModel {
  /** Acknowledged tags: each must be there, with this value. */
  tags: Map<string, string>;
  /** Acknowledged grants: each must be there. */
  grants: Set<string>;
  /** The states the key may be in: one once known; two while a change of state was sent and not answered. */
  states: Set<KeyState>;
  /** The policies it may have (DEFAULT among them: the one it was created with); undefined: never changed. */
  policies: Set<string> | undefined;
}

/** What the clients saw succeed (acknowledged), and what they sent without seeing an answer. */
interface Expected {
  keys: Map<string, KeyModel>;
  /** Each alias the clients know of, and the keys it may point to (one once known; two while a move is unanswered). */
  aliases: Map<string, Set<string>>;
  /** Tags, aliases and grants whose removal was acknowledged: they must be gone. */
  removed: { tags: Set<string>; aliases: Set<string>; grants: Set<string> };
  inFlightKeys: number;
}

/** The errors a call may be answered with when another client changed the key's state first. */
const STATE_RACES = new Set(['KMSInvalidStateException', 'DisabledException']);
const REFUSED = Symbol('refused');

describe(`kill -9 at random moments (seed ${SEED}, ${CYCLES} cycles; replay: CRASH_SEED=${SEED})`, () => {
  it('every acknowledged write survives, and nothing unacknowledged half-exists', async () => {
    const random = seededRandom(SEED);
    const expected: Expected = { keys: new Map(), aliases: new Map(), removed: { tags: new Set(), aliases: new Set(), grants: new Set() }, inFlightKeys: 0 };
    /** Calls sent and answered with success, by operation. */
    const acknowledged: Record<string, number> = {};
    /** Calls answered with an error that no race explains (a lost key would answer NotFoundException). */
    const unexplained: string[] = [];
    let counter = 0;
    /** Keys and aliases with a change of state, policy or target in flight: one such change at a time each. */
    const busy = new Set<string>();

    /**
     * Sends a call: its output when it was answered with success (acknowledged); REFUSED when it was answered with an
     * error (no change made); throws when no answer came (the server was killed: the change may or may not be made).
     */
    async function answered<T>(op: string, call: Promise<T>): Promise<T | typeof REFUSED> {
      try {
        const out = await call;
        acknowledged[op] = (acknowledged[op] ?? 0) + 1;
        return out;
      } catch (e) {
        const err = e as Error & { $metadata?: { httpStatusCode?: number } };
        if (err.$metadata?.httpStatusCode === 400 && STATE_RACES.has(err.name)) return REFUSED;
        if (err.$metadata?.httpStatusCode !== undefined) unexplained.push(`${op}: ${err.name}: ${err.message}`);
        throw e;
      }
    }

    const pick = <T>(items: Iterable<T>): T | undefined => {
      const all = [...items];
      return all.length ? all[random.int(all.length)] : undefined;
    };
    const stateOf = (k: KeyModel): KeyState | undefined => (k.states.size === 1 ? [...k.states][0] : undefined);
    /** Keys known to be Enabled or Disabled: tags, aliases and grants go to them. */
    const usable = () => [...expected.keys].filter(([, k]) => stateOf(k) === 'Enabled' || stateOf(k) === 'Disabled');
    /** Keys whose state is known and that have no change of state or policy in flight. */
    const settled = (state?: KeyState) => [...expected.keys].filter(([id, k]) => !busy.has(id) && stateOf(k) !== undefined && (state === undefined || stateOf(k) === state));

    /** One change of a key's state (or policy), the only one in flight for that key. */
    async function changeState(op: string, id: string, k: KeyModel, to: KeyState, call: () => Promise<unknown>): Promise<void> {
      const from = stateOf(k)!;
      busy.add(id);
      k.states = new Set([from, to]);
      try {
        k.states = new Set([(await answered(op, call())) === REFUSED ? from : to]);
      } finally {
        busy.delete(id);
      }
    }

    /** One call of a random kind, or none when there is nothing to call it on. */
    async function write(client: KMSClient, w: number): Promise<void> {
      const n = ++counter;
      const choice = random.int(15);
      const keys = usable();
      if (choice < 3 || keys.length === 0) {
        expected.inFlightKeys++;
        const tag = { TagKey: `created-${n}`, TagValue: `w${w}` };
        const out = await answered('CreateKey', client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [tag] })));
        expected.inFlightKeys--;
        if (out !== REFUSED) expected.keys.set(out.KeyMetadata!.KeyId!, { tags: new Map([[tag.TagKey, tag.TagValue]]), grants: new Set(), states: new Set(['Enabled']), policies: undefined });
        return;
      }
      const [id, k] = pick(keys)!;
      switch (choice) {
        case 3:
        case 4: {
          if ((await answered('TagResource', client.send(new TagResourceCommand({ KeyId: id, Tags: [{ TagKey: `t${n}`, TagValue: `v${n}` }] })))) !== REFUSED) k.tags.set(`t${n}`, `v${n}`);
          return;
        }
        case 5: {
          // removals: taken out of what must exist before the call (its outcome is unknown until answered), and put
          // in what must be gone once it is acknowledged
          const tag = pick([...k.tags.keys()].filter((t) => t.startsWith('t')));
          if (tag === undefined) return;
          k.tags.delete(tag);
          if ((await answered('UntagResource', client.send(new UntagResourceCommand({ KeyId: id, TagKeys: [tag] })))) !== REFUSED) expected.removed.tags.add(`${id} ${tag}`);
          return;
        }
        case 6: {
          const alias = `alias/a${n}`;
          if ((await answered('CreateAlias', client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: id })))) !== REFUSED) expected.aliases.set(alias, new Set([id]));
          return;
        }
        case 7: {
          const alias = pick([...expected.aliases].filter(([a, targets]) => !busy.has(a) && targets.size === 1 && !targets.has(id)).map(([a]) => a));
          if (alias === undefined) return;
          const [from] = expected.aliases.get(alias)!;
          busy.add(alias);
          expected.aliases.set(alias, new Set([from!, id]));
          try {
            const out = await answered('UpdateAlias', client.send(new UpdateAliasCommand({ AliasName: alias, TargetKeyId: id })));
            expected.aliases.set(alias, new Set([out === REFUSED ? from! : id]));
          } finally {
            busy.delete(alias);
          }
          return;
        }
        case 8: {
          const alias = pick([...expected.aliases.keys()].filter((a) => !busy.has(a)));
          if (alias === undefined) return;
          expected.aliases.delete(alias);
          if ((await answered('DeleteAlias', client.send(new DeleteAliasCommand({ AliasName: alias })))) !== REFUSED) expected.removed.aliases.add(alias);
          return;
        }
        case 9: {
          if (stateOf(k) !== 'Enabled') return; // a grant needs an enabled key
          const g = await answered('CreateGrant', client.send(new CreateGrantCommand({ KeyId: id, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'], Name: `g${n}` })));
          if (g !== REFUSED) k.grants.add(g.GrantId!);
          return;
        }
        case 10: {
          const [gid, gk] = pick([...expected.keys].flatMap(([kid, m]) => [...m.grants].map((g) => [g, kid] as const))) ?? [];
          if (gid === undefined) return;
          expected.keys.get(gk!)!.grants.delete(gid);
          if ((await answered('RevokeGrant', client.send(new RevokeGrantCommand({ KeyId: gk, GrantId: gid })))) !== REFUSED) expected.removed.grants.add(gid);
          return;
        }
        case 11: {
          const [pid, pk] = pick(settled()) ?? [];
          if (pid === undefined || (pk!.policies && pk!.policies.size !== 1)) return;
          const before = pk!.policies ?? new Set([DEFAULT]);
          const text = policyText(n);
          busy.add(pid);
          pk!.policies = new Set([...before, text]);
          try {
            const out = await answered('PutKeyPolicy', client.send(new PutKeyPolicyCommand({ KeyId: pid, PolicyName: 'default', Policy: text })));
            pk!.policies = out === REFUSED ? before : new Set([text]);
          } finally {
            busy.delete(pid);
          }
          return;
        }
        case 12: {
          const disabled = settled('Disabled');
          const [sid, sk] = pick(disabled.length && random.int(2) === 0 ? disabled : [...settled('Enabled'), ...disabled]) ?? []; // as many enables as disables
          if (sid === undefined) return;
          if (stateOf(sk!) === 'Enabled') await changeState('DisableKey', sid, sk!, 'Disabled', () => client.send(new DisableKeyCommand({ KeyId: sid })));
          else await changeState('EnableKey', sid, sk!, 'Enabled', () => client.send(new EnableKeyCommand({ KeyId: sid })));
          return;
        }
        case 13: {
          const live = [...settled('Enabled'), ...settled('Disabled')];
          if (live.length <= 3) return; // keep keys to work on
          const [sid, sk] = pick(live)!;
          await changeState('ScheduleKeyDeletion', sid, sk, 'PendingDeletion', () => client.send(new ScheduleKeyDeletionCommand({ KeyId: sid, PendingWindowInDays: 7 })));
          return;
        }
        default: {
          // CancelKeyDeletion leaves the key Disabled (API CancelKeyDeletion)
          const [sid, sk] = pick(settled('PendingDeletion')) ?? [];
          if (sid === undefined) return;
          await changeState('CancelKeyDeletion', sid, sk!, 'Disabled', () => client.send(new CancelKeyDeletionCommand({ KeyId: sid })));
        }
      }
    }

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const { child, url } = await start();
      const client = clientOf(url);
      try {
        await verify(client, expected);
        // concurrent writers until the kill
        let killed = false;
        const writer = async (w: number) => {
          while (!killed) {
            try {
              await write(client, w);
            } catch {
              // no answer (the server died): the change may or may not have happened — but never half
            }
          }
        };
        const writers = Array.from({ length: 6 }, (_, w) => writer(w));
        await new Promise((r) => setTimeout(r, 30 + random.int(250)));
        killed = true;
        await stop(child);
        await Promise.all(writers);
      } finally {
        await stop(child);
        client.destroy();
      }
    }
    // as the last kill left it: the state file never holds material in the clear (nothing to compare against here but
    // the format: sealed change lines, each with its length)
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean)) expect(line).toMatch(/^[1-9]\d*:[A-Za-z0-9+/]+=*$/);
    const { child, url } = await start();
    const client = clientOf(url);
    try {
      await verify(client, expected);
    } finally {
      await stop(child);
      client.destroy();
    }
    expect(unexplained, 'calls answered with an error no race explains').toEqual([]);
    const total = Object.values(acknowledged).reduce((a, b) => a + b, 0);
    console.log(`acknowledged (seed ${SEED}): ${total}`, acknowledged);
    expect(total, 'the clients made changes').toBeGreaterThan(CYCLES * 5);
    if (CYCLES >= 12) {
      for (const op of ['CreateKey', 'TagResource', 'UntagResource', 'CreateAlias', 'UpdateAlias', 'DeleteAlias', 'CreateGrant', 'RevokeGrant', 'PutKeyPolicy', 'DisableKey', 'EnableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion']) {
        expect(acknowledged[op] ?? 0, `${op} acknowledged at least once`).toBeGreaterThan(0);
      }
    }
  }, 240_000);
});

/** Every acknowledged change is there; every key and alias that exists (acknowledged or not) is whole. */
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
  // a key nobody saw created exists whole (with the tag it was created with) or not at all
  const unacknowledged = keys.filter((id) => !expected.keys.has(id));
  expect(unacknowledged.length).toBeLessThanOrEqual(expected.inFlightKeys);
  expected.inFlightKeys = 0;
  for (const id of unacknowledged) {
    const tags = (await client.send(new ListResourceTagsCommand({ KeyId: id }))).Tags!;
    expect(tags.some((t) => t.TagKey!.startsWith('created-')), `key ${id} exists without its creation tag`).toBe(true);
    expected.keys.set(id, { tags: new Map(tags.map((t) => [t.TagKey!, t.TagValue!])), grants: new Set(), states: new Set(['Enabled']), policies: undefined });
  }
  for (const [id, k] of expected.keys) {
    expect(keys, `acknowledged key ${id}`).toContain(id);
    const state = (await client.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!.KeyState as KeyState;
    expect([...k.states], `the state of ${id}`).toContain(state);
    k.states = new Set([state]); // known again
    const tags = new Map((await client.send(new ListResourceTagsCommand({ KeyId: id }))).Tags!.map((t) => [t.TagKey!, t.TagValue!]));
    for (const [tk, tv] of k.tags) expect(tags.get(tk), `acknowledged tag ${tk} of ${id}`).toBe(tv);
    for (const tk of tags.keys()) expect(expected.removed.tags.has(`${id} ${tk}`), `acknowledged untag of ${tk} on ${id}`).toBe(false);
    const grants = new Set((await client.send(new ListGrantsCommand({ KeyId: id, Limit: 100 }))).Grants!.map((g) => g.GrantId!));
    for (const g of k.grants) expect(grants.has(g), `acknowledged grant ${g} of ${id}`).toBe(true);
    for (const g of grants) expect(expected.removed.grants.has(g), `acknowledged revocation of ${g}`).toBe(false);
    if (k.policies) {
      const policy = (await client.send(new GetKeyPolicyCommand({ KeyId: id, PolicyName: 'default' }))).Policy!;
      const seen = policy.includes(MARK) ? policy : DEFAULT; // a policy of the clients', verbatim, or the one it was made with
      expect([...k.policies], `the key policy of ${id}`).toContain(seen);
      k.policies = new Set([seen]);
    }
  }
  for (const [alias, targets] of expected.aliases) {
    expect(aliases.has(alias), `acknowledged alias ${alias}`).toBe(true);
    expect([...targets], `the key of ${alias}`).toContain(aliases.get(alias));
    expected.aliases.set(alias, new Set([aliases.get(alias)!]));
  }
  for (const a of expected.removed.aliases) expect(aliases.has(a), `acknowledged deletion of ${a}`).toBe(false);
  // an alias nobody saw created (or deleted) names a key that exists: known from now on
  for (const [alias, target] of aliases) {
    if (expected.aliases.has(alias) || expected.removed.aliases.has(alias)) continue;
    expect(expected.keys.has(target), `alias ${alias} names an existing key`).toBe(true);
    expected.aliases.set(alias, new Set([target]));
  }
}
