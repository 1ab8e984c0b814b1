// The server path, for code that cannot be touched at all: startTestServer() (hmac-kms/testing, Node build) serves an
// HmacKms on a free port and points the AWS SDKs at it through the environment; close() restores the environment.
// Both variables are checked with both SDKs: the AWS SDK for JavaScript v3 in this process, and boto3/botocore (a
// python3 on the machine that has it, test/helpers/tools.ts: skipped saying why without one, required in CI) in a
// child process inheriting the environment.
import { CreateKeyCommand, DisabledException, DisableKeyCommand, GenerateMacCommand, KMSClient, ListKeysCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HmacKms, type AuditEvent } from '../../src/index.js';
import { startServer } from '../../src/node/index.js';
import { startTestServer } from '../../src/node/testing.js';
import { startTestServer as startTestServerElsewhere } from '../../src/testing/index.js';
import { bytes } from '../helpers/kms.js';
import { findPythonWithBoto3, use } from '../helpers/tools.js';

const run = promisify(execFile);
const BOTO3_SCRIPT = fileURLToPath(new URL('./boto3-kms.py', import.meta.url));

/**
 * Every AWS_* variable, to be restored after each test (the tests start from an environment without any), except the
 * two that vitest.config.ts sets for every suite (no Node 20 notice, no EC2 instance metadata requests).
 */
let saved: Record<string, string | undefined>;
const TEST_ENV = ['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'AWS_EC2_METADATA_DISABLED'];
const awsEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('AWS_') && !TEST_ENV.includes(k)));
beforeEach(() => {
  saved = awsEnv();
  for (const name of Object.keys(saved)) delete process.env[name];
});
afterEach(() => {
  for (const name of Object.keys(awsEnv())) delete process.env[name];
  Object.assign(process.env, saved);
});

