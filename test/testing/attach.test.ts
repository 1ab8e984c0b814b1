// attachKms against the real @aws-sdk/client-kms: every KMSClient, made before or after, talks to the emulator while
// the SDK serializes, signs, parses and throws its own exception classes; calls are recorded; detach() restores the
// class and the clients exactly. Two classes at once: the package's CJS build (what Node loads for
// '@aws-sdk/client-kms') and its ESM build (dist-es, which vitest inlines and transforms): different KMSClient classes
// over the same smithy Client base, as an application bundled for ESM next to a CJS dependency would have.
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  GenerateMacCommand,
  KMS,
  KMSClient,
  ListKeysCommand,
  NotFoundException,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { ATTACHED_ACCESS_KEY_ID, attachKms, type KmsAttachment } from '../../src/testing/attach.js';
import { MATERIAL, bytes } from '../helpers/kms.js';

const CREDENTIALS = { accessKeyId: 'AKIDAPP', secretAccessKey: 'app-secret' };
const client = (region = 'eu-west-1', extra: Record<string, unknown> = {}) => new KMSClient({ region, credentials: CREDENTIALS, maxAttempts: 1, ...extra });
/** A stand-in for AWS: a request handler that answers ListKeys with one made-up key and counts its requests. */
function fakeAws() {
  const fake = {
    requests: 0,
    async handle() {
      fake.requests++;
      return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: bytes('{"Keys":[{"KeyId":"from-aws"}],"Truncated":false}') } };
    },
  };
  return fake;
}

