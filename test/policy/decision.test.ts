// The authorization decision, end to end through HmacKms: the test vectors of kms-authz.md §2.4 and more, as a table
// of (key policy, IAM policies, caller, call) -> allowed, or the exact AccessDeniedException text.
import { describe, expect, it } from 'vitest';
import type { HmacKms } from '../../src/index.js';
import { arnOf, bytes, expectKmsError, IDS, MATERIAL, testKms } from '../helpers/kms.js';

const A = '111122223333';
const B = '444455556666';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const BOB = `arn:aws:iam::${B}:user/Bob`;
const ROOT_A = `arn:aws:iam::${A}:root`;
const KEY = arnOf(IDS.k256);

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const DEFAULT_STMT = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_A }, Action: 'kms:*', Resource: '*' };
const allowIam = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const denyIam = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Deny', Action, Resource });

type Call = (kms: HmacKms) => Promise<unknown>;
const generateMac: Call = (kms) => kms.generateMac({ KeyId: KEY, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' });
const verifyMac: Call = async (kms) => kms.verifyMac({ KeyId: KEY, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: await macOf('m') });
const scheduleDeletion: Call = (kms) => kms.scheduleKeyDeletion({ KeyId: KEY });

async function macOf(message: string): Promise<Uint8Array> {
  const { createHmac } = await import('node:crypto');
  return new Uint8Array(createHmac('sha256', MATERIAL.HMAC_256).update(message).digest());
}

const denied = (caller: string, action: string, tail: string, resource: string | null = KEY) =>
  `User: ${caller} is not authorized to perform: ${action}${resource ? ` on resource: ${resource}` : ''} ${tail}`;
const noIdentity = (caller: string, action: string, resource: string | null = KEY) => denied(caller, action, `because no identity-based policy allows the ${action} action`, resource);
const noResource = (caller: string, action: string) => denied(caller, action, `because no resource-based policy allows the ${action} action`);
const denyResource = (caller: string, action: string) => denied(caller, action, 'with an explicit deny in a resource-based policy');
const denyIdentity = (caller: string, action: string, resource: string | null = KEY) => denied(caller, action, 'with an explicit deny in an identity-based policy', resource);

interface Vector {
  label: string;
  keyPolicy?: object[]; // statements; default: the default key policy
  iam?: Record<string, object[]>; // principal ARN -> statements
  grants?: { GranteePrincipal: string; Operations: string[] }[];
  caller: string;
  call: Call;
  expected: 'allow' | string;
}

const VECTORS: Vector[] = [
  // kms-authz.md §2.4, row by row
  { label: '§2.4 default KP, no IAM: Alice GenerateMac', caller: ALICE, call: generateMac, expected: noIdentity(ALICE, 'kms:GenerateMac') },
  { label: '§2.4 default KP + IAM GenerateMac on the key ARN', iam: { [ALICE]: [allowIam('kms:GenerateMac', KEY)] }, caller: ALICE, call: generateMac, expected: 'allow' },
  { label: '§2.4 default KP + IAM kms:* on *', iam: { [ALICE]: [allowIam('kms:*')] }, caller: ALICE, call: generateMac, expected: 'allow' },
  {
    label: '§2.4 KP Deny Alice GenerateMac beats IAM kms:*',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:GenerateMac', Resource: '*' }],
    iam: { [ALICE]: [allowIam('kms:*')] }, caller: ALICE, call: generateMac, expected: denyResource(ALICE, 'kms:GenerateMac'),
  },
  { label: '§2.4 IAM kms:* but Deny VerifyMac', iam: { [ALICE]: [allowIam('kms:*'), denyIam('kms:VerifyMac')] }, caller: ALICE, call: verifyMac, expected: denyIdentity(ALICE, 'kms:VerifyMac') },
  { label: '§2.4 KP names Alice directly, no IAM (F5)', keyPolicy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:GenerateMac', Resource: '*' }], caller: ALICE, call: generateMac, expected: 'allow' },
  {
    label: '§2.4 KP names Alice for GenerateMac only; IAM kms:* does not help VerifyMac (F2)',
    keyPolicy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:GenerateMac', Resource: '*' }],
    iam: { [ALICE]: [allowIam('kms:*')] }, caller: ALICE, call: verifyMac, expected: noResource(ALICE, 'kms:VerifyMac'),
  },
  { label: '§2.4 default KP, the account root VerifyMac (F12)', caller: ROOT_A, call: verifyMac, expected: 'allow' },
  {
    label: '§2.4 KP allows account B GenerateMac; Bob has no IAM',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:GenerateMac', Resource: '*' }],
    caller: BOB, call: generateMac, expected: noIdentity(BOB, 'kms:GenerateMac'),
  },
  {
    label: '§2.4 same, Bob has IAM GenerateMac on the key ARN (F6)',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:GenerateMac', Resource: '*' }],
    iam: { [BOB]: [allowIam('kms:GenerateMac', KEY)] }, caller: BOB, call: generateMac, expected: 'allow',
  },
  {
    label: '§2.4 same, Bob kms:* cannot ScheduleKeyDeletion across accounts (F7)',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'kms:*', Resource: '*' }],
    iam: { [BOB]: [allowIam('kms:*')] }, caller: BOB, call: scheduleDeletion, expected: noResource(BOB, 'kms:ScheduleKeyDeletion'),
  },
  { label: '§2.4 default KP, Bob IAM kms:*', iam: { [BOB]: [allowIam('kms:*')] }, caller: BOB, call: generateMac, expected: noResource(BOB, 'kms:GenerateMac') },
  {
    label: '§2.4 KP Principal * with kms:CallerAccount condition',
    keyPolicy: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:GenerateMac', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': A } } }],
    caller: ALICE, call: generateMac, expected: 'allow',
  },
  {
    label: '§2.4 the same policy refuses another account',
    keyPolicy: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:GenerateMac', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': A } } }],
    iam: { [BOB]: [allowIam('kms:*')] }, caller: BOB, call: generateMac, expected: noResource(BOB, 'kms:GenerateMac'),
  },
  { label: '§2.4 a grant for GenerateMac', grants: [{ GranteePrincipal: ALICE, Operations: ['GenerateMac'] }], caller: ALICE, call: generateMac, expected: 'allow' },
  { label: '§2.4 the grant does not cover VerifyMac', grants: [{ GranteePrincipal: ALICE, Operations: ['GenerateMac'] }], caller: ALICE, call: verifyMac, expected: noIdentity(ALICE, 'kms:VerifyMac') },
  {
    label: '§2.4 kms:MacAlgorithm condition not met',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:GenerateMac', Resource: '*', Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_384' } } }],
    caller: ALICE, call: generateMac, expected: noIdentity(ALICE, 'kms:GenerateMac'),
  },
  // more
  {
    label: 'a grant never beats an explicit Deny (F4)',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:GenerateMac', Resource: '*' }],
    grants: [{ GranteePrincipal: ALICE, Operations: ['GenerateMac'] }], caller: ALICE, call: generateMac, expected: denyResource(ALICE, 'kms:GenerateMac'),
  },
  {
    label: 'an IAM Deny applies even when the key policy gives IAM nothing (F2)',
    keyPolicy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }],
    iam: { [ALICE]: [denyIam('kms:GenerateMac', KEY)] }, caller: ALICE, call: generateMac, expected: denyIdentity(ALICE, 'kms:GenerateMac'),
  },
  {
    label: 'the root user needs the key policy too (F1, F12)',
    keyPolicy: [{ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }],
    caller: ROOT_A, call: generateMac, expected: noResource(ROOT_A, 'kms:GenerateMac'),
  },
  {
    label: 'account id shorthand in the key policy',
    keyPolicy: [{ Effect: 'Allow', Principal: { AWS: A }, Action: 'kms:*', Resource: '*' }],
    iam: { [ALICE]: [allowIam('kms:GenerateMac')] }, caller: ALICE, call: generateMac, expected: 'allow',
  },
  {
    label: 'a role ARN covers its sessions (F13)',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/service/Signer` }, Action: 'kms:GenerateMac', Resource: '*' }],
    caller: `arn:aws:sts::${A}:assumed-role/Signer/job-7`, call: generateMac, expected: 'allow',
  },
  {
    label: 'a role session with IAM on the role',
    iam: { [`arn:aws:iam::${A}:role/Signer`]: [allowIam('kms:GenerateMac')] },
    caller: `arn:aws:sts::${A}:assumed-role/Signer/job-7`, call: generateMac, expected: 'allow',
  },
  {
    label: 'AccessDenied names the session ARN',
    caller: `arn:aws:sts::${A}:assumed-role/Signer/job-7`, call: generateMac, expected: noIdentity(`arn:aws:sts::${A}:assumed-role/Signer/job-7`, 'kms:GenerateMac'),
  },
  {
    label: 'NotAction in an identity policy',
    iam: { [ALICE]: [{ Effect: 'Allow', NotAction: ['kms:ScheduleKeyDeletion', 'kms:Disable*'], Resource: '*' }] }, caller: ALICE, call: generateMac, expected: 'allow',
  },
  {
    label: 'NotAction excludes the action',
    iam: { [ALICE]: [{ Effect: 'Allow', NotAction: 'kms:Generate*', Resource: '*' }] }, caller: ALICE, call: generateMac, expected: noIdentity(ALICE, 'kms:GenerateMac'),
  },
  { label: 'action names are case-insensitive', iam: { [ALICE]: [allowIam('KMS:generatemac')] }, caller: ALICE, call: generateMac, expected: 'allow' },
  { label: 'an IAM Resource for another key does not match', iam: { [ALICE]: [allowIam('kms:*', arnOf(IDS.k224))] }, caller: ALICE, call: generateMac, expected: noIdentity(ALICE, 'kms:GenerateMac') },
  { label: 'an IAM Resource wildcard', iam: { [ALICE]: [allowIam('kms:*', `arn:aws:kms:us-east-1:${A}:key/*`)] }, caller: ALICE, call: generateMac, expected: 'allow' },
  {
    label: 'NotPrincipal with Deny exempts the listed principal',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Deny', NotPrincipal: { AWS: [ALICE, ROOT_A] }, Action: 'kms:GenerateMac', Resource: '*' }],
    iam: { [ALICE]: [allowIam('kms:*')], [`arn:aws:iam::${A}:user/Carol`]: [allowIam('kms:*')] }, caller: ALICE, call: generateMac, expected: 'allow',
  },
  {
    label: 'NotPrincipal with Deny denies everyone else',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Deny', NotPrincipal: { AWS: [ALICE, ROOT_A] }, Action: 'kms:GenerateMac', Resource: '*' }],
    iam: { [`arn:aws:iam::${A}:user/Carol`]: [allowIam('kms:*')] }, caller: `arn:aws:iam::${A}:user/Carol`, call: generateMac,
    expected: denyResource(`arn:aws:iam::${A}:user/Carol`, 'kms:GenerateMac'),
  },
  {
    label: 'a statement without Action has no effect',
    keyPolicy: [DEFAULT_STMT, { Effect: 'Allow', Principal: { AWS: ALICE }, Resource: '*' }], caller: ALICE, call: generateMac, expected: noIdentity(ALICE, 'kms:GenerateMac'),
  },
  {
    label: 'IAM-only operation: CreateKey without IAM',
    caller: ALICE, call: (kms) => kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), expected: noIdentity(ALICE, 'kms:CreateKey', null),
  },
  {
    label: 'IAM-only operation: CreateKey with tags needs kms:TagResource too',
    iam: { [ALICE]: [allowIam('kms:CreateKey')] },
    caller: ALICE, call: (kms) => kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 'a', TagValue: 'b' }] }),
    expected: noIdentity(ALICE, 'kms:TagResource', null),
  },
  {
    label: 'IAM-only operation: ListKeys denied explicitly',
    iam: { [ALICE]: [allowIam('kms:*'), denyIam('kms:List*')] }, caller: ALICE, call: (kms) => kms.listKeys(), expected: denyIdentity(ALICE, 'kms:ListKeys', null),
  },
  {
    label: 'IAM-only operation: a key ARN Resource does not cover GenerateRandom',
    iam: { [ALICE]: [allowIam('kms:GenerateRandom', KEY)] }, caller: ALICE, call: (kms) => kms.generateRandom({ NumberOfBytes: 8 }), expected: noIdentity(ALICE, 'kms:GenerateRandom', null),
  },
  {
    label: 'an alias names the key ARN in the message',
    caller: ALICE, call: (kms) => kms.generateMac({ KeyId: 'alias/fixture', Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }), expected: noIdentity(ALICE, 'kms:GenerateMac'),
  },
  {
    label: 'CreateAlias needs the alias permission (IAM)',
    iam: { [ALICE]: [allowIam('kms:CreateAlias', KEY)] }, caller: ALICE, call: (kms) => kms.createAlias({ AliasName: 'alias/new', TargetKeyId: IDS.k256 }),
    expected: noIdentity(ALICE, 'kms:CreateAlias', `arn:aws:kms:us-east-1:${A}:alias/new`),
  },
  {
    label: 'CreateAlias needs the key permission too',
    iam: { [ALICE]: [allowIam('kms:CreateAlias', `arn:aws:kms:us-east-1:${A}:alias/*`)] }, caller: ALICE, call: (kms) => kms.createAlias({ AliasName: 'alias/new', TargetKeyId: IDS.k256 }),
    expected: noIdentity(ALICE, 'kms:CreateAlias'),
  },
  {
    label: 'CreateAlias with both',
    iam: { [ALICE]: [allowIam('kms:CreateAlias', [`arn:aws:kms:us-east-1:${A}:alias/*`, KEY])] }, caller: ALICE, call: (kms) => kms.createAlias({ AliasName: 'alias/new', TargetKeyId: IDS.k256 }),
    expected: 'allow',
  },
  {
    label: 'UpdateAlias needs the current key as well as the new one',
    iam: { [ALICE]: [allowIam('kms:UpdateAlias', [`arn:aws:kms:us-east-1:${A}:alias/*`, arnOf(IDS.k224)])] },
    caller: ALICE, call: (kms) => kms.updateAlias({ AliasName: 'alias/fixture', TargetKeyId: IDS.k224 }), expected: noIdentity(ALICE, 'kms:UpdateAlias'),
  },
  {
    label: 'DryRun without permission is AccessDenied, not DryRun',
    caller: ALICE, call: (kms) => kms.generateMac({ KeyId: KEY, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256', DryRun: true }), expected: noIdentity(ALICE, 'kms:GenerateMac'),
  },
  {
    label: 'authorization comes before the key state: a disabled key still says AccessDenied to strangers',
    caller: ALICE, call: (kms) => kms.generateMac({ KeyId: arnOf(IDS.disabled), Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
    expected: noIdentity(ALICE, 'kms:GenerateMac', arnOf(IDS.disabled)),
  },
  {
    label: 'another account naming a key that does not exist learns nothing (2025 text)',
    iam: { [BOB]: [allowIam('kms:*')] }, caller: BOB, call: (kms) => kms.describeKey({ KeyId: arnOf(IDS.unknown) }),
    expected: `User: ${BOB} is not authorized to perform: kms:DescribeKey on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`,
  },
];

async function setup(v: Vector): Promise<HmacKms> {
  const { kms } = testKms();
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 });
  await kms.seedKey({ KeySpec: 'HMAC_224', KeyMaterial: MATERIAL.HMAC_224, KeyId: IDS.k224 });
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.disabled });
  await kms.disableKey({ KeyId: IDS.disabled });
  await kms.createAlias({ AliasName: 'alias/fixture', TargetKeyId: IDS.k256 });
  for (const [principal, statements] of Object.entries(v.iam ?? {})) kms.putIdentityPolicy(principal, 'test', policy(...statements));
  for (const g of v.grants ?? []) await kms.createGrant({ KeyId: IDS.k256, ...g } as never);
  if (v.keyPolicy) await kms.putKeyPolicy({ KeyId: IDS.k256, Policy: policy(...v.keyPolicy), BypassPolicyLockoutSafetyCheck: true });
  return kms.as(v.caller);
}

describe('authorization decisions', () => {
  it.each(VECTORS.map((v) => [v.label, v] as const))('%s', async (_label, v) => {
    const kms = await setup(v);
    if (v.expected === 'allow') await v.call(kms);
    else await expectKmsError(v.call(kms), 'AccessDeniedException', v.expected);
  });
});
