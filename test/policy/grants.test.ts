// Grants through their lives: create, use, list, retire (by token and by id), revoke; idempotency by Name; tokens;
// who may retire and revoke; CreateGrant through a grant; cross-account grantees; the 50,000 quota; bad input.
import { describe, expect, it } from 'vitest';
import { arnOf, bytes, expectKmsError, fixture, IDS, observe, T0 } from '../helpers/kms.js';

const A = '111122223333';
const B = '444455556666';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const CAROL = `arn:aws:iam::${A}:user/Carol`;
const BOB = `arn:aws:iam::${B}:user/Bob`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const mac = { Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' as const };
const GRANT_ID = /^[0-9a-f]{64}$/;

describe('grant lifecycle', () => {
  it('create -> use -> list -> retire by token; create -> revoke', async () => {
    const { kms } = await fixture();
    const alice = kms.as(ALICE);
    await expectKmsError(alice.generateMac({ KeyId: arnOf(IDS.k256), ...mac }), 'AccessDeniedException', /no identity-based policy allows/);

    const created = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, RetiringPrincipal: ALICE, Operations: ['GenerateMac', 'VerifyMac'] });
    expect(created.GrantId).toMatch(GRANT_ID);
    expect(created.GrantToken).toMatch(/^AQpA[A-Za-z0-9_-]+$/);
    const { Mac } = await alice.generateMac({ KeyId: arnOf(IDS.k256), ...mac });
    await alice.verifyMac({ KeyId: arnOf(IDS.k256), ...mac, Mac, GrantTokens: [created.GrantToken!] });
    // the grant allows only what it lists
    await expectKmsError(alice.describeKey({ KeyId: arnOf(IDS.k256) }), 'AccessDeniedException', /kms:DescribeKey/);

    const { Grants } = await kms.listGrants({ KeyId: IDS.k256 });
    expect(Grants).toEqual([
      {
        KeyId: arnOf(IDS.k256), GrantId: created.GrantId, CreationDate: T0, GranteePrincipal: ALICE, RetiringPrincipal: ALICE,
        IssuingAccount: `arn:aws:iam::${A}:root`, Operations: ['GenerateMac', 'VerifyMac'],
      },
    ]);
    expect((await kms.listRetirableGrants({ RetiringPrincipal: ALICE })).Grants!.map((g) => g.GrantId)).toEqual([created.GrantId]);

    await alice.retireGrant({ GrantToken: created.GrantToken });
    await expectKmsError(alice.generateMac({ KeyId: arnOf(IDS.k256), ...mac }), 'AccessDeniedException', /no identity-based policy allows/);
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants).toEqual([]);

    const second = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    await alice.generateMac({ KeyId: arnOf(IDS.k256), ...mac });
    await kms.revokeGrant({ KeyId: IDS.k256, GrantId: second.GrantId });
    await expectKmsError(alice.generateMac({ KeyId: arnOf(IDS.k256), ...mac }), 'AccessDeniedException', /no identity-based policy allows/);
    await expectKmsError(kms.revokeGrant({ KeyId: IDS.k256, GrantId: second.GrantId }), 'NotFoundException', `Grant ID ${second.GrantId} not found for key ${arnOf(IDS.k256)}`);
  });

  it('Name makes CreateGrant idempotent: the same id, a new token, all tokens interchangeable (API CreateGrant Name)', async () => {
    const { kms } = await fixture();
    const req = { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac' as const], Name: 'ci-job' };
    const a = await kms.createGrant(req);
    const b = await kms.createGrant({ ...req, Operations: ['GenerateMac'] });
    expect(b.GrantId).toBe(a.GrantId);
    expect(b.GrantToken).not.toBe(a.GrantToken);
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants).toHaveLength(1);
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants![0]!.Name).toBe('ci-job');
    // other parameters with the same name: another grant
    const c = await kms.createGrant({ ...req, Operations: ['VerifyMac'] });
    expect(c.GrantId).not.toBe(a.GrantId);
    // without a name, every call is a new grant
    const d = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    const e = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    expect(d.GrantId).not.toBe(e.GrantId);
    // retiring with the second token retires the grant both tokens name
    await kms.retireGrant({ GrantToken: b.GrantToken });
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants!.map((g) => g.GrantId)).not.toContain(a.GrantId);
  });

  it('grant tokens: a token KMS never issued is InvalidGrantTokenException; ListGrants never shows tokens', async () => {
    const { kms } = await fixture();
    const { GrantToken } = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    await expectKmsError(kms.generateMac({ KeyId: IDS.k256, ...mac, GrantTokens: ['AQpAforged'] }), 'InvalidGrantTokenException',
      'The request was rejected because the specified grant token is not valid.');
    await expectKmsError(kms.retireGrant({ GrantToken: 'nope' }), 'InvalidGrantTokenException', 'The request was rejected because the specified grant token is not valid.');
    expect(JSON.stringify(await kms.listGrants({ KeyId: IDS.k256 }))).not.toContain(GrantToken);
  });

  it('CreateGrant through a grant: only a subset of the parent grant operations (DG create-grant-overview)', async () => {
    const { kms } = await fixture();
    await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac', 'CreateGrant'] });
    const alice = kms.as(ALICE);
    await alice.createGrant({ KeyId: arnOf(IDS.k256), GranteePrincipal: CAROL, Operations: ['GenerateMac'] });
    await kms.as(CAROL).generateMac({ KeyId: arnOf(IDS.k256), ...mac });
    await expectKmsError(alice.createGrant({ KeyId: arnOf(IDS.k256), GranteePrincipal: CAROL, Operations: ['GenerateMac', 'VerifyMac'] }), 'AccessDeniedException',
      `User: ${ALICE} is not authorized to perform: kms:CreateGrant on resource: ${arnOf(IDS.k256)} because no identity-based policy allows the kms:CreateGrant action`);
  });

  it('a role ARN grantee covers its sessions; an account grantee delegates to IAM', async () => {
    const { kms } = await fixture();
    await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: `arn:aws:iam::${A}:role/Signer`, Operations: ['GenerateMac'] });
    await kms.as(`arn:aws:sts::${A}:assumed-role/Signer/run-1`).generateMac({ KeyId: arnOf(IDS.k256), ...mac });
    await kms.createGrant({ KeyId: IDS.k224, GranteePrincipal: `arn:aws:iam::${A}:root`, Operations: ['DescribeKey'] });
    await expectKmsError(kms.as(CAROL).describeKey({ KeyId: arnOf(IDS.k224) }), 'AccessDeniedException', /no identity-based policy allows/);
    kms.putIdentityPolicy(CAROL, 'd', doc({ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: arnOf(IDS.k224) }));
    await kms.as(CAROL).describeKey({ KeyId: arnOf(IDS.k224) });
  });

  it('cross-account grantee: Bob uses the key by ARN without any key policy statement for his account', async () => {
    const { kms } = await fixture();
    const { GrantToken } = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: BOB, Operations: ['GenerateMac', 'VerifyMac'] });
    const bob = kms.as(BOB);
    const { Mac, KeyId } = await bob.generateMac({ KeyId: arnOf(IDS.k256), ...mac, GrantTokens: [GrantToken!] });
    expect(KeyId).toBe(arnOf(IDS.k256));
    await bob.verifyMac({ KeyId: arnOf(IDS.k256), ...mac, Mac });
    // a bare key id means Bob's own account
    await expectKmsError(bob.generateMac({ KeyId: IDS.k256, ...mac }), 'NotFoundException', `Key '${arnOf(IDS.k256, 'us-east-1', B)}' does not exist`);
  });
});

