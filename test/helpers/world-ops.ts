/**
 * Random sequences of KMS calls by random callers, for the property suites (issue #10) and the export→restore
 * differential test (issue #9). Commands are abstract — "the 3rd key created", "the 2nd grant" — and resolved against
 * what the calls so far returned, so the same sequence means the same calls on any world that answered the same way.
 */
import fc from 'fast-check';
import type { HmacKms } from '../../src/index.js';

export const A = '111122223333';
export const B = '444455556666';
export const PRINCIPALS = [
  `arn:aws:iam::${A}:root`,
  `arn:aws:iam::${A}:user/Alice`,
  `arn:aws:iam::${A}:role/Ops`,
  `arn:aws:iam::${B}:user/Bob`,
  `arn:aws:iam::${B}:root`,
] as const;
export const REGIONS = ['us-east-1', 'us-west-2'] as const;
const ALIASES = ['alias/a', 'alias/b', 'alias/c'];
const TAG_KEYS = ['team', 'env', 'cost'];
const SPECS = ['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const;
const ALGS: Record<string, string> = { HMAC_224: 'HMAC_SHA_224', HMAC_256: 'HMAC_SHA_256', HMAC_384: 'HMAC_SHA_384', HMAC_512: 'HMAC_SHA_512' };

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ownerAll = (account = A) => ({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' });
/** Key policies: indexes into this list (-1: the default policy). */
export const KEY_POLICIES = [
  doc(ownerAll(), { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['kms:GenerateMac', 'kms:VerifyMac', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:RetireGrant'], Resource: '*' }),
  doc(ownerAll(), { Effect: 'Deny', Principal: { AWS: PRINCIPALS[1] }, Action: ['kms:DisableKey', 'kms:ScheduleKeyDeletion'], Resource: '*' }),
  doc(ownerAll(), { Effect: 'Allow', Principal: { AWS: PRINCIPALS[2] }, Action: 'kms:GenerateMac', Resource: '*', Condition: { StringEquals: { 'kms:RequestAlias': 'alias/a' } } }),
  doc({ Effect: 'Allow', Principal: { AWS: PRINCIPALS[1] }, Action: 'kms:*', Resource: '*' }),
];
/** Identity policies: indexes into this list. */
export const IDENTITY_POLICIES = [
  doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }),
  doc({ Effect: 'Allow', Action: ['kms:GenerateMac', 'kms:VerifyMac', 'kms:DescribeKey', 'kms:List*'], Resource: '*' }),
  doc({ Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' }),
  doc({ Effect: 'Allow', Action: 'kms:*', Resource: `arn:aws:kms:*:${A}:key/*`, Condition: { StringLike: { 'aws:RequestTag/team': '*' } } }),
  doc({ Effect: 'Allow', Action: ['kms:CreateKey', 'kms:TagResource', 'kms:CreateAlias', 'kms:ListRetirableGrants'], Resource: '*' }),
];

export type Cmd =
  | { t: 'call'; who: number; region: number; op: string; a: Record<string, number | boolean | string | number[]> }
  | { t: 'advance'; days: number }
  | { t: 'identity'; who: number; policy: number; name: number }
  | { t: 'unidentity'; who: number; name: number };

const idx = fc.nat(50);
const small = (max: number) => fc.integer({ min: 0, max });
const call = (op: string, a: Record<string, fc.Arbitrary<number | boolean | string | number[]>>) =>
  fc.record({ who: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(PRINCIPALS.length - 1) }), region: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }), a: fc.record(a) }).map(
    (r): Cmd => ({ t: 'call', op, ...r }),
  );
const key = { key: idx, form: small(2) };
/** True one time in `n`. */
const rarely = (n: number) => fc.nat(n - 1).map((x) => x === 0);

/** One random command. Owners call most often, so that keys exist for the others to try. */
export const command: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: call('CreateKey', { spec: small(3), multi: fc.boolean(), tags: fc.array(small(2), { maxLength: 2 }), policy: fc.integer({ min: -1, max: KEY_POLICIES.length - 1 }), bypass: fc.boolean() }) },
  { weight: 2, arbitrary: call('DescribeKey', key) },
  { weight: 2, arbitrary: call('ListKeys', { limit: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: call('EnableKey', key) },
  { weight: 2, arbitrary: call('DisableKey', key) },
  { weight: 2, arbitrary: call('ScheduleKeyDeletion', { ...key, days: fc.integer({ min: 6, max: 31 }) }) },
  { weight: 1, arbitrary: call('CancelKeyDeletion', key) },
  { weight: 1, arbitrary: call('UpdateKeyDescription', { ...key, text: small(3) }) },
  { weight: 2, arbitrary: call('TagResource', { ...key, tags: fc.array(small(2), { minLength: 1, maxLength: 2 }), value: small(3) }) },
  { weight: 1, arbitrary: call('UntagResource', { ...key, tags: fc.array(small(2), { minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: call('ListResourceTags', { ...key, limit: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: call('CreateAlias', { ...key, alias: small(ALIASES.length - 1) }) },
  { weight: 1, arbitrary: call('UpdateAlias', { ...key, alias: small(ALIASES.length - 1) }) },
  { weight: 1, arbitrary: call('DeleteAlias', { alias: small(ALIASES.length - 1) }) },
  { weight: 1, arbitrary: call('ListAliases', { limit: fc.integer({ min: 1, max: 3 }), byKey: fc.boolean(), ...key }) },
  { weight: 4, arbitrary: call('GenerateMac', { ...key, alias: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: small(ALIASES.length - 1) }), msg: small(5), wrongAlg: rarely(4) }) },
  { weight: 3, arbitrary: call('VerifyMac', { ...key, mac: idx, tamper: rarely(4), sameCaller: fc.boolean() }) },
  { weight: 3, arbitrary: call('CreateGrant', { ...key, grantee: small(PRINCIPALS.length - 1), retiring: fc.integer({ min: -1, max: PRINCIPALS.length - 1 }), ops: fc.array(small(4), { minLength: 1, maxLength: 3 }), name: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 1, arbitrary: call('ListGrants', { ...key, limit: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: call('ListRetirableGrants', { retiring: small(PRINCIPALS.length - 1) }) },
  { weight: 2, arbitrary: call('RetireGrant', { grant: idx, byToken: fc.boolean() }) },
  { weight: 1, arbitrary: call('RevokeGrant', { grant: idx }) },
  { weight: 1, arbitrary: call('PutKeyPolicy', { ...key, policy: small(KEY_POLICIES.length - 1), bypass: fc.boolean() }) },
  { weight: 1, arbitrary: call('GetKeyPolicy', key) },
  { weight: 3, arbitrary: call('ReplicateKey', { ...key, to: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(0) }) }) },
  { weight: 1, arbitrary: call('UpdatePrimaryRegion', { ...key, to: small(1) }) },
  { weight: 1, arbitrary: fc.record({ days: fc.integer({ min: 1, max: 40 }) }).map((r): Cmd => ({ t: 'advance', ...r })) },
  { weight: 1, arbitrary: fc.record({ who: fc.integer({ min: 1, max: 3 }), policy: small(IDENTITY_POLICIES.length - 1), name: small(1) }).map((r): Cmd => ({ t: 'identity', ...r })) },
  { weight: 1, arbitrary: fc.record({ who: fc.integer({ min: 1, max: 3 }), name: small(1) }).map((r): Cmd => ({ t: 'unidentity', ...r })) },
);

const root = (op: string, a: Record<string, number | boolean | number[]>): Cmd => ({ t: 'call', who: 0, region: 0, op, a });
/** A start every sequence shares, so that random commands find keys, aliases, grants and MACs to act on. */
export const SETUP: readonly Cmd[] = [
  root('CreateKey', { spec: 1, multi: false, tags: [0], policy: -1, bypass: false }),
  root('CreateKey', { spec: 2, multi: true, tags: [], policy: 0, bypass: false }),
  root('CreateKey', { spec: 3, multi: false, tags: [1, 2], policy: 2, bypass: false }),
  root('CreateAlias', { key: 0, form: 0, alias: 0 }),
  root('CreateGrant', { key: 0, form: 0, grantee: 1, retiring: 3, ops: [0, 1, 4], name: 0 }),
  root('CreateGrant', { key: 1, form: 1, grantee: 4, retiring: 1, ops: [0, 2], name: -1 }),
  root('GenerateMac', { key: 0, form: 0, alias: -1, msg: 1, wrongAlg: false }),
  { t: 'identity', who: 1, policy: 1, name: 0 },
];

/** What the calls so far returned, that later commands refer to. */
export interface History {
  keys: { id: string; arn: string; spec: string }[];
  grants: { keyArn: string; id: string; token: string }[];
  macs: { keyId: string; msg: Uint8Array; mac: Uint8Array; alg: string; who: number; region: number }[];
}
export const newHistory = (): History => ({ keys: [], grants: [], macs: [] });

/** The outcome of one call: its output, or its error's name and message. */
export type Outcome = { op: string; input: unknown; output?: unknown; error?: { name: string; message: string } };

const bytes = (n: number) => new TextEncoder().encode(`message ${n}`);
const GRANT_OPS = ['GenerateMac', 'VerifyMac', 'DescribeKey', 'CreateGrant', 'RetireGrant'];

/** The concrete input of a call command, from the history; undefined for a command that has nothing to act on. */
export function inputOf(cmd: Extract<Cmd, { t: 'call' }>, h: History): Record<string, unknown> {
  const a = cmd.a as Record<string, unknown>;
  const k = h.keys.length ? h.keys[(a.key as number) % h.keys.length]! : undefined;
  const keyRef = () => (k ? ((a.form as number) === 0 ? k.id : k.arn) : '99999999-9999-4999-8999-999999999999');
  const g = h.grants.length ? h.grants[(a.grant as number) % h.grants.length]! : undefined;
  switch (cmd.op) {
    case 'CreateKey': {
      const spec = SPECS[a.spec as number]!;
      const input: Record<string, unknown> = { KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: a.multi };
      const tags = [...new Set(a.tags as number[])].map((t) => ({ TagKey: TAG_KEYS[t]!, TagValue: `v${t}` }));
      if (tags.length) input.Tags = tags;
      if ((a.policy as number) >= 0) {
        input.Policy = KEY_POLICIES[a.policy as number];
        input.BypassPolicyLockoutSafetyCheck = a.bypass;
      }
      return input;
    }
    case 'ListKeys':
      return { Limit: a.limit };
    case 'ScheduleKeyDeletion':
      return { KeyId: keyRef(), PendingWindowInDays: a.days };
    case 'UpdateKeyDescription':
      return { KeyId: keyRef(), Description: `description ${a.text}` };
    case 'TagResource':
      return { KeyId: keyRef(), Tags: [...new Set(a.tags as number[])].map((t) => ({ TagKey: TAG_KEYS[t]!, TagValue: `v${a.value}` })) };
    case 'UntagResource':
      return { KeyId: keyRef(), TagKeys: (a.tags as number[]).map((t) => TAG_KEYS[t]!) };
    case 'ListResourceTags':
    case 'ListGrants':
      return { KeyId: keyRef(), Limit: a.limit };
    case 'CreateAlias':
    case 'UpdateAlias':
      return { AliasName: ALIASES[a.alias as number], TargetKeyId: keyRef() };
    case 'DeleteAlias':
      return { AliasName: ALIASES[a.alias as number] };
    case 'ListAliases':
      return { Limit: a.limit, ...(a.byKey ? { KeyId: keyRef() } : {}) };
    case 'GenerateMac': {
      const alg = ALGS[k?.spec ?? 'HMAC_256']!;
      const wrong = alg === 'HMAC_SHA_256' ? 'HMAC_SHA_384' : 'HMAC_SHA_256';
      return { KeyId: (a.alias as number) >= 0 ? ALIASES[a.alias as number] : keyRef(), Message: bytes(a.msg as number), MacAlgorithm: a.wrongAlg ? wrong : alg };
    }
    case 'VerifyMac': {
      const m = h.macs.length ? h.macs[(a.mac as number) % h.macs.length]! : { keyId: keyRef(), msg: bytes(0), mac: new Uint8Array(32), alg: 'HMAC_SHA_256' };
      const mac = a.tamper ? m.mac.map((b, i) => (i === 0 ? b ^ 1 : b)) : m.mac;
      return { KeyId: m.keyId, Message: m.msg, Mac: mac, MacAlgorithm: m.alg };
    }
    case 'CreateGrant': {
      const input: Record<string, unknown> = { KeyId: keyRef(), GranteePrincipal: PRINCIPALS[a.grantee as number], Operations: [...new Set((a.ops as number[]).map((o) => GRANT_OPS[o]!))] };
      if ((a.retiring as number) >= 0) input.RetiringPrincipal = PRINCIPALS[a.retiring as number];
      if ((a.name as number) >= 0) input.Name = `grant-${a.name}`;
      return input;
    }
    case 'ListRetirableGrants':
      return { RetiringPrincipal: PRINCIPALS[a.retiring as number] };
    case 'RetireGrant':
      if (!g) return { GrantToken: 'AQpA' + 'x'.repeat(86) };
      return a.byToken ? { GrantToken: g.token } : { KeyId: g.keyArn, GrantId: g.id };
    case 'RevokeGrant':
      return g ? { KeyId: g.keyArn, GrantId: g.id } : { KeyId: keyRef(), GrantId: '0'.repeat(64) };
    case 'PutKeyPolicy':
      return { KeyId: keyRef(), Policy: KEY_POLICIES[a.policy as number], BypassPolicyLockoutSafetyCheck: a.bypass };
    case 'ReplicateKey':
    case 'UpdatePrimaryRegion':
      return { KeyId: keyRef(), [cmd.op === 'ReplicateKey' ? 'ReplicaRegion' : 'PrimaryRegion']: REGIONS[a.to as number] };
    default:
      return { KeyId: keyRef() };
  }
}

/** Records in the history what a successful call created. */
export function remember(op: string, input: Record<string, unknown>, output: Record<string, unknown>, h: History, who = 0, region = 0): void {
  if (op === 'CreateKey') {
    const m = output.KeyMetadata as { KeyId: string; Arn: string; KeySpec: string };
    h.keys.push({ id: m.KeyId, arn: m.Arn, spec: m.KeySpec });
  } else if (op === 'ReplicateKey') {
    const m = output.ReplicaKeyMetadata as { KeyId: string; Arn: string; KeySpec: string };
    h.keys.push({ id: m.KeyId, arn: m.Arn, spec: m.KeySpec });
  } else if (op === 'CreateGrant') {
    const keyArn = (input.KeyId as string).startsWith('arn:') ? (input.KeyId as string) : undefined;
    h.grants.push({ keyArn: keyArn ?? h.keys.find((k) => k.id === input.KeyId)?.arn ?? String(input.KeyId), id: output.GrantId as string, token: output.GrantToken as string });
  } else if (op === 'GenerateMac') {
    h.macs.push({ keyId: input.KeyId as string, msg: input.Message as Uint8Array, mac: output.Mac as Uint8Array, alg: input.MacAlgorithm as string, who, region });
  }
}

const methodOf = (op: string) => op.charAt(0).toLowerCase() + op.slice(1);

/** A world's callers: the same HmacKms seen by each principal in each Region. */
export function callers(kms: HmacKms): HmacKms[][] {
  return PRINCIPALS.map((p) => REGIONS.map((r) => kms.as(p).inRegion(r)));
}

/**
 * Runs one command; returns the outcomes of the calls it made (ListKeys pages through every page, and checks that
 * the pages add up to the set without repeats). `clock.advance` moves time.
 */
export async function runCommand(kms: HmacKms, cmd: Cmd, h: History, clock: { advance(ms: number): void }): Promise<Outcome[]> {
  if (cmd.t === 'advance') {
    clock.advance(cmd.days * 86_400_000);
    return [];
  }
  if (cmd.t === 'identity') {
    kms.putIdentityPolicy(PRINCIPALS[cmd.who]!, `p${cmd.name}`, IDENTITY_POLICIES[cmd.policy]!);
    return [];
  }
  if (cmd.t === 'unidentity') {
    kms.deleteIdentityPolicy(PRINCIPALS[cmd.who]!, `p${cmd.name}`);
    return [];
  }
  let { who, region } = cmd;
  if (cmd.op === 'VerifyMac' && cmd.a.sameCaller && h.macs.length) ({ who, region } = h.macs[(cmd.a.mac as number) % h.macs.length]!); // the MAC's maker verifies
  const target = kms.as(PRINCIPALS[who]!).inRegion(REGIONS[region]!);
  const outcomes: Outcome[] = [];
  let input = inputOf(cmd, h);
  for (let page = 0; page < 50; page++) {
    const method = (target as unknown as Record<string, (i: unknown) => Promise<Record<string, unknown>>>)[methodOf(cmd.op)]!;
    try {
      const output = await method.call(target, input);
      outcomes.push({ op: cmd.op, input, output });
      remember(cmd.op, input, output, h, who, region);
      if (output.Truncated === true && typeof output.NextMarker === 'string') {
        input = { ...input, Marker: output.NextMarker };
        continue;
      }
    } catch (e) {
      const err = e as Error;
      if (!('$fault' in err)) throw err; // not a KMS error: a bug
      outcomes.push({ op: cmd.op, input, error: { name: err.name, message: err.message } });
    }
    break;
  }
  return outcomes;
}
