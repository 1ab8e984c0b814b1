// HmacKms options, derived instances (as, inRegion) sharing one world, partitions, Regions without HMAC, quotas.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HMAC_UNSUPPORTED_REGIONS, HmacKms, KMSInvalidMacException, KmsServiceException, NotFoundException } from '../../src/index.js';
import { arnOf, bytes, expectKmsError, T0, testKms } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('options', () => {
  it('defaults: us-east-1, account 111122223333, its root', () => {
    const kms = new HmacKms();
    expect({ region: kms.region, accountId: kms.accountId, principal: kms.principal }).toEqual({
      region: 'us-east-1', accountId: '111122223333', principal: 'arn:aws:iam::111122223333:root',
    });
  });

  it.each([
    [{ region: 'mars' }, "HmacKms: region must look like 'us-east-1' (got \"mars\")"],
    [{ accountId: '123' }, 'HmacKms: accountId must be 12 digits (got "123")'],
    [{ principal: 'bob' }, 'HmacKms: principal must be an IAM user, role, assumed-role session or account root ARN, or an account id (got "bob")'],
    [{ principal: 'arn:aws:iam::111122223333:group/Admins' }, /IAM user, role/],
    [{ clock: 5 }, 'HmacKms: clock must be a function'],
    [{ random: 'x' }, 'HmacKms: random must be a function'],
    [{ quotas: { keysPerRegion: -1 } }, 'HmacKms: quotas.keysPerRegion must be a non-negative integer'],
  ] as const)('rejects %j', (options, message) => {
    expect(() => new HmacKms(options as never)).toThrow(message);
  });

  it('the caller account is the one in the principal ARN', () => {
    const kms = new HmacKms({ principal: 'arn:aws:iam::444455556666:user/Bob' });
    expect(kms.accountId).toBe('444455556666');
    expect(new HmacKms({ principal: '444455556666' }).principal).toBe('arn:aws:iam::444455556666:root');
  });

  it('a role ARN stands for a session of that role', () => {
    const kms = new HmacKms().as('arn:aws:iam::444455556666:role/Ops');
    expect(kms.principal).toBe('arn:aws:sts::444455556666:assumed-role/Ops/hmac-kms');
    expect(kms.accountId).toBe('444455556666');
  });

  it('clock drives CreationDate and deletion; a clock that returns no Date is a programming error', async () => {
    const kms = new HmacKms({ clock: () => 'now' as unknown as Date });
    await expect(kms.listKeys()).rejects.toThrow('HmacKms: clock() must return a valid Date');
  });

  it('random drives key ids and material: the same seed gives the same keys and MACs', async () => {
    const run = async () => {
      const kms = new HmacKms({ clock: () => T0, random: seededRandom(5) });
      const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      const { Mac } = await kms.generateMac({ KeyId: KeyMetadata!.KeyId, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256' });
      return [KeyMetadata!.KeyId, Buffer.from(Mac!).toString('hex')];
    };
    expect(await run()).toEqual(await run());
  });

  it('construction draws no randomness (Cloudflare Workers forbid it in global scope)', async () => {
    const { createFetchHandler } = await import('../../src/index.js');
    const random = () => {
      throw new Error('random in global scope');
    };
    const kms = new HmacKms({ random });
    kms.as('arn:aws:iam::111122223333:user/Alice').inRegion('us-west-2');
    createFetchHandler(kms);
    await expect(kms.listKeys()).rejects.toThrow('random in global scope');
  });

  it('a random source that breaks its contract is reported, not used', async () => {
    // the constructor draws nothing (Cloudflare Workers forbid randomness in global scope); the first call does
    const broken = new HmacKms({ random: () => new Uint8Array(1) });
    await expect(broken.listKeys()).rejects.toThrow('random(8) must return a Uint8Array of length 8');
    const kms = new HmacKms({ random: (n) => new Uint8Array(n === 8 ? 8 : 1) });
    await expect(kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).rejects.toThrow('random(16) must return a Uint8Array of length 16');
    expect((await kms.listKeys()).Keys).toEqual([]);
  });
});

describe('one world, many doors', () => {
  it('as() and inRegion() share keys; a key id is relative to the caller account and Region', async () => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const alice = kms.as('arn:aws:iam::111122223333:user/Alice');
    kms.putIdentityPolicy('arn:aws:iam::111122223333:user/Alice', 'describe', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] }));
    expect((await alice.describeKey({ KeyId: KeyMetadata!.KeyId })).KeyMetadata!.Arn).toBe(KeyMetadata!.Arn);
    const west = kms.inRegion('us-west-2');
    expect(west.principal).toBe(kms.principal);
    await expectKmsError(west.describeKey({ KeyId: KeyMetadata!.KeyId }), 'NotFoundException', `Key '${arnOf(KeyMetadata!.KeyId!, 'us-west-2')}' does not exist`);
    await expectKmsError(west.describeKey({ KeyId: KeyMetadata!.Arn }), 'NotFoundException', 'Invalid arn us-east-1');
    // another account names the key only by ARN: a bare key id is looked up in the caller's own account
    const bob = kms.as('arn:aws:iam::444455556666:user/Bob');
    await expectKmsError(bob.describeKey({ KeyId: KeyMetadata!.KeyId }), 'NotFoundException', `Key '${arnOf(KeyMetadata!.KeyId!, 'us-east-1', '444455556666')}' does not exist`);
  });

  it('the ARN partition follows the Region', async () => {
    const { kms } = testKms({ hmacUnsupportedRegions: [] });
    for (const [region, partition] of [['cn-north-1', 'aws-cn'], ['us-gov-east-1', 'aws-us-gov'], ['eu-west-3', 'aws']] as const) {
      const { KeyMetadata } = await kms.inRegion(region).createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      expect(KeyMetadata!.Arn).toBe(`arn:${partition}:kms:${region}:111122223333:key/${KeyMetadata!.KeyId}`);
      const { KeyMetadata: byArn } = await kms.inRegion(region).describeKey({ KeyId: KeyMetadata!.Arn });
      expect(byArn!.KeyId).toBe(KeyMetadata!.KeyId);
      // an ARN with the wrong partition names no key
      await expectKmsError(kms.inRegion(region).describeKey({ KeyId: KeyMetadata!.Arn!.replace(`arn:${partition}:`, 'arn:aws-iso:') }), 'NotFoundException',
        `Key '${KeyMetadata!.Arn!.replace(`arn:${partition}:`, 'arn:aws-iso:')}' does not exist`);
    }
  });

  it('HMAC keys are not offered in the seed list of Regions; the table can be overridden', async () => {
    expect(DEFAULT_HMAC_UNSUPPORTED_REGIONS).toEqual(['af-south-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-1', 'us-gov-west-1']);
    const { kms } = testKms();
    for (const region of DEFAULT_HMAC_UNSUPPORTED_REGIONS) {
      await expectKmsError(kms.inRegion(region).createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), 'UnsupportedOperationException',
        `KeySpec HMAC_256 is not supported in this Region (${region}): HMAC KMS keys are not available in ${region}.`);
    }
    const open = testKms({ hmacUnsupportedRegions: ['us-east-1'] }).kms;
    await open.inRegion('eu-central-1').createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await expectKmsError(open.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), 'UnsupportedOperationException', /not available in us-east-1/);
  });

  it('quota: keys per account and Region (default 100,000), LimitExceededException beyond', async () => {
    const { kms } = testKms({ quotas: { keysPerRegion: 3 } });
    for (let i = 0; i < 3; i++) await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await expectKmsError(kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), 'LimitExceededException',
      'The request would exceed the quota of 3 KMS keys in account 111122223333 in us-east-1.');
    // per account and Region
    await kms.inRegion('us-west-2').createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect((await kms.listKeys()).Keys).toHaveLength(3);
  });

  it('the default key quota is 100,000', async () => {
    const { kms } = testKms();
    const many = 100_000;
    const seed = { KeySpec: 'HMAC_224' as const, KeyMaterial: new Uint8Array(28) };
    for (let i = 0; i < many; i++) await kms.seedKey(seed);
    await expectKmsError(kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), 'LimitExceededException',
      'The request would exceed the quota of 100000 KMS keys in account 111122223333 in us-east-1.');
  }, 60_000);
});