describe('who may retire and revoke (API RetireGrant; kms-authz.md §5.6)', () => {
  it('the retiring principal, the grantee when the grant lists RetireGrant, the issuing account root; nobody else', async () => {
    const { kms } = await fixture();
    const g1 = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, RetiringPrincipal: CAROL, Operations: ['GenerateMac'] });
    await expectKmsError(kms.as(ALICE).retireGrant({ GrantToken: g1.GrantToken }), 'AccessDeniedException',
      `User: ${ALICE} is not authorized to perform: kms:RetireGrant on resource: ${arnOf(IDS.k256)} because no identity-based policy allows the kms:RetireGrant action`);
    await kms.as(CAROL).retireGrant({ KeyId: arnOf(IDS.k256), GrantId: g1.GrantId });

    const g2 = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac', 'RetireGrant'] });
    await kms.as(ALICE).retireGrant({ GrantToken: g2.GrantToken });

    const g3 = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: BOB, Operations: ['GenerateMac'] });
    await expectKmsError(kms.as(BOB).retireGrant({ GrantToken: g3.GrantToken }), 'AccessDeniedException',
      `User: ${BOB} is not authorized to perform: kms:RetireGrant on resource: ${arnOf(IDS.k256)} because no resource-based policy allows the kms:RetireGrant action`);
    await kms.retireGrant({ GrantToken: g3.GrantToken }); // the root of the issuing account

    // IAM can delegate kms:RetireGrant within the issuing account, and an IAM Deny stops every path
    const g4 = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, RetiringPrincipal: ALICE, Operations: ['GenerateMac'] });
    kms.putIdentityPolicy(CAROL, 'retire', doc({ Effect: 'Allow', Action: 'kms:RetireGrant', Resource: '*' }));
    kms.putIdentityPolicy(ALICE, 'no-retire', doc({ Effect: 'Deny', Action: 'kms:RetireGrant', Resource: '*' }));
    await expectKmsError(kms.as(ALICE).retireGrant({ GrantToken: g4.GrantToken }), 'AccessDeniedException',
      `User: ${ALICE} is not authorized to perform: kms:RetireGrant on resource: ${arnOf(IDS.k256)} with an explicit deny in an identity-based policy`);
    await kms.as(CAROL).retireGrant({ GrantToken: g4.GrantToken });
  });

  it('RevokeGrant is an ordinary key permission; DryRun changes nothing', async () => {
    const { kms } = await fixture();
    const g = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    await expectKmsError(kms.as(ALICE).revokeGrant({ KeyId: arnOf(IDS.k256), GrantId: g.GrantId }), 'AccessDeniedException', /kms:RevokeGrant.*no identity-based policy/);
    await expectKmsError(kms.revokeGrant({ KeyId: IDS.k256, GrantId: g.GrantId, DryRun: true }), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await expectKmsError(kms.retireGrant({ GrantToken: g.GrantToken, DryRun: true }), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await expectKmsError(kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['VerifyMac'], DryRun: true }), 'DryRunOperationException',
      'The request would have succeeded, but the DryRun option is set.');
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants).toHaveLength(1);
    await kms.as(ALICE).generateMac({ KeyId: arnOf(IDS.k256), ...mac });
  });

  it('retiring and revoking work in every key state; creating does not (DG key-state)', async () => {
    const { kms } = await fixture();
    const g = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] });
    await kms.disableKey({ KeyId: IDS.k256 });
    await expectKmsError(kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] }), 'DisabledException', `${arnOf(IDS.k256)} is disabled.`);
    await kms.scheduleKeyDeletion({ KeyId: IDS.k256 });
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants).toHaveLength(1);
    await kms.revokeGrant({ KeyId: IDS.k256, GrantId: g.GrantId });
  });
});

