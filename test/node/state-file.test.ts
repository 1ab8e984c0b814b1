// Issue #9: the state file. Changes survive a close and a reopen; read-only calls never write; a torn last change is
// dropped and said so; any other alteration, a wrong wrapping key or a second process are refused, clearly; the file
// holds no key material; concurrent changes share fsyncs; compaction keeps the file small; deletions that came due
// while the server was down are applied at start-up.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStopped, StateError } from '../../src/index.js';
import { exportMacKeyMaterial } from '../../src/crypto/mac-key.js';
import { worldOf } from '../../src/kms.js';
import { allKeys } from '../../src/model/world.js';
import { openStateFile, parseWrappingKey, type StateFile } from '../../src/node/index.js';
import { bytes, DAY, IDS, MATERIAL, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

const wrappingKey = new Uint8Array(32).map((_, i) => 255 - i);
const mac = { Message: bytes('durable'), MacAlgorithm: 'HMAC_SHA_256' as const };
let dir: string;
let file: string;
const open_: StateFile[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmac-kms-state-'));
  file = join(dir, 'kms.state');
});
afterEach(async () => {
  for (const s of open_.splice(0)) await s.close().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const clock = { now: new Date(T0) };
let seed = 5;
async function openIt(options: Partial<Parameters<typeof openStateFile>[1]> = {}) {
  // a new random stream per process, as crypto.getRandomValues would be
  const s = await openStateFile(file, { wrappingKey, kmsOptions: { clock: () => clock.now, random: seededRandom(seed++) }, ...options });
  open_.push(s);
  return s;
}
async function closeIt(s: StateFile) {
  open_.splice(open_.indexOf(s), 1);
  await s.close();
}
const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('the state file', () => {
  beforeEach(() => {
    clock.now = new Date(T0);
  });

  it('keeps every change across a close and a reopen, and a new file says it was created', async () => {
    const first = await openIt({ initialize: (kms) => kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 }).then(() => {}) });
    expect(first.opened).toEqual({ created: true, replayed: 0, droppedTornChange: false, keys: 1 });
    const kms = first.kms;
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'a', TagValue: 'b' }] });
    await kms.createAlias({ AliasName: 'alias/durable', TargetKeyId: IDS.k256 });
    const grant = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] });
    kms.putIdentityPolicy('arn:aws:iam::111122223333:user/Bob', 'p', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] }));
    await kms.disableKey({ KeyId: KeyMetadata!.KeyId! });
    const { Mac } = await kms.generateMac({ KeyId: 'alias/durable', ...mac });
    expect(lines().length).toBe(1 + 5); // the header, and one line per change (the seed is in the first snapshot)
    await closeIt(first);

    const second = await openIt();
    expect(second.opened).toMatchObject({ created: false, keys: 2 });
    const k = second.kms;
    await k.verifyMac({ KeyId: 'alias/durable', ...mac, Mac: Mac! });
    expect((await k.describeKey({ KeyId: KeyMetadata!.KeyId! })).KeyMetadata!.KeyState).toBe('Disabled');
    expect((await k.listResourceTags({ KeyId: KeyMetadata!.KeyId! })).Tags).toEqual([{ TagKey: 'a', TagValue: 'b' }]);
    await k.as('arn:aws:iam::111122223333:user/Alice').generateMac({ KeyId: IDS.k256, ...mac, GrantTokens: [grant.GrantToken!] });
    await k.as('arn:aws:iam::111122223333:user/Bob').describeKey({ KeyId: IDS.k256 });
  });

  it('replays the record of changes when the last process did not close (kill -9), then compacts', async () => {
    const s = await openIt();
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await s.kms.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const text = readFileSync(file, 'utf8'); // as a crash leaves it: no compaction on close
    await closeIt(s);
    writeFileSync(file, text);
    const again = await openIt();
    expect(again.opened).toMatchObject({ replayed: 2, droppedTornChange: false, keys: 2 });
    expect(lines()).toHaveLength(1); // compacted into a fresh snapshot
  });

  it('an audit sink that makes a call of its own (tags each new key): the changes are journaled in their order and replay after a crash', async () => {
    let kms: Awaited<ReturnType<typeof openIt>>['kms'] | undefined;
    const tagging: Promise<unknown>[] = [];
    const audit = (e: { eventName: string; responseElements?: Record<string, unknown> | null }) => {
      if (e.eventName !== 'CreateKey') return;
      const KeyId = (e.responseElements!.keyMetadata as { keyId: string }).keyId;
      tagging.push(kms!.tagResource({ KeyId, Tags: [{ TagKey: 'by', TagValue: 'sink' }] }));
    };
    const s = await openIt({ kmsOptions: { clock: () => clock.now, random: seededRandom(seed++), audit } });
    kms = s.kms;
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await Promise.all(tagging);
    const text = readFileSync(file, 'utf8'); // as kill -9 leaves it
    await closeIt(s);
    writeFileSync(file, text);
    const again = await openIt();
    expect(again.opened).toMatchObject({ replayed: 2, keys: 1 });
    expect((await again.kms.listResourceTags({ KeyId: KeyMetadata!.KeyId! })).Tags).toEqual([{ TagKey: 'by', TagValue: 'sink' }]);
  });

  it('read-only calls never touch the disk', async () => {
    const s = await openIt({ initialize: (kms) => kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 }).then(() => {}) });
    const before = statSync(file);
    const { Mac } = await s.kms.generateMac({ KeyId: IDS.k256, ...mac });
    await s.kms.verifyMac({ KeyId: IDS.k256, ...mac, Mac: Mac! });
    await s.kms.describeKey({ KeyId: IDS.k256 });
    await s.kms.listKeys({});
    await s.kms.listAliases({});
    await s.kms.generateRandom({ NumberOfBytes: 16 });
    await s.kms.disableKey({ KeyId: IDS.unknown }).catch(() => {}); // a failed write writes nothing either
    const after = statSync(file);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
  });

  it('a last change cut short by a crash is dropped, and said so; the file is clean again', async () => {
    const s = await openIt();
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const text = readFileSync(file, 'utf8');
    const line = text.split('\n')[1]!;
    await closeIt(s);
    writeFileSync(file, text + line.slice(0, 37)); // half a second change, no newline
    const again = await openIt();
    expect(again.opened).toMatchObject({ replayed: 1, droppedTornChange: true, keys: 1 });
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    await again.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await closeIt(again);
    expect((await openIt()).opened.keys).toBe(2);
  });

  it('an altered change, header or snapshot, a wrong wrapping key: refused, clearly, and the file left as it was', async () => {
    const s = await openIt();
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const text = readFileSync(file, 'utf8');
    await closeIt(s);
    const refusal = async (content: string, key = wrappingKey) => {
      writeFileSync(file, content);
      const e = await openStateFile(file, { wrappingKey: key }).then(
        (ok) => {
          open_.push(ok);
          return undefined;
        },
        (err: Error) => err,
      );
      expect(readFileSync(file, 'utf8')).toBe(content); // nothing written
      expect(existsSync(`${file}.lock`)).toBe(false); // the lock is released
      return e;
    };
    const [header, change1, change2] = text.split('\n');
    const flip = (line: string, at: number) => line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
    expect(await refusal(`${header}\n${flip(change1!, 30)}\n${change2}\n`)).toMatchObject({ name: 'StateError', code: 'TAMPERED', message: expect.stringContaining('change 1 (line 2) does not open: the file has been altered') });
    expect(await refusal(`${header}\n${change2}\n${change1}\n`)).toMatchObject({ code: 'TAMPERED' }); // reordered
    expect(await refusal(`${header}\n${change2}\n`)).toMatchObject({ code: 'TAMPERED' }); // one dropped from the middle
    const tamperedSnapshot = header!.replace('"requestCount":', '"requestCount":1');
    expect(await refusal(`${tamperedSnapshot}\n`)).toMatchObject({ code: 'TAMPERED' });
    expect(await refusal(`${header!.slice(0, 200)}\n`)).toMatchObject({ code: 'MALFORMED', message: expect.stringContaining('its first line is truncated') });
    expect(await refusal(text, new Uint8Array(32))).toMatchObject({ code: 'WRONG_WRAPPING_KEY', message: 'the wrapping key does not open this state: it was sealed with another wrapping key' });
    expect(await refusal('hello\n')).toBeInstanceOf(StateError);
  });

  it('another spelling of the same JSON or the same length is refused: the file is byte-exact as the writer makes it (README State: "a changed byte anywhere")', async () => {
    const s = await openIt();
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'abc' });
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'x\uFFFDy' });
    const withChanges = readFileSync(file); // header, 2 change lines
    await s.compact();
    const compacted = readFileSync(file); // one line
    await closeIt(s);
    const opens = async (content: Buffer | string): Promise<string> => {
      writeFileSync(file, content);
      return openStateFile(file, { wrappingKey }).then((ok) => (open_.push(ok), 'opened'), (err: StateError) => err.code);
    };
    // both files open as they are
    expect(await opens(withChanges)).toBe('opened');
    await closeIt(open_.at(-1)!);
    expect(await opens(compacted)).toBe('opened');
    await closeIt(open_.at(-1)!);
    const header = compacted.toString('utf8').slice(0, -1);
    const [h0, change1, change2] = withChanges.toString('utf8').split('\n');
    const edits: [string, Buffer | string][] = [
      ['a space in the header', `${header.replace('{"format"', '{ "format"')}\n`],
      ['"\\u0061bc" for "abc"', `${header.replace('"abc"', '"\\u0061bc"')}\n`],
      ['"2.0" for "2"', `${header.replace('"version":2,', '"version":2.0,')}\n`],
      ['the header members reordered', `${header.replace('{"format":"hmac-kms/state-file","version":2,', '{"version":2,"format":"hmac-kms/state-file",')}\n`],
      ['snapshot members reordered', `${header.replace(/"snapshot":\{"format":("[^"]*"),("keyCheck":"[^"]*")/, '"snapshot":{$2,"format":$1')}\n`],
      ['a member twice', `${header.replace('{"format":', '{"format":"x","format":')}\n`],
      ['a space at the end of the header', `${header} \n`],
      ['CRLF after the header', `${header}\r\n`],
      ['the header without its newline', header],
      ['an invalid UTF-8 byte where U+FFFD was written', Buffer.concat([compacted.subarray(0, compacted.indexOf('\uFFFD')), Buffer.from([0xff]), compacted.subarray(compacted.indexOf('\uFFFD') + 3)])],
      ['a change length with a leading zero', `${h0}\n0${change1}\n${change2}\n`],
      ['a "0" after the last change (no change line starts so)', `${h0}\n${change1}\n${change2}\n0`],
    ];
    const outcomes: Record<string, string> = {};
    for (const [what, content] of edits) {
      expect(Buffer.from(content).equals(what.includes('change') ? withChanges : compacted), what).toBe(false);
      outcomes[what] = await opens(content);
      if (outcomes[what] === 'opened') await closeIt(open_.at(-1)!);
      else expect(readFileSync(file).equals(Buffer.from(content)), `${what}: the file left as it was`).toBe(true);
    }
    expect(outcomes).toEqual(Object.fromEntries(edits.map(([what]) => [what, 'TAMPERED'])));
  });

  it('every byte of the changes flipped, the last newline included, is refused: an acknowledged change is never taken for a torn one', async () => {
    const s = await openIt();
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'second' });
    const original = readFileSync(file);
    await closeIt(s); // compacts: put the file with its two change lines back
    const changesFrom = original.indexOf(0x0a) + 1;
    expect(original[original.length - 1]).toBe(0x0a);
    for (let at = changesFrom; at < original.length; at++) {
      for (const mask of [0x01, 0x20]) {
        const copy = Buffer.from(original);
        copy[at] = copy[at]! ^ mask;
        writeFileSync(file, copy);
        const e = await openStateFile(file, { wrappingKey }).then((ok) => (open_.push(ok), undefined), (err: Error) => err);
        expect(e, `byte ${at} of ${original.length} ^ ${mask}`).toMatchObject({ name: 'StateError', code: 'TAMPERED' });
      }
    }
    // a complete last change whose newline was never written (a crash right before it): whole, so it is kept
    writeFileSync(file, original.subarray(0, original.length - 1));
    const kept = await openIt();
    expect(kept.opened).toMatchObject({ replayed: 2, droppedTornChange: false, keys: 2 });
  });

  it('a byte flipped in a compacted file, at ~400 offsets and at each of its last 64, is refused', async () => {
    const s = await openIt({ initialize: (kms) => kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256, Tags: [{ TagKey: 't', TagValue: 'v' }] }).then(() => {}) });
    await s.kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] });
    await closeIt(s); // compacted: one line
    const original = readFileSync(file);
    const step = Math.max(1, Math.floor(original.length / 400));
    const offsets = new Set<number>();
    for (let at = 0; at < original.length; at += step) offsets.add(at);
    for (let at = Math.max(0, original.length - 64); at < original.length; at++) offsets.add(at); // the end, newline included
    for (const at of offsets) {
      const copy = Buffer.from(original);
      copy[at] = copy[at]! ^ 0x01;
      writeFileSync(file, copy);
      const e = await openStateFile(file, { wrappingKey }).then((ok) => (open_.push(ok), undefined), (err: Error) => err);
      // a flip that keeps the JSON equal (e.g. in an insignificant spot) cannot exist here: one line, no spaces
      expect(e, `byte ${at} flipped`).toBeInstanceOf(StateError);
    }
  });

  it('holds no key material in any encoding, and no grant token', async () => {
    const s = await openIt({ initialize: (kms) => kms.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: MATERIAL.HMAC_512, KeyId: IDS.k512 }).then(() => {}) });
    await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await s.kms.seedKey({ KeySpec: 'HMAC_384', KeyMaterial: MATERIAL.HMAC_384 });
    const g = await s.kms.createGrant({ KeyId: IDS.k512, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] });
    const secrets = [...allKeys(worldOf(s.kms))].map((k) => Buffer.from(exportMacKeyMaterial(k.material)));
    const check = () => {
      const text = readFileSync(file).toString('latin1');
      for (const m of secrets) for (const form of [m.toString('hex'), m.toString('hex').toUpperCase(), m.toString('base64'), m.toString('base64url'), m.toString('latin1')]) expect(text.includes(form.slice(2, 22))).toBe(false);
      expect(text.includes(g.GrantToken!.slice(4, 40))).toBe(false);
    };
    check(); // the record of changes (SeedKey's material, CreateKey's random bytes are in it, sealed)
    await s.compact();
    check(); // the snapshot
  });

  it('a write that fails stops the world: that call and every later one are refused (isStopped, /health 503) until it is opened again', async () => {
    const s = await openIt();
    const kept = (await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;
    const probe = await open(file, 'r');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    const errors: unknown[] = [];
    // the store reports the failure through onError (default: console.error), counted with a spy
    proto.datasync = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a));
    try {
      const stopped = { name: 'KMSInternalException', message: expect.stringContaining('hmac-kms has stopped: a change could not be made durable') };
      await expect(s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).rejects.toMatchObject(stopped);
      expect(isStopped(s.kms)).toBe(true);
      // the key made in memory is not served: nothing is, reads included
      await expect(s.kms.listKeys()).rejects.toMatchObject(stopped);
      await expect(s.kms.generateMac({ KeyId: kept, ...mac })).rejects.toMatchObject(stopped);
      expect(() => s.kms.putIdentityPolicy('arn:aws:iam::111122223333:user/U', 'p', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }))).toThrow('hmac-kms has stopped');
    } finally {
      proto.datasync = datasync;
      spy.mockRestore();
    }
    expect(errors).toHaveLength(1);
    await closeIt(s);
    // reopened, it serves what reached the file: every acknowledged change, and the refused one too if its bytes got
    // there before fdatasync failed (as after a timeout, its caller cannot know; here they did)
    const again = await openIt();
    expect(isStopped(again.kms)).toBe(false);
    expect((await again.kms.listKeys()).Keys!.map((k) => k.KeyId)).toContain(kept);
    expect(again.opened.keys).toBe(2);
    await again.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  });

  it('a compaction cut short by a crash leaves a temporary file: the next start removes it (and nothing else)', async () => {
    await closeIt(await openIt());
    writeFileSync(join(dir, '.kms.state.4242.tmp'), 'half a snapshot');
    writeFileSync(join(dir, '.other.state.4242.tmp'), 'not ours');
    const s = await openIt();
    expect(readdirSync(dir).sort()).toEqual(['.other.state.4242.tmp', 'kms.state', 'kms.state.lock']);
    await closeIt(s);
  });

  it('a second opener cannot open it; a lock left by a process that is gone is taken over', async () => {
    const s = await openIt();
    await expect(openStateFile(file, { wrappingKey })).rejects.toThrow(`${file} is already open in this process`);
    await closeIt(s);
    writeFileSync(`${file}.lock`, '999999999\n'); // no such process
    const t = await openIt();
    const mine = readFileSync(`${file}.lock`, 'utf8');
    expect(mine).toMatch(new RegExp(`^${process.pid} (\\d+|-)\n$`));
    await closeIt(t);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('a lock naming a live process is refused; one whose pid was reused (another start time) or is this process (a restarted container) is taken over', async (ctx) => {
    if (!existsSync('/proc/self/stat')) return ctx.skip('start times come from /proc (Linux)');
    const parent = process.ppid; // alive, and not this process
    const parentStart = readFileSync(`/proc/${parent}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
    writeFileSync(`${file}.lock`, `${parent} ${parentStart}\n`);
    await expect(openStateFile(file, { wrappingKey })).rejects.toThrow(`${file} is in use by another hmac-kms (pid ${parent}, lock ${file}.lock)`);
    writeFileSync(`${file}.lock`, `${parent}\n`); // an old lock without a start time: the pid alone decides
    await expect(openStateFile(file, { wrappingKey })).rejects.toThrow(`(pid ${parent},`);
    writeFileSync(`${file}.lock`, `${parent} ${Number(parentStart) + 1}\n`); // that pid is another process now
    await closeIt(await openIt());
    writeFileSync(`${file}.lock`, `${process.pid} 1\n`); // this pid, from an earlier run
    await closeIt(await openIt());
    expect(readdirSync(dir).filter((f) => f.includes('.lock'))).toEqual([]); // nothing set aside is left
  });

  it('concurrent changes share fsyncs (group commit), each answered only once it is on disk', async () => {
    const s = await openIt();
    const probe = await open(file, 'r');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const original = proto.datasync;
    let syncs = 0;
    const onDisk = () => lines().length - 1;
    const answeredAfter: number[] = [];
    proto.datasync = async function (this: unknown) {
      syncs++;
      return original.call(this);
    };
    try {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
          answeredAfter.push(onDisk());
        }),
      );
    } finally {
      proto.datasync = original;
    }
    expect(syncs).toBeLessThan(50);
    expect(syncs).toBeGreaterThan(0);
    // each answer came when at least as many changes as answers so far were on disk
    answeredAfter.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(i + 1));
  });

  it('compacts after compactAfter changes, without losing any; reopening needs no replay then', async () => {
    const s = await openIt({ compactAfter: 5 });
    for (let i = 0; i < 23; i++) await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: `k${i}` });
    expect(lines().length).toBeLessThanOrEqual(1 + 5);
    const text = readFileSync(file, 'utf8');
    await closeIt(s);
    writeFileSync(file, text); // as if killed
    const again = await openIt();
    expect(again.opened.keys).toBe(23);
    expect(again.opened.replayed).toBeLessThanOrEqual(5);
  });

  it('deletions that came due while it was closed are applied at start-up, by the clock', async () => {
    const s = await openIt();
    const { KeyMetadata } = await s.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await s.kms.scheduleKeyDeletion({ KeyId: KeyMetadata!.KeyId!, PendingWindowInDays: 7 });
    await closeIt(s);
    clock.now = new Date(T0.getTime() + 8 * DAY);
    const again = await openIt();
    expect(again.opened.keys).toBe(0);
    expect(lines().length).toBe(2); // the purge is a change of its own
  });

  it('parseWrappingKey reads 64 hex digits or base64 of 32 bytes, and says how to make one otherwise', () => {
    expect(parseWrappingKey('00'.repeat(32))).toEqual(new Uint8Array(32));
    expect(parseWrappingKey(` ${Buffer.alloc(32, 1).toString('base64')}\n`)).toEqual(new Uint8Array(32).fill(1));
    expect(() => parseWrappingKey('abc', 'HMAC_KMS_WRAPPING_KEY')).toThrow('HMAC_KMS_WRAPPING_KEY must be 32 bytes as 64 hex digits or base64 (make one with: openssl rand -hex 32)');
    expect(() => parseWrappingKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