describe('startTestServer', () => {
  it('points a KMSClient made with no endpoint, Region or credentials at the emulator; close() restores the environment', async () => {
    process.env.AWS_PROFILE = 'developer'; // removed while the server runs: the JavaScript SDK would prefer it
    const before = awsEnv();
    const server = await startTestServer();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.env).toEqual({
      AWS_ENDPOINT_URL_KMS: server.url,
      AWS_ENDPOINT_URL: server.url,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    expect(awsEnv()).toEqual(server.env);
    try {
      const client = new KMSClient({ maxAttempts: 1 }); // as code under test makes it: everything from the environment
      const { KeyMetadata } = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      expect(KeyMetadata!.Arn).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//);
      const Message = bytes('over HTTP');
      const { Mac } = await client.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' }));
      expect((await server.kms.verifyMac({ KeyId: KeyMetadata!.KeyId!, Message, Mac: Mac!, MacAlgorithm: 'HMAC_SHA_256' })).MacValid).toBe(true);
      await client.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
      await expect(client.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message, MacAlgorithm: 'HMAC_SHA_256' }))).rejects.toThrow(DisabledException);
    } finally {
      await server.close();
    }
    expect(awsEnv()).toEqual(before);
    await server.close(); // idempotent
    await expect(fetch(server.url, { method: 'POST' })).rejects.toThrow(); // the server is gone
  });

  it('keeps what is set: an AWS_ENDPOINT_URL for other services, the Region, the access key; drops AWS_IGNORE_CONFIGURED_ENDPOINT_URLS while it runs', async () => {
    const other = await startServer({ port: 0 }); // stands in for the endpoint of other services (LocalStack, say)
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: other.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDMINE',
      AWS_SECRET_ACCESS_KEY: 'mine',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
    });
    const before = awsEnv();
    const server = await startTestServer();
    try {
      expect(server.env).toEqual({ AWS_ENDPOINT_URL_KMS: server.url, AWS_DEFAULT_REGION: 'eu-west-1' });
      expect(process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).toBeUndefined();
      expect(process.env.AWS_ENDPOINT_URL).toBe(other.url);
      // AWS_ENDPOINT_URL_KMS beats AWS_ENDPOINT_URL: KMS calls reach the test server, in the Region that was set
      await new KMSClient({ maxAttempts: 1 }).send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      expect((await server.kms.inRegion('eu-west-1').listKeys({})).Keys).toHaveLength(1);
      expect((await other.kms.inRegion('eu-west-1').listKeys({})).Keys).toEqual([]);
    } finally {
      await server.close();
      await other.close();
    }
    expect(awsEnv()).toEqual(before);
  });

  it('AWS_ENDPOINT_URL alone points the JavaScript SDK at the server too', async () => {
    const server = await startTestServer();
    try {
      delete process.env.AWS_ENDPOINT_URL_KMS;
      await new KMSClient({ maxAttempts: 1 }).send(new CreateKeyCommand({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      expect((await server.kms.listKeys({})).Keys).toHaveLength(1);
    } finally {
      await server.close();
    }
    expect(awsEnv()).toEqual({}); // AWS_ENDPOINT_URL_KMS was changed since (deleted): left as it is
  });

  it('with credentials, the environment carries the first access key, so the code runs as its principal', async () => {
    const audit: AuditEvent[] = [];
    const kms = new HmacKms({ audit: (e) => audit.push(e) });
    kms.putIdentityPolicy('arn:aws:iam::111122223333:role/App', 'list', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:ListKeys', Resource: '*' }] }));
    const server = await startTestServer({
      kms,
      credentials: {
        AKIDAPP: { secretAccessKey: 'app-secret', principal: 'arn:aws:iam::111122223333:role/App' },
        AKIDADMIN: { secretAccessKey: 'admin-secret', principal: '111122223333' },
      },
    });
    try {
      expect(server.kms).toBe(kms);
      expect([process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY]).toEqual(['AKIDAPP', 'app-secret']);
      await new KMSClient({ maxAttempts: 1 }).send(new ListKeysCommand({}));
      expect(audit.map((e) => e.userIdentity.arn)).toEqual(['arn:aws:sts::111122223333:assumed-role/App/hmac-kms']);
      const wrong = new KMSClient({ maxAttempts: 1, credentials: { accessKeyId: 'AKIDAPP', secretAccessKey: 'guess' } });
      await expect(wrong.send(new ListKeysCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    } finally {
      await server.close();
    }
  });

  it('boto3/botocore, with AWS_ENDPOINT_URL_KMS and with AWS_ENDPOINT_URL alone, and nothing else configured', async (ctx) => {
    const python = use(findPythonWithBoto3(), ctx);
    await using server = await startTestServer();
    let stdout: string;
    try {
      ({ stdout } = await run(python, [BOTO3_SCRIPT], { env: process.env, timeout: 60_000 }));
    } catch (e) {
      const err = e as { message: string; stderr?: string };
      throw new Error(`${python} with boto3 could not run ${BOTO3_SCRIPT}: ${err.message}\n${err.stderr ?? ''}`);
    }
    const result = JSON.parse(stdout) as Record<string, { endpoint: string; region: string; keyId: string; keyArn: string; macValid: boolean; macHex: string; error: { code: string; message: string } }> & { botocore: string };
    for (const variable of ['AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL']) {
      const r = result[variable]!;
      expect(r.endpoint, variable).toBe(server.url);
      expect(r.region).toBe('us-east-1');
      expect(r.macValid).toBe(true);
      expect(r.error).toEqual({ code: 'DisabledException', message: `${r.keyArn} is disabled.` });
      // the key (disabled by boto3) and the MAC are the emulator's: it verifies boto3's MAC itself
      await server.kms.enableKey({ KeyId: r.keyId });
      const verified = await server.kms.verifyMac({ KeyId: r.keyId, Message: bytes('from boto3'), Mac: Uint8Array.from(Buffer.from(r.macHex, 'hex')), MacAlgorithm: 'HMAC_SHA_256' });
      expect(verified.MacValid).toBe(true);
    }
    expect((await server.kms.listKeys({})).Keys).toHaveLength(2);
  }, 60_000);

  // Review: boto3 only ran against servers without credentials (any signature accepted), so the SigV4 checks (every
  // x-amz-* header signed, the body's hash; issue #10.4) were never exercised with botocore.
  it('boto3/botocore against a server with credentials: its signed calls run as the principal; a wrong secret is InvalidSignatureException', async (ctx) => {
    const python = use(findPythonWithBoto3(), ctx);
    const audit: AuditEvent[] = [];
    const kms = new HmacKms({ audit: (e) => audit.push(e) });
    await using server = await startTestServer({
      kms,
      credentials: { AKIDBOTO: { secretAccessKey: 'boto-secret', principal: 'arn:aws:iam::111122223333:root' } },
    });
    let stdout: string;
    try {
      ({ stdout } = await run(python, [BOTO3_SCRIPT, 'signed'], { env: process.env, timeout: 60_000 }));
    } catch (e) {
      const err = e as { message: string; stderr?: string };
      throw new Error(`${python} with boto3 could not run ${BOTO3_SCRIPT} signed: ${err.message}\n${err.stderr ?? ''}`);
    }
    const result = JSON.parse(stdout) as { signed: { endpoint: string; keyArn: string; macValid: boolean; error: { code: string } }; wrongSecret: string | null; unknownAccessKey: string | null };
    expect(result.signed.endpoint).toBe(server.url);
    expect(result.signed.macValid).toBe(true);
    expect(result.signed.error).toEqual({ code: 'DisabledException', message: `${result.signed.keyArn} is disabled.` });
    expect(result.wrongSecret).toBe('InvalidSignatureException');
    expect(result.unknownAccessKey).toBe('UnrecognizedClientException');
    // every call that ran was signed by AKIDBOTO and ran as its principal; the refused ones never reached the engine
    expect(audit.map((e) => [e.eventName, e.errorCode ?? null, e.userIdentity.arn, e.userIdentity.accessKeyId])).toEqual(
      ['CreateKey', 'GenerateMac', 'VerifyMac', 'DisableKey'].map((op) => [op, null, 'arn:aws:iam::111122223333:root', 'AKIDBOTO']).concat([['GenerateMac', 'DisabledException', 'arn:aws:iam::111122223333:root', 'AKIDBOTO']]),
    );
  }, 60_000);

  it('outside Node (hmac-kms/testing without the "node" condition) it says what to use instead', async () => {
    await expect(startTestServerElsewhere()).rejects.toThrow(
      'startTestServer() needs Node.js (it serves HTTP with node:http), and hmac-kms/testing was loaded without the "node" export condition. Here, attach the emulator in-process with attachKms() or createSdkRequestHandler().',
    );
  });
});
