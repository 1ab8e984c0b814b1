// Issue #9 ("a test pins a snapshot of today's format as a fixture so that a future change of format must keep reading
// it") and README State ("a later format must keep reading today's files"), for the state file: version 2 as
// `hmac-kms serve --state` leaves it when killed — a snapshot line, then 12 sealed change lines. It was made once by
// scripts/make-state-file-fixture.mjs (fixed wrapping key, seeded random, fixed clock) and is never remade: today's
// code must open it and answer as the world it recorded did.
import { createHmac } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateFile, type StateFile } from '../../src/node/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/state-file-v2.state', import.meta.url));
const wrappingKey = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
const A = '111122223333';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const BOB = `arn:aws:iam::${A}:user/Bob`;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DAY = 86_400_000;
// what the world answered when the fixture was made (printed by the script)
const K256 = '11111111-1111-4111-8111-111111111111';
const K224 = '22222222-2222-4222-8222-222222222222';
const B = '0dbf76ba-0745-42f2-a7ea-c822b0413ee5';
const C = 'dcbb1e0b-6383-4170-a324-9c163366cbb6';
const G1 = { id: '40b08ada374e5375c01e78b74fdda5bc9fee81c8258e24f50ed50bd94bfbc357', token: 'AQpAQLCK2jdOU3XAHni3T92lvJ_ugcgljiT1DtUL2Uv7w1fl4XruappddZBWrPpErzEInWqvE-p_G-sNWF6x2VoWJg' };
const G2 = { id: 'd885a7724782417fc32cdd79ffcf738365cda2693ae9a4fe1f615cac4fc82c09', token: 'AQpA2IWnckeCQX_DLN15_89zg2XNomk66aT-H2FcrE_ILAlep9jUXL335XJBA_yYPYarnp_P2l7Rd9zljDTNby5BHw' };
const MAC_C = 'f2b4a5eb367d6502d319fe588810b3f8a481b6f5d7eb2fca50c98865b398cbc5bd1d95a90d07cef7174b0153a0772dfb17375dd2bac7c536a66f1a9828412d9e';
const message = new TextEncoder().encode('pinned');

let dir: string;
let opened: StateFile | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmac-kms-fixture-'));
});
afterEach(async () => {
  await opened?.close();
  opened = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('the pinned state file of version 2 (test/fixtures/state-file-v2.state)', () => {
  it('is version 2 as written then: a snapshot line and 12 change lines, <length>:<sealed>', () => {
    const lines = readFileSync(FIXTURE, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    const header = JSON.parse(lines[0]!) as { format: string; version: number; snapshot: { format: string; version: number } };
    expect([header.format, header.version, header.snapshot.format, header.snapshot.version]).toEqual(['hmac-kms/state-file', 2, 'hmac-kms/state', 1]);
    const changes = lines.slice(1, -1);
    expect(changes).toHaveLength(12);
    for (const c of changes) expect(c.length - c.indexOf(':') - 1).toBe(Number(c.slice(0, c.indexOf(':'))));
  });

  it('opens with today\'s code and answers as the world it recorded: keys, states, aliases, tags, policies, grants, tokens, MACs', async () => {
    const file = join(dir, 'kms.state');
    copyFileSync(FIXTURE, file); // opening takes a lock and compacts: never the committed file
    const now = new Date(T0 + 3 * DAY);
    opened = await openStateFile(file, { wrappingKey, kmsOptions: { clock: () => now, random: seededRandom(7) } });
    expect(opened.opened).toEqual({ created: false, replayed: 12, droppedTornChange: false, keys: 4 });
    const kms = opened.kms;

    expect((await kms.listKeys()).Keys!.map((k) => k.KeyId)).toEqual([K256, K224, B, C]);
    const meta = async (KeyId: string) => {
      const m = (await kms.describeKey({ KeyId })).KeyMetadata!;
      return { KeySpec: m.KeySpec, KeyState: m.KeyState, Description: m.Description, CreationDate: m.CreationDate, DeletionDate: m.DeletionDate };
    };
    expect(await meta(K256)).toEqual({ KeySpec: 'HMAC_256', KeyState: 'Enabled', Description: 'pinned', CreationDate: new Date(T0), DeletionDate: undefined });
    expect(await meta(K224)).toEqual({ KeySpec: 'HMAC_224', KeyState: 'PendingDeletion', Description: '', CreationDate: new Date(T0), DeletionDate: new Date(T0 + 9 * DAY) });
    expect(await meta(B)).toEqual({ KeySpec: 'HMAC_384', KeyState: 'Disabled', Description: 'created', CreationDate: new Date(T0 + DAY), DeletionDate: undefined });
    expect(await meta(C)).toEqual({ KeySpec: 'HMAC_512', KeyState: 'Enabled', Description: '', CreationDate: new Date(T0 + 2 * DAY), DeletionDate: undefined });

    const aliases = (await kms.listAliases({})).Aliases!.map((a) => [a.AliasName, a.TargetKeyId, a.CreationDate, a.LastUpdatedDate]);
    expect(aliases).toEqual([
      ['alias/pinned', K256, new Date(T0 + DAY), new Date(T0 + DAY)],
      ['alias/second', B, new Date(T0 + 2 * DAY), new Date(T0 + 2 * DAY)],
    ]);
    const tags = async (KeyId: string) => (await kms.listResourceTags({ KeyId })).Tags;
    expect([await tags(K256), await tags(K224), await tags(B), await tags(C)]).toEqual([[{ TagKey: 'team', TagValue: 'blue' }], [], [{ TagKey: 'env', TagValue: 'test' }], [{ TagKey: 'cost', TagValue: '42' }]]);
    expect((await kms.getKeyPolicy({ KeyId: B })).Policy).toBe(
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'pinned', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }] }, null, 2),
    );
    const grants = async (KeyId: string) => (await kms.listGrants({ KeyId })).Grants!.map((g) => [g.GrantId, g.Name, g.GranteePrincipal, g.RetiringPrincipal, g.Operations]);
    expect(await grants(K256)).toEqual([[G1.id, 'pinned-grant', ALICE, undefined, ['GenerateMac', 'VerifyMac', 'RetireGrant']]]);
    expect(await grants(C)).toEqual([[G2.id, undefined, ALICE, BOB, ['GenerateMac']]]);

    // the grant tokens issued then still work (the token key came through), and the MACs are the keys' own: the seeded
    // key's is HMAC-SHA-256 of its known material, the created key's (seeded random) is the one answered then
    const alice = kms.as(ALICE);
    const mac256 = (await alice.generateMac({ KeyId: 'alias/pinned', Message: message, MacAlgorithm: 'HMAC_SHA_256', GrantTokens: [G1.token] })).Mac!;
    const material = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    expect(Buffer.from(mac256).toString('hex')).toBe(createHmac('sha256', material).update(message).digest('hex'));
    const macC = (await alice.generateMac({ KeyId: C, Message: message, MacAlgorithm: 'HMAC_SHA_512', GrantTokens: [G2.token] })).Mac!;
    expect(Buffer.from(macC).toString('hex')).toBe(MAC_C);
    await alice.retireGrant({ GrantToken: G1.token });
    expect(await grants(K256)).toEqual([]);
    // identity policies: Bob may describe, Alice may list aliases, by IAM alone
    await kms.as(BOB).describeKey({ KeyId: B });
    await alice.listAliases({});
    await expect(kms.as(BOB).listAliases({})).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
