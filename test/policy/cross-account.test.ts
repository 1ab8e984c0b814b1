// A cross-account walk: account A owns an HMAC key, lets account B verify MACs; B's IAM delegates to a role.
import { describe, expect, it } from 'vitest';
import { arnOf, bytes, expectKmsError, fixture, IDS } from '../helpers/kms.js';

const A = '111122223333';
const B = '444455556666';
const VERIFIER = `arn:aws:sts::${B}:assumed-role/Verifier/svc`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const KEY = arnOf(IDS.k256);

describe('cross-account verification', () => {
  it('key policy for account B + IAM in B: B verifies by key ARN, and only what both sides allow', async () => {
    const { kms } = await fixture();
    await kms.putKeyPolicy({
      KeyId: IDS.k256,
      Policy: doc(
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'Verify from B', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['kms:VerifyMac', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion'], Resource: '*' },
      ),
    });
    const { Mac } = await kms.generateMac({ KeyId: IDS.k256, Message: bytes('invoice 42'), MacAlgorithm: 'HMAC_SHA_256' });
    const verifier = kms.as(VERIFIER);

    // B's role has no IAM policy yet: the key policy alone is not enough across accounts (F6)
    await expectKmsError(verifier.verifyMac({ KeyId: KEY, Message: bytes('invoice 42'), MacAlgorithm: 'HMAC_SHA_256', Mac }), 'AccessDeniedException',
      `User: ${VERIFIER} is not authorized to perform: kms:VerifyMac on resource: ${KEY} because no identity-based policy allows the kms:VerifyMac action`);
    kms.putIdentityPolicy(`arn:aws:iam::${B}:role/Verifier`, 'verify', doc({ Effect: 'Allow', Action: ['kms:VerifyMac', 'kms:GenerateMac', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey'], Resource: `arn:aws:kms:*:${A}:key/*` }));
    await verifier.verifyMac({ KeyId: KEY, Message: bytes('invoice 42'), MacAlgorithm: 'HMAC_SHA_256', Mac });
    expect((await verifier.describeKey({ KeyId: KEY })).KeyMetadata!.AWSAccountId).toBe(A);
    // IAM allows GenerateMac, the key policy does not
    await expectKmsError(verifier.generateMac({ KeyId: KEY, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256' }), 'AccessDeniedException',
      `User: ${VERIFIER} is not authorized to perform: kms:GenerateMac on resource: ${KEY} because no resource-based policy allows the kms:GenerateMac action`);
    // both allow ScheduleKeyDeletion, but it is not a cross-account operation (F7)
    await expectKmsError(verifier.scheduleKeyDeletion({ KeyId: KEY }), 'AccessDeniedException',
      `User: ${VERIFIER} is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${KEY} because no resource-based policy allows the kms:ScheduleKeyDeletion action`);
    // an alias of account A is not reachable by name from B (a bare alias name is B's own)
    await expectKmsError(verifier.verifyMac({ KeyId: 'alias/fixture', Message: bytes('invoice 42'), MacAlgorithm: 'HMAC_SHA_256', Mac }), 'NotFoundException',
      `Alias arn:aws:kms:us-east-1:${B}:alias/fixture is not found.`);
    // but its alias ARN is
    await verifier.verifyMac({ KeyId: `arn:aws:kms:us-east-1:${A}:alias/fixture`, Message: bytes('invoice 42'), MacAlgorithm: 'HMAC_SHA_256', Mac });
    // and a failed verification is still KMSInvalidMacException, not a denial
    await expectKmsError(verifier.verifyMac({ KeyId: KEY, Message: bytes('invoice 43'), MacAlgorithm: 'HMAC_SHA_256', Mac }), 'KMSInvalidMacException', '');
  });
});
