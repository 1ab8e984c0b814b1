// The real @aws-sdk/client-kms against hmac-kms, two ways: in-process (createSdkRequestHandler, no socket) and over
// HTTP to the Node server on loopback. Errors must be the SDK's own classes carrying the AWS messages.
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  KMSClient,
  KMSInvalidMacException,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  NotFoundException,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  VerifyMacCommand,
  paginateListKeys,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSdkRequestHandler, HmacKms } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { MATERIAL, T0 } from '../helpers/kms.js';

const CREDENTIALS = {
  AKIDROOT: { secretAccessKey: 'root-secret', principal: 'arn:aws:iam::111122223333:root' },
  AKIDALICE: { secretAccessKey: 'alice-secret', principal: 'arn:aws:iam::111122223333:user/Alice' },
};
const bytes = (s: string) => new TextEncoder().encode(s);

interface Door {
  name: string;
  client(accessKeyId?: keyof typeof CREDENTIALS, region?: string): KMSClient;
  kms: HmacKms;
}

let server: RunningServer;
const inProcess = (): Door => {
  const kms = new HmacKms({ clock: () => new Date() });
  return {
    name: 'in-process',
    kms,
    client: (id = 'AKIDROOT', region = 'us-east-1') =>
      new KMSClient({
        region,
        credentials: { accessKeyId: id, secretAccessKey: CREDENTIALS[id].secretAccessKey },
        requestHandler: createSdkRequestHandler(kms, { credentials: CREDENTIALS }),
      }),
  };
};
const overHttp = (): Door => ({
  name: 'HTTP server on loopback',
  get kms() {
    return server.kms;
  },
  client: (id = 'AKIDROOT', region = 'us-east-1') =>
    new KMSClient({ region, endpoint: server.url, credentials: { accessKeyId: id, secretAccessKey: CREDENTIALS[id].secretAccessKey } }),
});

beforeAll(async () => {
  server = await startServer({ port: 0, credentials: CREDENTIALS });
});
afterAll(async () => {
  await server.close();
});