describe('errors', () => {
  it('are instances of the exported classes, with name, message, $fault and $metadata', async () => {
    const { kms } = testKms();
    const e = await kms.describeKey({ KeyId: 'x' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NotFoundException);
    expect(e).toBeInstanceOf(KmsServiceException);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ name: 'NotFoundException', message: "Invalid keyId 'x'", $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect((e as Error).stack!.split('\n')[0]).toBe("NotFoundException: Invalid keyId 'x'");
    const mac = new KMSInvalidMacException('');
    expect(mac.message).toBe('');
    expect(mac.name).toBe('KMSInvalidMacException');
  });

  it('responses carry $metadata like the SDK: status 200 and a request id', async () => {
    const { kms } = testKms();
    const a = await kms.listKeys();
    const b = await kms.listKeys();
    expect(a.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 });
    expect(a.$metadata.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.$metadata.requestId).not.toBe(b.$metadata.requestId);
  });

  it('request ids: one fixed prefix and a counter in the last 12 hex digits, across its byte boundaries', async () => {
    const { kms } = testKms();
    const ids: string[] = [];
    for (let i = 0; i < 700; i++) ids.push((await kms.listKeys()).$metadata.requestId!);
    const prefix = ids[0]!.slice(0, 24);
    expect(ids.every((id) => id.startsWith(prefix))).toBe(true);
    const counters = ids.map((id) => parseInt(id.slice(24), 16));
    expect(counters).toEqual(Array.from({ length: 700 }, (_, i) => counters[0]! + i));
  });
});
