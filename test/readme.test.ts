// The README's examples, run as written (so that the documentation cannot drift from the code).
import { describe, expect, it } from 'vitest';
import { HmacKms, KMSInvalidMacException } from '../src/index.js';

describe('README', () => {
  it('the quickstart', async () => {
    const kms = new HmacKms({ region: 'us-east-1' });
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await kms.createAlias({ AliasName: 'alias/webhooks', TargetKeyId: KeyMetadata!.KeyId });
    const Message = new TextEncoder().encode('{"event":"paid"}');
    const { Mac } = await kms.generateMac({ KeyId: 'alias/webhooks', Message, MacAlgorithm: 'HMAC_SHA_256' });
    expect(await kms.verifyMac({ KeyId: 'alias/webhooks', Message, Mac, MacAlgorithm: 'HMAC_SHA_256' })).toMatchObject({ MacValid: true, KeyId: KeyMetadata!.Arn });
    await expect(kms.verifyMac({ KeyId: 'alias/webhooks', Message: new Uint8Array([1]), Mac, MacAlgorithm: 'HMAC_SHA_256' })).rejects.toBeInstanceOf(KMSInvalidMacException);
  });

  it('the worked example of policies and grants', async () => {
    const kms = new HmacKms();
    const Message = new TextEncoder().encode('payload');
    kms.putIdentityPolicy('arn:aws:iam::111122223333:role/Signer', 'mac-512-only', JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'kms:GenerateMac', Resource: 'arn:aws:kms:us-east-1:111122223333:key/*', Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_512' } } }],
    }));
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const keyArn = KeyMetadata!.Arn!;
    const signer = kms.as('arn:aws:sts::111122223333:assumed-role/Signer/web-1');
    const { Mac } = await signer.generateMac({ KeyId: keyArn, Message, MacAlgorithm: 'HMAC_SHA_512' });
    await expect(signer.verifyMac({ KeyId: keyArn, Message, Mac, MacAlgorithm: 'HMAC_SHA_512' })).rejects.toThrow(
      `User: arn:aws:sts::111122223333:assumed-role/Signer/web-1 is not authorized to perform: kms:VerifyMac on resource: ${keyArn} because no identity-based policy allows the kms:VerifyMac action`,
    );

    const { GrantToken } = await kms.createGrant({
      KeyId: keyArn, Name: 'ci-run-42', Operations: ['GenerateMac', 'VerifyMac'],
      GranteePrincipal: 'arn:aws:iam::111122223333:role/CI', RetiringPrincipal: 'arn:aws:iam::111122223333:role/CI',
    });
    const ci = kms.as('arn:aws:iam::111122223333:role/CI');
    await ci.generateMac({ KeyId: keyArn, Message, MacAlgorithm: 'HMAC_SHA_512', GrantTokens: [GrantToken!] });
    await ci.retireGrant({ GrantToken });
    await expect(ci.generateMac({ KeyId: keyArn, Message, MacAlgorithm: 'HMAC_SHA_512' })).rejects.toMatchObject({ name: 'AccessDeniedException' });

    await kms.putKeyPolicy({ KeyId: keyArn, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Verify from partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:VerifyMac', Resource: '*' },
    ] }) });
    kms.putIdentityPolicy('arn:aws:iam::444455556666:role/Verifier', 'verify', JSON.stringify({ Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'kms:VerifyMac', Resource: keyArn }] }));
    expect((await kms.as('arn:aws:iam::444455556666:role/Verifier').verifyMac({ KeyId: keyArn, Message, Mac, MacAlgorithm: 'HMAC_SHA_512' })).MacValid).toBe(true);
  });
});