describe.each([['in-process', inProcess], ['http', overHttp]] as const)('through the AWS SDK (%s)', (_name, makeDoor) => {
  it('a key from creation to deletion: alias, tags, MACs, errors as SDK exceptions', async () => {
    const door = makeDoor();
    const kms = door.client();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'sdk', Tags: [{ TagKey: 'env', TagValue: 'test' }] }));
    expect(KeyMetadata).toMatchObject({ KeySpec: 'HMAC_512', KeyState: 'Enabled', Enabled: true, MacAlgorithms: ['HMAC_SHA_512'], Description: 'sdk', MultiRegion: false });
    expect(KeyMetadata!.CreationDate).toBeInstanceOf(Date);
    const KeyId = KeyMetadata!.KeyId!;
    const alias = `alias/sdk-${KeyId.slice(0, 8)}`;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyId }));
    expect((await kms.send(new ListResourceTagsCommand({ KeyId }))).Tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);
    expect((await kms.send(new ListAliasesCommand({ KeyId }))).Aliases!.map((a) => a.AliasName)).toEqual([alias]);

    const gen = await kms.send(new GenerateMacCommand({ KeyId: alias, Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_512' }));
    expect(gen.KeyId).toBe(KeyMetadata!.Arn);
    expect(gen.Mac).toBeInstanceOf(Uint8Array);
    expect(gen.Mac!.length).toBe(64);
    expect(gen.$metadata.httpStatusCode).toBe(200);
    expect(gen.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const ver = await kms.send(new VerifyMacCommand({ KeyId, Message: bytes('hello'), Mac: gen.Mac, MacAlgorithm: 'HMAC_SHA_512' }));
    expect(ver).toMatchObject({ MacValid: true, KeyId: KeyMetadata!.Arn, MacAlgorithm: 'HMAC_SHA_512' });

    const bad = await kms.send(new VerifyMacCommand({ KeyId, Message: bytes('hellO'), Mac: gen.Mac, MacAlgorithm: 'HMAC_SHA_512' })).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(KMSInvalidMacException);
    expect((bad as KMSInvalidMacException).$metadata.httpStatusCode).toBe(400);

    const dup = await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyId })).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(AlreadyExistsException);
    expect((dup as Error).message).toBe(`An alias with the name arn:aws:kms:us-east-1:111122223333:${alias} already exists`);

    await kms.send(new DisableKeyCommand({ KeyId }));
    const disabled = await kms.send(new GenerateMacCommand({ KeyId, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_512' })).catch((e: unknown) => e);
    expect(disabled).toBeInstanceOf(DisabledException);
    expect((disabled as Error).message).toBe(`${KeyMetadata!.Arn} is disabled.`);

    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    const pending = await kms.send(new ScheduleKeyDeletionCommand({ KeyId })).catch((e: unknown) => e);
    expect(pending).toBeInstanceOf(KMSInvalidStateException);
    expect((pending as Error).message).toBe(`${KeyMetadata!.Arn} is pending deletion.`);

    const missing = await kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundException);
    expect((missing as Error).message).toBe("Invalid keyId 'fake-key-id'");
    const invalid = await kms.send(new GenerateMacCommand({ KeyId, Message: new Uint8Array(0), MacAlgorithm: 'HMAC_SHA_512' })).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(KMSServiceException);
    expect((invalid as Error).name).toBe('ValidationException');
    expect((invalid as Error).message).toBe("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1");
  });

  it('seeded material: the MAC over the wire equals node:crypto HMAC', async () => {
    const door = makeDoor();
    const id = door.name === 'in-process' ? '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' : '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fa';
    await door.kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: id });
    const message = bytes('x'.repeat(4096));
    const { Mac } = await door.client().send(new GenerateMacCommand({ KeyId: id, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Buffer.from(Mac!).equals(createHmac('sha256', MATERIAL.HMAC_256).update(message).digest())).toBe(true);
  });

  it('the caller comes from the access key: Alice is denied until a grant allows her', async () => {
    const door = makeDoor();
    const root = door.client('AKIDROOT');
    const alice = door.client('AKIDALICE');
    const { KeyMetadata } = await root.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    const denied = await alice.send(new GenerateMacCommand({ KeyId: KeyMetadata!.Arn, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' })).catch((e: unknown) => e);
    expect((denied as Error).name).toBe('AccessDeniedException');
    expect((denied as Error).message).toBe(
      `User: arn:aws:iam::111122223333:user/Alice is not authorized to perform: kms:GenerateMac on resource: ${KeyMetadata!.Arn} because no identity-based policy allows the kms:GenerateMac action`,
    );
    const { GrantToken, GrantId } = await root.send(new CreateGrantCommand({ KeyId: KeyMetadata!.KeyId, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] }));
    await alice.send(new GenerateMacCommand({ KeyId: KeyMetadata!.Arn, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256', GrantTokens: [GrantToken!] }));
    const { Grants } = await root.send(new ListGrantsCommand({ KeyId: KeyMetadata!.KeyId }));
    expect(Grants![0]).toMatchObject({ GrantId, KeyId: KeyMetadata!.Arn, Operations: ['GenerateMac'] });
    expect(Grants![0]!.CreationDate).toBeInstanceOf(Date);
  });

  it('the Region comes from the signature; empty outputs, GetKeyPolicy text, GenerateRandom, paginators', async () => {
    const door = makeDoor();
    const west = door.client('AKIDROOT', 'us-west-2');
    const { KeyMetadata } = await west.send(new CreateKeyCommand({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect(KeyMetadata!.Arn).toContain(':us-west-2:');
    const tagged = await west.send(new TagResourceCommand({ KeyId: KeyMetadata!.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }));
    expect(tagged.$metadata.httpStatusCode).toBe(200);
    expect((await west.send(new GetKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId }))).Policy).toContain('"Sid" : "Enable IAM User Permissions"');
    expect((await west.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))).Plaintext!.length).toBe(1024);
    for (let i = 0; i < 3; i++) await west.send(new CreateKeyCommand({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    const ids: string[] = [];
    for await (const page of paginateListKeys({ client: west, pageSize: 2 }, {})) ids.push(...page.Keys!.map((k) => k.KeyId!));
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ids).size).toBe(ids.length);
    const listed = await west.send(new ListKeysCommand({ Limit: 1 }));
    expect(listed.Truncated).toBe(true);
  });
});

describe('in-process adapter details', () => {
  it('uses the emulator clock for signatures: an SDK with a skewed clock is refused (SigV4 5-minute window)', async () => {
    const kms = new HmacKms({ clock: () => T0 });
    const client = new KMSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDROOT', secretAccessKey: 'root-secret' },
      requestHandler: createSdkRequestHandler(kms, { credentials: CREDENTIALS }),
      maxAttempts: 1,
    });
    const e = await client.send(new ListKeysCommand({})).catch((err: unknown) => err);
    expect((e as Error).name).toBe('InvalidSignatureException');
    expect((e as Error).message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than 20260101T000500Z \(20260101T000000Z \+ 5 min\.\)$/);
  });

  it('without credentials, any signature is accepted and the caller is the account root', async () => {
    const kms = new HmacKms({ accountId: '210987654321' });
    const client = new KMSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'anything', secretAccessKey: 'whatever' }, requestHandler: createSdkRequestHandler(kms) });
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect(KeyMetadata!.Arn).toBe(`arn:aws:kms:eu-west-1:210987654321:key/${KeyMetadata!.KeyId}`);
  });
});