describe('CreateGrant bad input (each refused, nothing changes)', () => {
  const CASES: [string, Record<string, unknown>, string, string][] = [
    ['no grantee', { KeyId: IDS.k256, Operations: ['GenerateMac'] }, 'ValidationException', "1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null"],
    ['no operations member', { KeyId: IDS.k256, GranteePrincipal: ALICE }, 'ValidationException', "1 validation error detected: Value null at 'operations' failed to satisfy constraint: Member must not be null"],
    ['empty operations', { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: [] }, 'ValidationException', "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    ['only CreateGrant (observed)', { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['CreateGrant'] }, 'ValidationException', 'Grants must not contain only the CreateGrant operation.'],
    ['an operation HMAC keys lack', { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac', 'Encrypt', 'Sign'] }, 'ValidationException',
      `Grant operations Encrypt, Sign are not valid for ${arnOf(IDS.k256)}: a KMS key with KeyUsage GENERATE_VERIFY_MAC supports only GenerateMac, VerifyMac, DescribeKey, CreateGrant and RetireGrant.`],
    ['an unknown operation', { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['Frobnicate'] }, 'ValidationException',
      "1 validation error detected: Value 'Frobnicate' at 'operations.1.member' failed to satisfy constraint: Member must satisfy enum value set: [Decrypt, Encrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, CreateGrant, RetireGrant, DescribeKey, GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret]"],
    ['an encryption context constraint', { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Constraints: { EncryptionContextSubset: { a: 'b' } } }, 'ValidationException',
      'Encryption context grant constraints are not supported for HMAC KMS keys.'],
    ['a group as grantee', { KeyId: IDS.k256, GranteePrincipal: `arn:aws:iam::${A}:group/G`, Operations: ['GenerateMac'] }, 'ValidationException',
      `GranteePrincipal arn:aws:iam::${A}:group/G is not a valid principal: name an account root, IAM user, IAM role, assumed-role session or federated user ARN.`],
    ['a bad principal pattern', { KeyId: IDS.k256, GranteePrincipal: 'a b', Operations: ['GenerateMac'] }, 'ValidationException',
      "1 validation error detected: Value 'a b' at 'granteePrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$"],
    ['an alias as KeyId (raw body, boto/boto#3202)', { KeyId: 'alias/fixture', GranteePrincipal: ALICE, Operations: ['GenerateMac'] }, 'InvalidArnException', 'Key Aliases are not supported for this operation.'],
    ['a bad Name', { KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: 'my grant' }, 'ValidationException',
      "1 validation error detected: Value 'my grant' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"],
    ['a pending-deletion key', { KeyId: IDS.pending, GranteePrincipal: ALICE, Operations: ['GenerateMac'] }, 'KMSInvalidStateException', `${arnOf(IDS.pending)} is pending deletion.`],
  ];
  it.each(CASES)('%s', async (_label, input, name, message) => {
    const { kms } = await fixture();
    const before = await observe(kms);
    await expectKmsError(kms.createGrant(input as never), name, message);
    expect(await observe(kms)).toEqual(before);
    expect((await kms.listGrants({ KeyId: IDS.k256 })).Grants).toEqual([]);
  });

  it('grant ids: malformed is InvalidGrantIdException, unknown is NotFoundException', async () => {
    const { kms } = await fixture();
    await expectKmsError(kms.revokeGrant({ KeyId: IDS.k256, GrantId: 'abc' }), 'InvalidGrantIdException', 'The request was rejected because the specified GrantId is not valid.');
    await expectKmsError(kms.listGrants({ KeyId: IDS.k256, GrantId: 'abc' }), 'InvalidGrantIdException', 'The request was rejected because the specified GrantId is not valid.');
    await expectKmsError(kms.retireGrant({ KeyId: arnOf(IDS.k256), GrantId: 'f'.repeat(64) }), 'NotFoundException', `Grant ID ${'f'.repeat(64)} not found for key ${arnOf(IDS.k256)}`);
    await expectKmsError(kms.retireGrant({}), 'ValidationException', 'RetireGrant needs either GrantToken, or KeyId and GrantId.');
    await expectKmsError(kms.listRetirableGrants({}), 'ValidationException', "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null");
  });

  it('50,000 grants per key (adjustable), then LimitExceededException', async () => {
    const { kms } = await fixture({ quotas: { grantsPerKey: 3 } });
    for (let i = 0; i < 3; i++) await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: `g${i}` });
    await expectKmsError(kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'] }), 'LimitExceededException',
      'Grants per key quota for this account in this region is 3, current usage is 3.');
    // a retry of an existing named grant is not a new grant
    await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: ALICE, Operations: ['GenerateMac'], Name: 'g0' });
  });

  it('ListGrants filters and pages', async () => {
    const { kms } = await fixture();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: i % 2 ? ALICE : CAROL, Operations: ['GenerateMac'] })).GrantId!);
    expect((await kms.listGrants({ KeyId: IDS.k256, GranteePrincipal: ALICE })).Grants!.map((g) => g.GrantId)).toEqual([ids[1], ids[3]]);
    expect((await kms.listGrants({ KeyId: IDS.k256, GrantId: ids[2] })).Grants!.map((g) => g.GrantId)).toEqual([ids[2]]);
    const p1 = await kms.listGrants({ KeyId: IDS.k256, Limit: 2 });
    const p2 = await kms.listGrants({ KeyId: IDS.k256, Limit: 2, Marker: p1.NextMarker });
    const p3 = await kms.listGrants({ KeyId: IDS.k256, Limit: 2, Marker: p2.NextMarker });
    expect([...p1.Grants!, ...p2.Grants!, ...p3.Grants!].map((g) => g.GrantId)).toEqual(ids);
    expect(p3.Truncated).toBe(false);
  });
});
