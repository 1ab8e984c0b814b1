// The audit trail: one CloudTrail-shaped record per call, successes and failures, nothing secret
// (DG ct-generatemac.md, ct-verifymac.md, ct-createkey.md, ct-disablekey.html, ct-schedule-key-deletion.md).
import { describe, expect, it } from 'vitest';
import { cloudTrailDate } from '../../src/audit/cloudtrail.js';
import { arnOf, bytes, fixture, IDS, T0, testKms } from '../helpers/kms.js';

describe('audit records', () => {
  it('GenerateMac: the documented record, keyId as the caller wrote it, resources with the key ARN, no message or MAC', async () => {
    const { kms, audit } = await fixture();
    await kms.generateMac({ KeyId: 'alias/fixture', Message: bytes('secret message'), MacAlgorithm: 'HMAC_SHA_256' });
    expect(audit).toHaveLength(1);
    const e = audit[0]!;
    expect(e).toEqual({
      eventVersion: '1.08',
      userIdentity: { type: 'Root', principalId: '111122223333', arn: 'arn:aws:iam::111122223333:root', accountId: '111122223333' },
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'GenerateMac',
      awsRegion: 'us-east-1',
      sourceIPAddress: 'hmac-kms',
      userAgent: 'hmac-kms',
      requestParameters: { keyId: 'alias/fixture', macAlgorithm: 'HMAC_SHA_256' },
      responseElements: null,
      requestID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      eventID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      readOnly: true,
      resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: arnOf(IDS.k256) }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '111122223333',
      eventCategory: 'Management',
    });
    expect(e.eventID).not.toBe(e.requestID);
  });

  it('a failed VerifyMac: errorCode, no errorMessage (AWS sends none), no MAC', async () => {
    const { kms, audit } = await fixture();
    const { GrantToken } = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['VerifyMac'] });
    audit.length = 0;
    await kms.verifyMac({ KeyId: IDS.k256, Message: bytes('m'), Mac: new Uint8Array(32), MacAlgorithm: 'HMAC_SHA_256', GrantTokens: [GrantToken!] }).catch(() => {});
    expect(audit[0]).toMatchObject({ eventName: 'VerifyMac', errorCode: 'KMSInvalidMacException', readOnly: true, responseElements: null });
    expect(audit[0]).not.toHaveProperty('errorMessage');
    expect(audit[0]!.requestParameters).toEqual({ keyId: IDS.k256, macAlgorithm: 'HMAC_SHA_256' }); // grant tokens are never logged
  });

  it('errors before the key is known: errorCode and errorMessage, no resources', async () => {
    const { kms, audit } = await fixture();
    await kms.describeKey({ KeyId: 'nope' }).catch(() => {});
    expect(audit[0]).toMatchObject({ eventName: 'DescribeKey', errorCode: 'NotFoundException', errorMessage: "Invalid keyId 'nope'" });
    expect(audit[0]).not.toHaveProperty('resources');
  });

  it('CreateKey: requestParameters, and keyMetadata in responseElements with CloudTrail date format', async () => {
    const { kms, audit } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'd', Tags: [{ TagKey: 'k', TagValue: 'v' }] });
    expect(audit[0]).toMatchObject({
      eventName: 'CreateKey',
      readOnly: false,
      requestParameters: { description: 'd', keyUsage: 'GENERATE_VERIFY_MAC', tags: [{ TagKey: 'k', TagValue: 'v' }], keySpec: 'HMAC_256' },
      responseElements: { keyMetadata: { AWSAccountId: '111122223333', keyId: KeyMetadata!.KeyId, arn: KeyMetadata!.Arn, creationDate: 'Jan 1, 2026, 12:00:00 AM', macAlgorithms: ['HMAC_SHA_256'] } },
    });
    expect(audit[0]).not.toHaveProperty('resources');
  });

  it('DisableKey and ScheduleKeyDeletion: responseElements.keyId is the key ARN', async () => {
    const { kms, audit } = await fixture();
    await kms.disableKey({ KeyId: IDS.k256 });
    await kms.scheduleKeyDeletion({ KeyId: IDS.k256, PendingWindowInDays: 20 });
    expect(audit[0]).toMatchObject({ eventName: 'DisableKey', requestParameters: { keyId: IDS.k256 }, responseElements: { keyId: arnOf(IDS.k256) } });
    expect(audit[1]).toMatchObject({
      eventName: 'ScheduleKeyDeletion',
      requestParameters: { keyId: IDS.k256, pendingWindowInDays: 20 },
      responseElements: { keyId: arnOf(IDS.k256), keyState: 'PendingDeletion', deletionDate: 'Jan 21, 2026, 12:00:00 AM', pendingWindowInDays: 20 },
    });
  });

  it('user identities: IAM user, assumed role, federated user', async () => {
    const { kms, audit } = testKms();
    // (denied: none of them has an identity policy; denials are audited too)
    await kms.as('arn:aws:iam::111122223333:user/Alice').listKeys().catch(() => {});
    await kms.as('arn:aws:sts::111122223333:assumed-role/Ops/ci-42').listKeys().catch(() => {});
    await kms.as('arn:aws:sts::111122223333:federated-user/Eve').listKeys().catch(() => {});
    expect(audit.map((e) => e.errorCode)).toEqual(['AccessDenied', 'AccessDenied', 'AccessDenied']);
    expect(audit.map((e) => e.userIdentity)).toEqual([
      { type: 'IAMUser', principalId: 'AIDA111122223333', arn: 'arn:aws:iam::111122223333:user/Alice', accountId: '111122223333', userName: 'Alice' },
      {
        type: 'AssumedRole', principalId: 'AROA111122223333:ci-42', arn: 'arn:aws:sts::111122223333:assumed-role/Ops/ci-42', accountId: '111122223333',
        sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROA111122223333', arn: 'arn:aws:iam::111122223333:role/Ops', accountId: '111122223333', userName: 'Ops' }, attributes: { mfaAuthenticated: 'false' } },
      },
      { type: 'FederatedUser', principalId: '111122223333:Eve', arn: 'arn:aws:sts::111122223333:federated-user/Eve', accountId: '111122223333' },
    ]);
  });

  it('seedKey is emulator-only and not audited; every other call is, once', async () => {
    const { kms, audit } = testKms();
    await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: new Uint8Array(32) });
    expect(audit).toEqual([]);
    await kms.listKeys();
    await kms.listAliases();
    expect(audit.map((e) => e.eventName)).toEqual(['ListKeys', 'ListAliases']);
  });

  it('CloudTrail date format', () => {
    expect(cloudTrailDate(new Date('2022-08-10T22:38:27Z'))).toBe('Aug 10, 2022, 10:38:27 PM');
    expect(cloudTrailDate(new Date('2022-08-10T00:05:09Z'))).toBe('Aug 10, 2022, 12:05:09 AM');
    expect(cloudTrailDate(new Date('2022-08-10T12:00:00Z'))).toBe('Aug 10, 2022, 12:00:00 PM');
    expect(cloudTrailDate(T0)).toBe('Jan 1, 2026, 12:00:00 AM');
  });
});
