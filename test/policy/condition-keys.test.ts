// Condition keys that matter for HMAC keys, each present exactly when AWS makes it present (kms-authz.md §4).
import { describe, expect, it } from 'vitest';
import type { HmacKms } from '../../src/index.js';
import { arnOf, bytes, DAY, expectKmsError, fixture, IDS } from '../helpers/kms.js';

const A = '111122223333';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const SESSION = `arn:aws:sts::${A}:assumed-role/Signer/s1`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ROOT_ALL = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' };

type Where = 'iam' | 'keyPolicy';
interface Row {
  label: string;
  where: Where;
  action: string | string[];
  condition: object;
  caller?: string;
  call: (kms: HmacKms) => Promise<unknown>;
  allowed: boolean;
}

const mac512 = (KeyId: string = IDS.k512) => (kms: HmacKms) => kms.generateMac({ KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_512' });

const ROWS: Row[] = [
  { label: 'kms:MacAlgorithm matches', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_512' } }, call: mac512(), allowed: true },
  { label: 'kms:MacAlgorithm in IAM, either of two values (ORed)', where: 'iam', action: 'kms:GenerateMac', condition: { StringEquals: { 'kms:MacAlgorithm': ['HMAC_SHA_384', 'HMAC_SHA_512'] } }, call: mac512(), allowed: true },
  { label: 'kms:MacAlgorithm absent from DescribeKey', where: 'iam', action: 'kms:*', condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_512' } }, call: (k) => k.describeKey({ KeyId: arnOf(IDS.k512) }), allowed: false },
  { label: 'kms:RequestAlias when the request names the alias', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { StringEquals: { 'kms:RequestAlias': 'alias/signing' } }, call: mac512('alias/signing'), allowed: true },
  { label: 'kms:RequestAlias absent when the request names the key ARN', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { StringEquals: { 'kms:RequestAlias': 'alias/signing' } }, call: mac512(arnOf(IDS.k512)), allowed: false },
  { label: 'kms:RequestAlias from an alias ARN is the alias name', where: 'iam', action: 'kms:GenerateMac', condition: { StringLike: { 'kms:RequestAlias': 'alias/sign*' } }, call: mac512(`arn:aws:kms:us-east-1:${A}:alias/signing`), allowed: true },
  { label: 'kms:ResourceAliases in IAM, whatever identifier', where: 'iam', action: 'kms:GenerateMac', condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/signing' } }, call: mac512(arnOf(IDS.k512)), allowed: true },
  { label: 'kms:ResourceAliases is IAM-only: absent in a key policy', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/signing' } }, call: mac512(), allowed: false },
  { label: 'aws:ResourceTag in IAM', where: 'iam', action: 'kms:GenerateMac', condition: { StringEquals: { 'aws:ResourceTag/Purpose': 'webhooks' } }, call: mac512(arnOf(IDS.k512)), allowed: true },
  { label: 'aws:ResourceTag key names are case-insensitive', where: 'iam', action: 'kms:GenerateMac', condition: { StringEquals: { 'aws:resourcetag/purpose': 'webhooks' } }, call: mac512(arnOf(IDS.k512)), allowed: true },
  { label: 'aws:ResourceTag is IAM-only: absent in a key policy', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { StringEquals: { 'aws:ResourceTag/Purpose': 'webhooks' } }, call: mac512(), allowed: false },
  { label: 'kms:KeySpec of the key', where: 'iam', action: 'kms:GenerateMac', condition: { StringEquals: { 'kms:KeySpec': 'HMAC_512', 'kms:KeyUsage': 'GENERATE_VERIFY_MAC', 'kms:KeyOrigin': 'AWS_KMS', 'kms:CustomerMasterKeySpec': 'HMAC_512' } }, call: mac512(arnOf(IDS.k512)), allowed: true },
  { label: 'kms:MultiRegion false; kms:MultiRegionKeyType absent', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { Bool: { 'kms:MultiRegion': 'false' }, Null: { 'kms:MultiRegionKeyType': 'true' } }, call: mac512(), allowed: true },
  { label: 'kms:CallerAccount', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { StringEquals: { 'kms:CallerAccount': A } }, call: mac512(), allowed: true },
  { label: 'aws:PrincipalArn of a session is the role ARN', where: 'keyPolicy', action: 'kms:GenerateMac', caller: SESSION, condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/Signer` } }, call: mac512(), allowed: true },
  { label: 'aws:PrincipalAccount and aws:PrincipalType', where: 'keyPolicy', action: 'kms:GenerateMac', condition: { StringEquals: { 'aws:PrincipalAccount': A, 'aws:PrincipalType': 'User', 'aws:username': 'Alice' } }, call: mac512(), allowed: true },
  { label: 'aws:CurrentTime from the clock (before the date)', where: 'iam', action: 'kms:GenerateMac', condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-02T00:00:00Z' } }, call: mac512(arnOf(IDS.k512)), allowed: true },
  { label: 'aws:CurrentTime from the clock (after the date)', where: 'iam', action: 'kms:GenerateMac', condition: { DateLessThan: { 'aws:CurrentTime': '2025-12-31T00:00:00Z' } }, call: mac512(arnOf(IDS.k512)), allowed: false },
  { label: 'aws:RequestTag and aws:TagKeys on TagResource', where: 'iam', action: 'kms:TagResource', condition: { StringEquals: { 'aws:RequestTag/env': 'dev' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
    call: (k) => k.tagResource({ KeyId: arnOf(IDS.k512), Tags: [{ TagKey: 'env', TagValue: 'dev' }, { TagKey: 'team', TagValue: 'x' }] }), allowed: true },
  { label: 'aws:TagKeys outside the allowed set', where: 'iam', action: 'kms:TagResource', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } },
    call: (k) => k.tagResource({ KeyId: arnOf(IDS.k512), Tags: [{ TagKey: 'owner', TagValue: 'x' }] }), allowed: false },
  { label: 'aws:TagKeys on UntagResource', where: 'iam', action: 'kms:UntagResource', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } },
    call: (k) => k.untagResource({ KeyId: arnOf(IDS.k512), TagKeys: ['env'] }), allowed: true },
  { label: 'CreateKey: kms:KeySpec, kms:KeyUsage, kms:MultiRegion from the request', where: 'iam', action: 'kms:CreateKey',
    condition: { StringEquals: { 'kms:KeySpec': 'HMAC_256', 'kms:KeyUsage': 'GENERATE_VERIFY_MAC', 'kms:KeyOrigin': 'AWS_KMS', 'kms:CallerAccount': A }, Bool: { 'kms:MultiRegion': 'false' } },
    call: (k) => k.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), allowed: true },
  { label: 'CreateKey: kms:KeySpec refuses another spec', where: 'iam', action: 'kms:CreateKey', condition: { StringEquals: { 'kms:KeySpec': 'HMAC_256' } },
    call: (k) => k.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }), allowed: false },
  { label: 'CreateKey: kms:MultiRegionKeyType PRIMARY for a multi-Region key', where: 'iam', action: 'kms:CreateKey', condition: { StringEquals: { 'kms:MultiRegionKeyType': 'PRIMARY' } },
    call: (k) => k.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: true }), allowed: true },
  { label: 'CreateKey: kms:BypassPolicyLockoutSafetyCheck absent when not sent (Null true)', where: 'iam', action: 'kms:CreateKey', condition: { Null: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
    call: (k) => k.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), allowed: true },
  { label: 'CreateKey: kms:BypassPolicyLockoutSafetyCheck present when sent', where: 'iam', action: 'kms:CreateKey', condition: { Null: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
    call: (k) => k.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', BypassPolicyLockoutSafetyCheck: false }), allowed: false },
  { label: 'CreateGrant: kms:GrantOperations, kms:GranteePrincipal, kms:GrantIsForAWSResource', where: 'keyPolicy', action: 'kms:CreateGrant',
    condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['GenerateMac', 'VerifyMac'] }, StringLike: { 'kms:GranteePrincipal': `arn:aws:iam::${A}:role/*` }, Bool: { 'kms:GrantIsForAWSResource': 'false' } },
    call: (k) => k.createGrant({ KeyId: arnOf(IDS.k512), GranteePrincipal: `arn:aws:iam::${A}:role/CI`, Operations: ['GenerateMac'] }), allowed: true },
  { label: 'CreateGrant: an operation outside kms:GrantOperations', where: 'keyPolicy', action: 'kms:CreateGrant', condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['GenerateMac'] } },
    call: (k) => k.createGrant({ KeyId: arnOf(IDS.k512), GranteePrincipal: ALICE, Operations: ['GenerateMac', 'DescribeKey'] }), allowed: false },
  { label: 'CreateGrant: kms:RetiringPrincipal present only when sent', where: 'keyPolicy', action: 'kms:CreateGrant', condition: { Null: { 'kms:RetiringPrincipal': 'false' } },
    call: (k) => k.createGrant({ KeyId: arnOf(IDS.k512), GranteePrincipal: ALICE, Operations: ['GenerateMac'] }), allowed: false },
  { label: 'ScheduleKeyDeletion: kms:ScheduleKeyDeletionPendingWindowInDays, the default 30 counts', where: 'iam', action: 'kms:ScheduleKeyDeletion', condition: { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30 } },
    call: (k) => k.scheduleKeyDeletion({ KeyId: arnOf(IDS.k512) }), allowed: true },
  { label: 'ScheduleKeyDeletion: a shorter window fails the condition', where: 'iam', action: 'kms:ScheduleKeyDeletion', condition: { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30 } },
    call: (k) => k.scheduleKeyDeletion({ KeyId: arnOf(IDS.k512), PendingWindowInDays: 7 }), allowed: false },
];

describe('condition keys', () => {
  it.each(ROWS.map((r) => [r.label, r] as const))('%s', async (_label, row) => {
    const { kms } = await fixture();
    await kms.createAlias({ AliasName: 'alias/signing', TargetKeyId: IDS.k512 });
    await kms.tagResource({ KeyId: IDS.k512, Tags: [{ TagKey: 'Purpose', TagValue: 'webhooks' }] });
    const caller = row.caller ?? ALICE;
    const statement = { Effect: 'Allow', Action: row.action, Resource: '*', Condition: row.condition };
    if (row.where === 'keyPolicy') {
      await kms.putKeyPolicy({ KeyId: IDS.k512, Policy: doc(ROOT_ALL, { ...statement, Principal: { AWS: caller.startsWith('arn:aws:sts') ? `arn:aws:iam::${A}:role/Signer` : caller } }) });
    } else {
      kms.putIdentityPolicy(caller.startsWith('arn:aws:sts') ? `arn:aws:iam::${A}:role/Signer` : caller, 'p', doc(statement));
    }
    const call = row.call(kms.as(caller));
    if (row.allowed) await call;
    else await expectKmsError(call, 'AccessDeniedException', /^User: .* is not authorized to perform: kms:\w+/);
  });

  it('the clock moves aws:CurrentTime', async () => {
    const { kms, clock } = await fixture();
    kms.putIdentityPolicy(ALICE, 'until', doc({ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-03T00:00:00Z' } } }));
    const alice = kms.as(ALICE);
    await alice.describeKey({ KeyId: IDS.k256 });
    clock.advance(2 * DAY);
    await expectKmsError(alice.describeKey({ KeyId: IDS.k256 }), 'AccessDeniedException', /kms:DescribeKey/);
    expect(true).toBe(true);
  });
});
