// The Node server and the command line: loopback binding, graceful close, seeds, body limit, SIGINT/SIGTERM, and the
// real AWS CLI v2 (the first v2 on PATH, or HMAC_KMS_AWS_CLI; .ci/run installs Debian's) against `hmac-kms serve`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { HmacKms } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { MATERIAL } from '../helpers/kms.js';
import { findAwsCli, use } from '../helpers/tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const run = promisify(execFile);

function post(url: string, headers: Record<string, string>, body: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startServer', () => {
  it('binds 127.0.0.1 by default, serves, and closes', async () => {
    server = await startServer({ port: 0, seed: [{ KeySpec: 'HMAC_256', KeyMaterial: Buffer.from(MATERIAL.HMAC_256).toString('hex'), KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' }] });
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await post(server.url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, '{}');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).Keys).toEqual([{ KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', KeyArn: 'arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' }]);
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(post(url, {}, '{}')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serves a given HmacKms (shared with the test), and seeds in base64 too', async () => {
    const kms = new HmacKms({ accountId: '210987654321' });
    server = await startServer({ port: 0, kms, seed: [{ KeySpec: 'HMAC_224', KeyMaterial: Buffer.from(MATERIAL.HMAC_224).toString('base64') }] });
    expect((await kms.listKeys()).Keys).toHaveLength(1);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    server = await startServer({ port: 0 });
    const res = await post(server.url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, Buffer.alloc(1024 * 1024 + 1, 32));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ __type: 'RequestEntityTooLargeException', message: 'The request body must not exceed 1048576 bytes.' });
  });

  it('a bad seed is refused before listening', async () => {
    await expect(startServer({ port: 0, seed: [{ KeySpec: 'HMAC_256', KeyMaterial: 'zz' }] })).rejects.toThrow(
      'seed: Keys[0]: KeyMaterial is neither hex nor base64; expected 32 bytes for HMAC_256: 64 hex digits or 44 base64 characters',
    );
  });
});

/** Starts `node dist/cli.js serve ...` and waits for its first line. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; lines: string[] }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.stdout!.on('data', (d: Buffer) => {
      lines.push(...d.toString().split('\n').filter(Boolean));
      const m = /endpoint (http:\/\/[^ ]+)/.exec(lines[0] ?? '');
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`hmac-kms serve exited with ${code}: ${stderr}`)));
  });
  return { child, url, lines };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

describe('hmac-kms serve (the bin, from dist/: npm test builds it)', () => {
  it('prints the endpoint and an AWS CLI example, and stops cleanly on SIGTERM and SIGINT', async () => {
    expect(existsSync(CLI)).toBe(true);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { child, url, lines } = await startCli(['--region', 'eu-west-1']);
      await new Promise((r) => setTimeout(r, 50));
      // a first command that works as it is, even on a machine without AWS credentials (issue #11.4)
      expect(lines).toContain(`  try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws kms create-key --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC --region eu-west-1 --endpoint-url ${url}`);
      const done = exited(child);
      child.kill(signal);
      expect(await done).toBe(0);
    }
  });

  it('rejects bad arguments', async () => {
    const e = await run(process.execPath, [CLI, 'serve', '--port', 'x']).catch((err: { code: number; stderr: string }) => err);
    expect(e).toMatchObject({ code: 2, stderr: 'hmac-kms: --port must be 0..65535 (got x)\n(hmac-kms serve --help lists the flags)\n' });
    const u = await run(process.execPath, [CLI, 'frobnicate']).catch((err: { code: number; stderr: string }) => err);
    expect(u).toMatchObject({ code: 2 });
  });
});

// The AWS CLI v2 smoke test. CI sets HMAC_KMS_REQUIRE_AWS_CLI=1 after installing Debian's awscli, so a missing CLI
// fails there; elsewhere the test skips saying why.
describe('the AWS CLI v2 against hmac-kms serve', () => {
  it('create-key, generate-mac, verify-mac, and a failed verify-mac showing KMSInvalidMacException', async (ctx) => {
    const AWS = use(findAwsCli(2), ctx);
    const dir = mkdtempSync(join(tmpdir(), 'hmac-kms-cli-'));
    ctx.onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const credentials = join(dir, 'credentials.json');
    writeFileSync(credentials, JSON.stringify({ AKIDCLI: { secretAccessKey: 'cli-secret', principal: 'arn:aws:iam::111122223333:root' } }));
    const { child, url } = await startCli(['--credentials', credentials]);
    try {
      const env = { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDCLI', AWS_SECRET_ACCESS_KEY: 'cli-secret', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
      const aws = (...args: string[]) => run(AWS, [...args, '--endpoint-url', url, '--output', 'json'], { env });
      const created = JSON.parse((await aws('kms', 'create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC', '--description', 'from the AWS CLI')).stdout);
      expect(created.KeyMetadata).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'from the AWS CLI', KeyState: 'Enabled' });
      const keyId = created.KeyMetadata.KeyId as string;
      const message = Buffer.from('hello from the cli').toString('base64');
      const mac = JSON.parse((await aws('kms', 'generate-mac', '--key-id', keyId, '--message', message, '--mac-algorithm', 'HMAC_SHA_256')).stdout);
      expect(mac.KeyId).toBe(created.KeyMetadata.Arn);
      const verified = JSON.parse((await aws('kms', 'verify-mac', '--key-id', keyId, '--message', message, '--mac-algorithm', 'HMAC_SHA_256', '--mac', mac.Mac)).stdout);
      expect(verified).toMatchObject({ MacValid: true, KeyId: created.KeyMetadata.Arn });
      const failed = await aws('kms', 'verify-mac', '--key-id', keyId, '--message', Buffer.from('tampered').toString('base64'), '--mac-algorithm', 'HMAC_SHA_256', '--mac', mac.Mac).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed).toMatchObject({ code: 254 });
      expect((failed as { stderr: string }).stderr).toContain('An error occurred (KMSInvalidMacException) when calling the VerifyMac operation');
      const wrongSecret = await run(AWS, ['kms', 'list-keys', '--endpoint-url', url], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'nope' } }).catch((e: { stderr: string }) => e);
      expect((wrongSecret as { stderr: string }).stderr).toContain('(InvalidSignatureException)');
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