const cleanups: (() => unknown)[] = [];
const attach = (...args: Parameters<typeof attachKms>): KmsAttachment => {
  const a = attachKms(...args);
  cleanups.push(() => a.detach());
  return a;
};
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('attachKms', () => {
  it('clients made before and after attaching talk to the emulator in their own Region; the SDK throws its own classes', async () => {
    const kms = new HmacKms();
    const before = client('eu-west-1');
    const attached = attach(KMSClient, kms);
    const after = client('eu-west-1');
    const { KeyMetadata } = await before.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect(KeyMetadata!.Arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//); // the client's Region, not kms.region
    expect((await kms.inRegion('eu-west-1').describeKey({ KeyId: KeyMetadata!.KeyId! })).KeyMetadata!.KeyId).toBe(KeyMetadata!.KeyId);
    const Message = bytes('payload');
    const { Mac } = await after.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' }));
    expect(Mac).toBeInstanceOf(Uint8Array); // parsed by the SDK from the wire's base64
    expect((await before.send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message, Mac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid).toBe(true);
    await after.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
    const error = await before.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DisabledException); // the SDK's class, from the wire's __type
    expect((error as Error).message).toBe(`${KeyMetadata!.Arn} is disabled.`);
    expect(attached.calls.map((c) => [c.operation, c.error?.name ?? 'ok'])).toEqual([
      ['CreateKey', 'ok'],
      ['GenerateMac', 'ok'],
      ['VerifyMac', 'ok'],
      ['DisableKey', 'ok'],
      ['GenerateMac', 'DisabledException'],
    ]);
    // the aggregated client (a subclass) and paginators go through send too
    const keys = await new KMS({ region: 'eu-west-1', credentials: CREDENTIALS }).listKeys({});
    expect(keys.Keys!.map((k) => k.KeyId)).toEqual([KeyMetadata!.KeyId]);
  });

  it('calls: in order, the input as sent, the output or the error, the caller and the Region; clear() forgets them', async () => {
    const kms = new HmacKms();
    await kms.inRegion('ap-south-1').seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' });
    const attached = attach(KMSClient, kms);
    const c = client('ap-south-1');
    const input = { KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', Message: bytes('hello'), MacAlgorithm: 'HMAC_SHA_256' as const };
    const pending = c.send(new GenerateMacCommand(input));
    expect(attached.calls).toEqual([{ operation: 'GenerateMac', input }]); // recorded when sent
    const output = await pending;
    await c.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })).catch(() => undefined);
    const [mac, missing] = attached.calls;
    expect(mac).toEqual({ operation: 'GenerateMac', input, output, principal: 'arn:aws:iam::111122223333:root', region: 'ap-south-1' });
    expect(mac!.input).not.toBe(input); // a copy: what the code sent, even if it reuses the object later
    expect(missing).toEqual({
      operation: 'DescribeKey',
      input: { KeyId: 'alias/missing' },
      error: { name: 'NotFoundException', message: "Alias arn:aws:kms:ap-south-1:111122223333:alias/missing is not found." },
      principal: 'arn:aws:iam::111122223333:root',
      region: 'ap-south-1',
    });
    // the material of the seeded key is nowhere in the records (only the caller's data and the service's answers are)
    const dump = JSON.stringify(attached.calls, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
    expect(dump).not.toContain(Buffer.from(MATERIAL.HMAC_256).toString('hex'));
    attached.clear();
    expect(attached.calls).toEqual([]);
    await c.send(new ListKeysCommand({}));
    expect(attached.calls.map((x) => x.operation)).toEqual(['ListKeys']);
  });

  it('callback-style send is routed and recorded too', async () => {
    const attached = attach(KMSClient, new HmacKms());
    const output = await new Promise((resolve, reject) => client().send(new ListKeysCommand({}), (err: unknown, out?: unknown) => (err ? reject(err) : resolve(out))));
    expect(output).toMatchObject({ Keys: [], Truncated: false });
    expect(attached.calls).toEqual([expect.objectContaining({ operation: 'ListKeys', output })]);
  });

  it('with credentials, the access key picks the caller (a role acts as its session), as on the wire; signatures are verified', async () => {
    const kms = new HmacKms();
    const credentials = {
      AKIDAPP: { secretAccessKey: 'app-secret', principal: 'arn:aws:iam::111122223333:role/App' },
      AKIDROOT: { secretAccessKey: 'root-secret', principal: '111122223333' },
    };
    kms.putIdentityPolicy('arn:aws:iam::111122223333:role/App', 'list', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:ListKeys', Resource: '*' }] }));
    const attached = attach(KMSClient, kms, { credentials });
    await client('us-east-1').send(new ListKeysCommand({}));
    await client('us-east-1', { credentials: { accessKeyId: 'AKIDROOT', secretAccessKey: 'root-secret' } }).send(new ListKeysCommand({}));
    await expect(client('us-east-1').send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const forged = client('us-east-1', { credentials: { accessKeyId: 'AKIDAPP', secretAccessKey: 'wrong' } }).send(new ListKeysCommand({}));
    await expect(forged).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    const unknown = client('us-east-1', { credentials: { accessKeyId: 'AKIDWHO', secretAccessKey: 'x' } }).send(new ListKeysCommand({}));
    await expect(unknown).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    expect(attached.calls.map((c) => c.principal)).toEqual([
      'arn:aws:sts::111122223333:assumed-role/App/hmac-kms',
      'arn:aws:iam::111122223333:root',
      'arn:aws:sts::111122223333:assumed-role/App/hmac-kms',
      undefined, // a refused signature has no caller
      undefined,
    ]);
  });

  it('concurrent sends over two clients (other caller, other Region): each record gets its own caller, Region and operation', async () => {
    const kms = new HmacKms();
    const keyId = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
    for (const region of ['eu-west-1', 'ap-south-1']) await kms.inRegion(region).seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: keyId });
    const credentials = {
      AKIDAPP: { secretAccessKey: 'app-secret', principal: 'arn:aws:iam::111122223333:role/App' },
      AKIDROOT: { secretAccessKey: 'root-secret', principal: '111122223333' },
    };
    kms.putIdentityPolicy('arn:aws:iam::111122223333:role/App', 'all', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }));
    const attached = attach(KMSClient, kms, { credentials });
    const app = { client: client('eu-west-1'), principal: 'arn:aws:sts::111122223333:assumed-role/App/hmac-kms', region: 'eu-west-1' };
    const root = {
      client: client('ap-south-1', { credentials: { accessKeyId: 'AKIDROOT', secretAccessKey: 'root-secret' } }),
      principal: 'arn:aws:iam::111122223333:root',
      region: 'ap-south-1',
    };
    const commands = [
      () => new GenerateMacCommand({ KeyId: keyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      () => new DescribeKeyCommand({ KeyId: keyId }),
      () => new ListKeysCommand({}),
      () => new DescribeKeyCommand({ KeyId: 'alias/missing' }),
      () => new VerifyMacCommand({ KeyId: keyId, Message: bytes('m'), Mac: new Uint8Array(32), MacAlgorithm: 'HMAC_SHA_256' }),
    ];
    // 10 calls sent in one tick, alternating clients in an order that is not the commands' order
    const plan = Array.from({ length: 10 }, (_, i) => ({ who: i % 3 === 0 ? root : i % 2 ? app : root, command: commands[(i * 3) % commands.length]!() }));
    const operations = ['GenerateMac', 'DescribeKey', 'DescribeKey', 'VerifyMac', 'ListKeys', 'GenerateMac', 'DescribeKey', 'DescribeKey', 'VerifyMac', 'ListKeys'];
    const settled = await Promise.allSettled(plan.map(({ who, command }) => who.client.send(command as never)));
    const calls = attached.calls;
    expect(calls).toHaveLength(10);
    calls.forEach((call, i) => {
      const { who } = plan[i]!;
      expect({ i, operation: call.operation, principal: call.principal, region: call.region }).toEqual({ i, operation: operations[i], principal: who.principal, region: who.region });
      expect(call.input).toEqual(plan[i]!.command.input);
      const result = settled[i]!;
      if (result.status === 'fulfilled') {
        expect(call.output).toBe(result.value);
        const arn = (result.value as { KeyId?: string; KeyMetadata?: { Arn?: string } }).KeyMetadata?.Arn ?? (result.value as { KeyId?: string }).KeyId;
        if (arn !== undefined) expect(arn).toBe(`arn:aws:kms:${who.region}:111122223333:key/${keyId}`); // answered in the client's Region
      } else {
        expect(call.error?.name).toBe((result.reason as Error).name);
      }
    });
    expect(calls.map((c) => c.error?.name ?? 'ok')).toEqual(['ok', 'NotFoundException', 'ok', 'KMSInvalidMacException', 'ok', 'ok', 'NotFoundException', 'ok', 'KMSInvalidMacException', 'ok']);
    expect(calls.map((c) => c.principal === app.principal)).toEqual([false, true, false, false, false, true, false, true, false, false]);
  });

  it('without `credentials` every client signs with placeholders, its own provider never called (a failing one included); with them, a client without credentials fails as the SDK does', async () => {
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    };
    const kms = new HmacKms();
    let seen: string | undefined;
    const attached = attach(KMSClient, kms);
    const c = new KMSClient({ region: 'us-east-1', credentials: noCredentials, maxAttempts: 1 });
    c.middlewareStack.add((next) => async (args) => {
      seen = (args.request as { headers: Record<string, string> }).headers.authorization;
      return next(args);
    }, { step: 'finalizeRequest', priority: 'low', name: 'spyAuthorization' });
    expect((await c.send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect(seen).toContain(`Credential=${ATTACHED_ACCESS_KEY_ID}/`);
    // a client with working credentials of its own signs with the placeholders too: its provider is never called
    let asked = 0;
    const fake = fakeAws(); // where the client talks once detached
    const own = new KMSClient({ region: 'us-east-1', credentials: async () => (asked++, CREDENTIALS), requestHandler: fake, maxAttempts: 1 });
    own.middlewareStack.add((next) => async (args) => {
      seen = (args.request as { headers: Record<string, string> }).headers.authorization;
      return next(args);
    }, { step: 'finalizeRequest', priority: 'low', name: 'spyAuthorization' });
    await own.send(new ListKeysCommand({}));
    expect([asked, seen]).toEqual([0, expect.stringContaining(`Credential=${ATTACHED_ACCESS_KEY_ID}/`)]);
    expect(attached.calls.map((call) => call.principal)).toEqual(['arn:aws:iam::111122223333:root', 'arn:aws:iam::111122223333:root']);
    attached.detach();
    expect((await own.send(new ListKeysCommand({}))).Keys).toEqual([{ KeyId: 'from-aws' }]);
    expect([asked, fake.requests]).toEqual([1, 1]); // detached: the client's own provider and handler again
    expect(seen).toContain(`Credential=${CREDENTIALS.accessKeyId}/`);
    attach(KMSClient, kms, { credentials: { AKIDAPP: { secretAccessKey: 'app-secret', principal: '111122223333' } } });
    await expect(c.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'CredentialsProviderError' });
    // any other failure of the client's provider is the client's own
    attached.detach();
    const broken = new KMSClient({ region: 'us-east-1', credentials: async () => Promise.reject(new Error('vault down')), maxAttempts: 1 });
    await expect(broken.send(new ListKeysCommand({}))).rejects.toThrow('vault down');
  });

  it('detach() restores the class and the clients exactly; a client made while attached talks to its own endpoint again', async () => {
    const elsewhere: RunningServer = await startServer({ port: 0 }); // stands in for AWS
    cleanups.push(() => elsewhere.close());
    const protoBefore = Object.getOwnPropertyDescriptors(KMSClient.prototype);
    const staticsBefore = Object.getOwnPropertyDescriptors(KMSClient);
    const fake = fakeAws();
    const old = client('us-east-1', { requestHandler: fake });
    await old.send(new ListKeysCommand({})); // the SDK settles its config on the first request
    const oldConfigBefore = Object.getOwnPropertyDescriptors(old.config);

    const kms = new HmacKms();
    const attached = attach(KMSClient, kms);
    expect(Object.getOwnPropertyDescriptors(KMSClient.prototype)).not.toEqual(protoBefore);
    const made = client('us-east-1', { endpoint: elsewhere.url });
    await made.send(new CreateKeyCommand({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect((await old.send(new ListKeysCommand({}))).Keys).toHaveLength(1); // the emulator's key, not the fake's
    expect(fake.requests).toBe(1);
    expect((await elsewhere.kms.listKeys({})).Keys).toEqual([]);

    attached.detach();
    expect(attached.attached).toBe(false);
    expect(Object.getOwnPropertyDescriptors(KMSClient.prototype)).toEqual(protoBefore);
    expect(Object.getOwnPropertyDescriptors(KMSClient)).toEqual(staticsBefore);
    expect(Object.getOwnPropertyDescriptors(old.config)).toEqual(oldConfigBefore); // the SDK's own credentials accessor included
    expect(Object.getOwnPropertySymbols(old.config)).toEqual([]);
    expect((await old.send(new ListKeysCommand({}))).Keys).toEqual([{ KeyId: 'from-aws' }]);
    expect(fake.requests).toBe(2);
    await made.send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    expect((await elsewhere.kms.listKeys({})).Keys).toHaveLength(1);
    expect((await kms.listKeys({})).Keys).toHaveLength(1); // nothing more reached the emulator
    expect(attached.calls.map((c) => c.operation)).toEqual(['CreateKey', 'ListKeys']); // calls stay readable
  });

  it('a value the code sets on a client while attached is the client’s own after detach()', async () => {
    const attached = attach(KMSClient, new HmacKms());
    const c = client();
    await c.send(new ListKeysCommand({}));
    const fake = fakeAws();
    c.config.requestHandler = fake as never; // e.g. code that swaps its handler
    await c.send(new ListKeysCommand({}));
    expect(fake.requests).toBe(0); // attached: still the emulator
    attached.detach();
    expect(Object.getOwnPropertyDescriptor(c.config, 'requestHandler')).toEqual({ value: fake, writable: true, enumerable: true, configurable: true });
    await c.send(new ListKeysCommand({}));
    expect(fake.requests).toBe(1);
  });

  it('clients with cacheMiddleware: handlers cached before, during and after the attachment are not reused across it', async () => {
    const fake = fakeAws();
    const c = client('us-east-1', { requestHandler: fake, cacheMiddleware: true });
    await c.send(new ListKeysCommand({}));
    expect(fake.requests).toBe(1);
    const attached = attach(KMSClient, new HmacKms());
    expect((await c.send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect((await c.send(new ListKeysCommand({}))).Keys).toEqual([]);
    expect(fake.requests).toBe(1);
    attached.detach();
    expect((await c.send(new ListKeysCommand({}))).Keys).toEqual([{ KeyId: 'from-aws' }]);
    expect(fake.requests).toBe(2);
  });

  it('attaching twice is refused; detaching twice is harmless; attaching after detaching works; `using` detaches', async () => {
    const first = attach(KMSClient, new HmacKms());
    expect(() => attachKms(KMSClient, new HmacKms())).toThrow('attachKms: KMSClient is already attached to an HmacKms; detach() that attachment first');
    first.detach();
    first.detach();
    const kms = new HmacKms();
    {
      using again = attachKms(KMSClient, kms);
      await client().send(new ListKeysCommand({}));
      expect(again.calls).toHaveLength(1);
    }
    expect(Object.getOwnPropertyDescriptor(KMSClient.prototype, 'send')).toBeUndefined(); // disposed: restored
    const fake = fakeAws();
    await client('us-east-1', { requestHandler: fake }).send(new ListKeysCommand({}));
    expect(fake.requests).toBe(1);
  });

  it('two classes at once (the ESM and the CJS build of @aws-sdk/client-kms), each to its own emulator; detaching one leaves the other', async () => {
    const esm = (await import('@aws-sdk/client-kms/dist-es/index.js' as string)) as typeof import('@aws-sdk/client-kms');
    expect(esm.KMSClient).not.toBe(KMSClient);
    expect(Object.getPrototypeOf(esm.KMSClient)).toBe(Object.getPrototypeOf(KMSClient)); // one smithy Client base under both
    const kmsCjs = new HmacKms();
    const kmsEsm = new HmacKms();
    const cjsAttached = attach(KMSClient, kmsCjs);
    const esmAttached = attach(esm.KMSClient, kmsEsm);
    const cjsClient = client('us-east-1');
    const esmClient = new esm.KMSClient({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    await cjsClient.send(new CreateKeyCommand({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    await esmClient.send(new esm.CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    await esmClient.send(new esm.CreateAliasCommand({ AliasName: 'alias/esm', TargetKeyId: (await kmsEsm.listKeys({})).Keys![0]!.KeyId }));
    expect((await kmsCjs.listKeys({})).Keys).toHaveLength(1);
    expect((await kmsEsm.describeKey({ KeyId: 'alias/esm' })).KeyMetadata!.KeySpec).toBe('HMAC_512');
    const e = await esmClient.send(new esm.DescribeKeyCommand({ KeyId: 'alias/nope' })).catch((x: unknown) => x);
    expect(Object.getPrototypeOf(e)).toBe(esm.NotFoundException.prototype); // each copy throws its own classes
    expect(esm.NotFoundException).not.toBe(NotFoundException);
    expect(cjsAttached.calls.map((c) => c.operation)).toEqual(['CreateKey']);
    expect(esmAttached.calls.map((c) => c.operation)).toEqual(['CreateKey', 'CreateAlias', 'DescribeKey']);

    esmAttached.detach();
    const fake = fakeAws();
    const esmAfter = new esm.KMSClient({ region: 'us-east-1', credentials: CREDENTIALS, requestHandler: fake, maxAttempts: 1 });
    expect((await esmAfter.send(new esm.ListKeysCommand({}))).Keys).toEqual([{ KeyId: 'from-aws' }]);
    expect((await cjsClient.send(new ListKeysCommand({}))).Keys).toHaveLength(1); // the CJS class is still attached
    await expect(cjsClient.send(new CreateAliasCommand({ AliasName: 'alias/esm', TargetKeyId: 'x' }))).rejects.toThrow(NotFoundException);
  });

  it('a class and its subclass attached at once: the most derived attachment takes the call, once', async () => {
    const base = attach(KMSClient, new HmacKms());
    const sub = attach(KMS, new HmacKms());
    await new KMS({ region: 'us-east-1', credentials: CREDENTIALS }).listKeys({});
    await client().send(new ListKeysCommand({}));
    expect([base.calls.length, sub.calls.length]).toEqual([1, 1]);
    sub.detach();
    await new KMS({ region: 'us-east-1', credentials: CREDENTIALS }).listKeys({});
    expect([base.calls.length, sub.calls.length]).toEqual([2, 1]);
  });

  it('refuses what it cannot attach, and a client of another service', async () => {
    expect(() => attachKms({} as never, new HmacKms())).toThrow('attachKms: the first argument must be an AWS SDK v3 client class');
    expect(() => attachKms(KMSClient, {} as never)).toThrow('attachKms: the second argument must be an HmacKms instance');
    expect(() => attachKms(KMSClient, new HmacKms(), { credentials: { AKID: { secretAccessKey: 's', principal: 'nobody' } } })).toThrow(TypeError);
    class S3Like {
      config = { serviceId: 'S3' };
      send() {
        return Promise.resolve('sent to S3');
      }
    }
    const attached = attach(S3Like, new HmacKms());
    await expect(new S3Like().send()).rejects.toThrow("attachKms: S3Like is attached to hmac-kms, but this client's service is S3, not KMS");
    expect(attached.calls).toEqual([]);
  });
});
