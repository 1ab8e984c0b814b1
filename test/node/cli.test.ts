// Issue #11 (running it) and #9 (--state): the command line as a user meets it — help and version on stdout, every flag
// also from HMAC_KMS_<FLAG>, the request log (text, JSON, quiet), the audit file, GET /health, the seed file with
// aliases, grants and identity policies, the start-up warnings, a taken port, the state file across restarts, and the
// AWS CLI v1 and v2 examples of the README.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MATERIAL } from '../helpers/kms.js';
import { findAwsCli, use } from '../helpers/tools.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const run = promisify(execFile);
// made when a test of this file runs, not when it loads (a file filtered out with -t loads, and runs no hook)
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmac-kms-cli-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
const K256 = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

/** `hmac-kms serve ...` until its `try:` line (or a warning in its place); its output so far. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; out: () => string; err: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /KMS endpoint (http:\/\/\S+)/.exec(out);
      if (m && (/ {2}try: /.test(out) || /warning: .* has no HMAC keys/.test(err))) resolve(m[1]!);
    };
    child.stdout!.on('data', (d: Buffer) => ((out += d), check()));
    child.stderr!.on('data', (d: Buffer) => ((err += d), check()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}\n${out}\n${err}`)));
  });
  return { child, url, out: () => out, err: () => err };
}

async function post(url: string, target: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${target}` }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('hmac-kms --version, --help', () => {
  it('--version prints the version; --help and serve --help print to stdout and describe every flag', async () => {
    expect((await run(process.execPath, [CLI, '--version'])).stdout).toBe(`${VERSION}\n`);
    const help = await run(process.execPath, [CLI, '--help']);
    expect(help.stdout).toContain('hmac-kms serve');
    expect(help.stderr).toBe('');
    const serveHelp = await run(process.execPath, [CLI, 'serve', '--help']);
    expect(serveHelp.stderr).toBe('');
    for (const flag of ['--host', '--port', '--region', '--account', '--seed', '--credentials', '--state', '--wrapping-key-file', '--hmac-regions', '--log', '--quiet', '--no-quiet', '--audit', '--no-console', '--console']) {
      expect(serveHelp.stdout, flag).toContain(flag);
    }
    expect(serveHelp.stdout).toContain('--host 0.0.0.0'); // containers
    expect(serveHelp.stdout).toContain('answers for every Region a request');
    expect(serveHelp.stdout).toContain('HMAC_KMS_<FLAG>');
    // signals: neither npx nor npm exec passes SIGTERM on (review: npm exec's child is orphaned), so the help advises
    // neither, and says what does
    expect(serveHelp.stdout).toContain('Neither npx nor npm exec passes SIGTERM on');
    expect(serveHelp.stdout).toContain('exec node node_modules/hmac-kms/dist/cli.js serve');
    expect(serveHelp.stdout).not.toMatch(/\(or:? npm exec|npm exec -- hmac-kms serve/);
  });

  it('an unknown flag or a bad value is a usage error (exit 2) that names it', async () => {
    for (const [args, text] of [
      [['--frobnicate'], "Unknown option '--frobnicate'"],
      [['--log', 'xml'], '--log must be text or json (got xml)'],
      [['--hmac-regions', 'most'], '--hmac-regions must be seed or all (got most)'],
      [['--account', '12'], '--account must be 12 digits (got 12)'],
    ] as const) {
      const e = await run(process.execPath, [CLI, 'serve', ...args]).catch((x: { code: number; stderr: string }) => x);
      expect(e, args.join(' ')).toMatchObject({ code: 2 });
      expect((e as { stderr: string }).stderr).toContain(text);
    }
  });
});

describe('hmac-kms serve', () => {
  it('flags from HMAC_KMS_<FLAG> (flags win), printed at start-up with the wrapping key redacted', async () => {
    const s = await serve(['--region', 'eu-west-1'], { HMAC_KMS_REGION: 'ap-south-1', HMAC_KMS_ACCOUNT: '210987654321', HMAC_KMS_QUIET: '1', HMAC_KMS_WRAPPING_KEY: 'f'.repeat(64) });
    expect(s.out()).toContain('(Region eu-west-1, account 210987654321,');
    expect(s.out()).toContain('from the environment: HMAC_KMS_ACCOUNT, HMAC_KMS_QUIET, HMAC_KMS_WRAPPING_KEY=<redacted>'); // not REGION: the flag won
    expect(s.out()).not.toContain('f'.repeat(64));
    await post(s.url, 'ListKeys', {});
    await settle();
    expect(s.out()).not.toMatch(/ListKeys/); // quiet
  });

  it('a bad value from HMAC_KMS_<FLAG> is reported by the variable\'s name, a bad flag by the flag\'s (review: HMAC_KMS_PORT=abc said --port)', async () => {
    const p0 = ['--port', '0'];
    for (const [args, env, text] of [
      [[], { HMAC_KMS_PORT: 'abc' }, 'HMAC_KMS_PORT must be 0..65535 (got abc)'],
      [['--port', 'abc'], { HMAC_KMS_PORT: '0' }, '--port must be 0..65535 (got abc)'],
      [p0, { HMAC_KMS_ACCOUNT: '12' }, 'HMAC_KMS_ACCOUNT must be 12 digits (got 12)'],
      [p0, { HMAC_KMS_LOG: 'xml' }, 'HMAC_KMS_LOG must be text or json (got xml)'],
      [p0, { HMAC_KMS_HMAC_REGIONS: 'most' }, 'HMAC_KMS_HMAC_REGIONS must be seed or all (got most)'],
      [p0, { HMAC_KMS_COMPACT_AFTER: '0' }, 'HMAC_KMS_COMPACT_AFTER must be a positive whole number (got 0)'],
      [p0, { HMAC_KMS_SEED: join(dir, 'no-such-seed.json') }, `HMAC_KMS_SEED: cannot read the seed file ${join(dir, 'no-such-seed.json')}`],
      [p0, { HMAC_KMS_STATE: join(dir, 'env.state'), HMAC_KMS_WRAPPING_KEY: '' }, 'HMAC_KMS_STATE needs a wrapping key'],
      [p0, { HMAC_KMS_QUIET: 'maybe' }, 'HMAC_KMS_QUIET must be 1, true, yes, on, 0, false, no or off (got maybe)'],
      [p0, { HMAC_KMS_NO_CONSOLE: 'sometimes' }, 'HMAC_KMS_NO_CONSOLE must be 1, true, yes, on, 0, false, no or off (got sometimes)'],
    ] as const) {
      const e = await run(process.execPath, [CLI, 'serve', ...args], { env: { ...process.env, ...env }, timeout: 10_000 }).catch((x: { code: number; stderr: string }) => x);
      expect(e, text).toMatchObject({ code: 2 });
      expect((e as { stderr: string }).stderr, text).toContain(text);
    }
  });

  it('flags win over the boolean variables too: --no-quiet over HMAC_KMS_QUIET=1, --console over HMAC_KMS_NO_CONSOLE=1', async () => {
    const s = await serve(['--no-quiet', '--console'], { HMAC_KMS_QUIET: '1', HMAC_KMS_NO_CONSOLE: 'true' });
    expect(s.out()).toContain('quiet=false no-console=false');
    expect(s.out()).not.toContain('from the environment'); // both flags won
    expect(s.out()).toContain(`  console: ${s.url}/console`);
    expect((await fetch(`${s.url}/console`)).status).toBe(200);
    await post(s.url, 'ListKeys', {});
    await settle();
    expect(s.out()).toMatch(/ ListKeys - arn:aws:iam::111122223333:root 200 - [\d.]+ms\n/); // logged
    // and the other way: --quiet and --no-console over variables that say otherwise
    const q = await serve(['--quiet', '--no-console'], { HMAC_KMS_QUIET: '0', HMAC_KMS_NO_CONSOLE: 'no' });
    expect(q.out()).toContain('quiet=true no-console=true');
    await post(q.url, 'ListKeys', {});
    await settle();
    expect(q.out()).not.toMatch(/ListKeys/);
  });

  it('logs one line per request (text, then JSON), never a message, MAC or token', async () => {
    const seed = join(dir, 'seed-log.json');
    writeFileSync(seed, JSON.stringify([{ KeySpec: 'HMAC_256', KeyMaterial: Buffer.from(MATERIAL.HMAC_256).toString('hex'), KeyId: K256, Aliases: ['alias/app'] }]));
    for (const format of ['text', 'json'] as const) {
      const s = await serve(['--seed', seed, '--log', format]);
      const mac = await post(s.url, 'GenerateMac', { KeyId: 'alias/app', Message: Buffer.from('secret message').toString('base64'), MacAlgorithm: 'HMAC_SHA_256' });
      const grant = await post(s.url, 'CreateGrant', { KeyId: K256, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] });
      await post(s.url, 'DisableKey', { KeyId: 'nope' });
      await settle();
      const log = s.out().split('\n').filter((l) => /GenerateMac|CreateGrant|DisableKey/.test(l));
      expect(log).toHaveLength(3);
      if (format === 'text') {
        expect(log[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z GenerateMac alias\/app arn:aws:iam::111122223333:root 200 - [\d.]+ms$/);
        expect(log[2]).toMatch(/ DisableKey nope arn:aws:iam::111122223333:root 400 NotFoundException [\d.]+ms$/);
      } else {
        const entries = log.map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(entries[0]).toMatchObject({ operation: 'GenerateMac', key: 'alias/app', caller: 'arn:aws:iam::111122223333:root', region: 'us-east-1', status: 200, error: null });
        expect(entries[2]).toMatchObject({ operation: 'DisableKey', status: 400, error: 'NotFoundException' });
      }
      const all = s.out() + s.err();
      for (const secret of [Buffer.from('secret message').toString('base64'), mac.json.Mac as string, (grant.json.GrantToken as string).slice(4, 40), 'secret message']) expect(all).not.toContain(secret);
    }
  });

  it('the text log quotes a field with whitespace, quotes, backslashes or control characters: a KeyId cannot forge a line or shift the fields', async () => {
    const s = await serve([]);
    const forged = 'x\n2030-01-01T00:00:00.000Z GenerateMac alias/app arn:aws:iam::111122223333:root 200 - 1.0ms';
    for (const KeyId of [forged, 'two words', 'back\\slash "quoted"', 'nel\u0085ls\u2028end', '-']) await post(s.url, 'DescribeKey', { KeyId });
    await post(s.url, 'DescribeKey', { KeyId: 'alias/plain' });
    await settle();
    const lines = s.out().split('\n').filter((l) => / DescribeKey /.test(l));
    expect(lines).toHaveLength(6);
    expect(s.out()).not.toMatch(/^2030-01-01T/m);
    const fields = (l: string) => / DescribeKey (.*) arn:aws:iam::111122223333:root 400 NotFoundException [\d.]+ms$/.exec(l)?.[1];
    expect(lines.map(fields)).toEqual([
      JSON.stringify(forged),
      '"two words"',
      '"back\\\\slash \\"quoted\\""',
      '"nel\\u0085ls\\u2028end"',
      '"-"', // not the "-" of no key
      'alias/plain', // a plain word stays as it is
    ]);
  });

  it('--audit appends CloudTrail-shaped records as JSON lines', async () => {
    const audit = join(dir, 'audit.jsonl');
    const s = await serve(['--audit', audit, '--quiet']);
    await post(s.url, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await post(s.url, 'DescribeKey', { KeyId: 'alias/missing' });
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    const records = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.eventName, r.errorCode ?? null, r.eventSource])).toEqual([
      ['CreateKey', null, 'kms.amazonaws.com'],
      ['DescribeKey', 'NotFoundException', 'kms.amazonaws.com'],
    ]);
  });

  it.runIf(existsSync('/dev/full'))('--audit: a write that fails later (a full disk: /dev/full) is said once on stderr; the server and its calls go on', async () => {
    const s = await serve(['--audit', '/dev/full', '--quiet']);
    for (let i = 0; i < 3; i++) {
      expect((await post(s.url, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).status).toBe(200);
      await settle(100);
    }
    expect(s.child.exitCode).toBe(null);
    expect((await post(s.url, 'ListKeys', {})).json.Keys).toHaveLength(3);
    expect(s.err().match(/cannot write the audit file \/dev\/full: .*ENOSPC.*; the calls stand/g)).toHaveLength(1);
    s.child.kill('SIGTERM');
    expect(await new Promise((r) => s.child.once('exit', r))).toBe(0);
  });

  it('GET /health answers {"status":"ok","version","keys"}', async () => {
    const s = await serve(['--quiet']);
    await post(s.url, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const res = await fetch(`${s.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: VERSION, keys: 1 });
  });

  it('a seed file names aliases, grants and identity policies; an unknown field or bad material is named precisely', async () => {
    const seed = join(dir, 'seed.json');
    writeFileSync(seed, JSON.stringify({
      Keys: [{
        KeySpec: 'HMAC_256', KeyMaterial: Buffer.from(MATERIAL.HMAC_256).toString('base64'), KeyId: K256, Aliases: ['alias/app', 'alias/app-v1'],
        Grants: [{ GranteePrincipal: 'arn:aws:iam::111122223333:role/Worker', Operations: ['GenerateMac'], Name: 'worker' }],
        Policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] },
      }],
      IdentityPolicies: [{ Principal: 'arn:aws:iam::111122223333:role/App', PolicyName: 'kms', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] } }],
    }));
    const s = await serve(['--seed', seed, '--quiet']);
    const aliases = await post(s.url, 'ListAliases', {});
    expect((aliases.json.Aliases as { AliasName: string }[]).map((a) => a.AliasName)).toEqual(['alias/app', 'alias/app-v1']);
    const grants = await post(s.url, 'ListGrants', { KeyId: K256 });
    expect(grants.json.Grants).toMatchObject([{ Name: 'worker', GranteePrincipal: 'arn:aws:iam::111122223333:role/Worker' }]);

    for (const [content, text] of [
      [[{ KeySpec: 'HMAC_256', KeyMaterial: '00'.repeat(32), AliasName: 'alias/x' }], 'Keys[0] has an unknown field "AliasName"'],
      [[{ KeySpec: 'HMAC_384', KeyMaterial: Buffer.alloc(32).toString('base64'), KeyId: K256 }], `Keys[0] (${K256}): KeyMaterial decodes to 32 bytes; expected 48 bytes for HMAC_384: 96 hex digits or 64 base64 characters`],
      [[{ KeySpec: 'HMAC_256', KeyMaterial: 'not key material' }], 'Keys[0]: KeyMaterial is neither hex nor base64; expected 32 bytes for HMAC_256: 64 hex digits or 44 base64 characters'],
      [{ Keys: [], Policies: [] }, 'the seed has an unknown field "Policies"'],
    ] as const) {
      writeFileSync(seed, JSON.stringify(content));
      const e = await run(process.execPath, [CLI, 'serve', '--port', '0', '--seed', seed], { timeout: 10_000 }).catch((x: { code: number; stderr: string }) => x);
      expect(e).toMatchObject({ code: 2 });
      expect((e as { stderr: string }).stderr).toContain(text);
    }
  });

  it('warns when a credential is of another account than --account, and when the Region has no HMAC keys', async () => {
    const creds = join(dir, 'creds.json');
    writeFileSync(creds, JSON.stringify({ AKIDOTHER: { secretAccessKey: 's', principal: 'arn:aws:iam::111122223333:user/Dev' } }));
    const s = await serve(['--account', '210987654321', '--credentials', creds, '--quiet']);
    await settle();
    expect(s.err()).toContain('credential AKIDOTHER acts as arn:aws:iam::111122223333:user/Dev, of account 111122223333, not --account 210987654321');
    expect(s.out()).toContain('try: AWS_ACCESS_KEY_ID=AKIDOTHER AWS_SECRET_ACCESS_KEY="$(node -p '); // runs as printed: below
    const eu = await serve(['--region', 'eu-central-1', '--quiet']);
    await settle();
    expect(eu.err()).toContain('eu-central-1 has no HMAC keys with --hmac-regions seed (CreateKey answers UnsupportedOperationException); --hmac-regions all offers them everywhere but China');
    expect(eu.out()).not.toContain('try:');
    const all = await serve(['--region', 'eu-central-1', '--hmac-regions', 'all', '--quiet']);
    expect(all.out()).toContain('try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws kms create-key --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC --region eu-central-1');
    expect((await post(all.url, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).status).toBe(200);
  });

  it('a taken port: the error says what holds it and how to stop it', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const e = await run(process.execPath, [CLI, 'serve', '--port', String(port)]).catch((x: { code: number; stderr: string }) => x);
      expect(e).toMatchObject({ code: 1 });
      expect((e as { stderr: string }).stderr).toContain(`port ${port} on 127.0.0.1 is already in use by pid ${process.pid} (`);
      expect((e as { stderr: string }).stderr).toContain(`kill ${process.pid}`);
      // what may have left a server holding it, and how to start one that SIGTERM stops
      expect((e as { stderr: string }).stderr).toContain('An "npx hmac-kms serve" or "npm exec -- hmac-kms serve" stopped with SIGTERM leaves its server running: neither passes the signal on.');
      expect((e as { stderr: string }).stderr).toContain('In scripts and containers start it as: exec node node_modules/hmac-kms/dist/cli.js serve');
    } finally {
      holder.close();
    }
  });

  it('a taken port with --state: the state file is closed before the process exits, its lock removed', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => holder.once('listening', r));
    const port = (holder.address() as { port: number }).port;
    const state = join(dir, 'taken-port.state');
    try {
      const e = await run(process.execPath, [CLI, 'serve', '--port', String(port), '--state', state], { env: { ...process.env, HMAC_KMS_WRAPPING_KEY: '5a'.repeat(32) } }).catch((x: { code: number; stderr: string }) => x);
      expect(e).toMatchObject({ code: 1 });
      expect((e as { stderr: string }).stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(existsSync(`${state}.lock`)).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('--state without a wrapping key refuses to start and says how to make one; with one, the world survives a restart', async () => {
    const state = join(dir, 'kms.state');
    const e = await run(process.execPath, [CLI, 'serve', '--port', '0', '--state', state], { env: { ...process.env, HMAC_KMS_WRAPPING_KEY: '' } }).catch((x: { code: number; stderr: string }) => x);
    expect(e).toMatchObject({ code: 2 });
    expect((e as { stderr: string }).stderr).toContain('--state needs a wrapping key');
    expect((e as { stderr: string }).stderr).toContain('openssl rand -hex 32');
    expect(existsSync(state)).toBe(false);
    const keyFile = join(dir, 'wrapping.key');
    writeFileSync(keyFile, `${'3c'.repeat(32)}\n`);
    const first = await serve(['--state', state, '--wrapping-key-file', keyFile, '--quiet']);
    expect(first.out()).toContain(`state: ${state}: 0 key(s), created`);
    const created = await post(first.url, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const keyId = (created.json.KeyMetadata as { KeyId: string }).KeyId;
    await post(first.url, 'CreateAlias', { AliasName: 'alias/kept', TargetKeyId: keyId });
    const mac = await post(first.url, 'GenerateMac', { KeyId: 'alias/kept', Message: 'aGk=', MacAlgorithm: 'HMAC_SHA_256' });
    // a second server on the same file refuses to start
    const second = await run(process.execPath, [CLI, 'serve', '--port', '0', '--state', state, '--wrapping-key-file', keyFile]).catch((x: { code: number; stderr: string }) => x);
    expect((second as { stderr: string }).stderr).toContain(`is in use by another hmac-kms (pid ${first.child.pid}`);
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
    const again = await serve(['--state', state, '--wrapping-key-file', keyFile, '--quiet']);
    expect(again.out()).toContain(`state: ${state}: 1 key(s), restored`);
    expect((await post(again.url, 'VerifyMac', { KeyId: 'alias/kept', Message: 'aGk=', MacAlgorithm: 'HMAC_SHA_256', Mac: mac.json.Mac })).json.MacValid).toBe(true);
    // a wrong wrapping key: refused, clearly, the file untouched
    const before = readFileSync(state);
    again.child.kill('SIGTERM');
    await new Promise((r) => again.child.once('exit', r));
    const wrong = await run(process.execPath, [CLI, 'serve', '--port', '0', '--state', state], { env: { ...process.env, HMAC_KMS_WRAPPING_KEY: '00'.repeat(32) } }).catch((x: { code: number; stderr: string }) => x);
    expect((wrong as { stderr: string }).stderr).toContain('the wrapping key does not open this state: it was sealed with another wrapping key');
    expect(readFileSync(state)).toEqual(before);
    // what a crash in the middle of an append leaves (a prefix of `<length>:<sealed>`): dropped, and said so
    writeFileSync(state, Buffer.concat([before, Buffer.from('812:Qk5')]));
    const afterCrash = await serve(['--state', state, '--wrapping-key-file', keyFile, '--quiet']);
    expect(afterCrash.out()).toContain('state: the last change in the file was cut short by a crash (it was never acknowledged): dropped');
    expect((await post(afterCrash.url, 'VerifyMac', { KeyId: 'alias/kept', Message: 'aGk=', MacAlgorithm: 'HMAC_SHA_256', Mac: mac.json.Mac })).json.MacValid).toBe(true);
    afterCrash.child.kill('SIGTERM');
    await new Promise((r) => afterCrash.child.once('exit', r));
  });
});

describe('what serve prints, run as printed (issue #11.4, #11.5)', () => {
  /**
   * The `try:` line run by /bin/sh as a user pastes it, on a machine without AWS configuration: no AWS_* variable, no
   * config or credentials file; `aws` on PATH is the CLI v2 found (a pip v1 may come first on this PATH).
   */
  async function runTryLine(out: string, awsPath: string): Promise<{ command: string; result: Record<string, unknown> }> {
    const command = /^ {2}try: (.*)$/m.exec(out)?.[1];
    if (!command) throw new Error(`no try: line in\n${out}`);
    const bin = join(dir, 'aws-v2-on-path');
    if (!existsSync(bin)) {
      mkdirSync(bin);
      symlinkSync(awsPath, join(bin, 'aws'));
    }
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    Object.assign(env, { PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_EC2_METADATA_DISABLED: 'true' });
    const { stdout } = await run('/bin/sh', ['-c', command], { env, cwd: tmpdir(), timeout: 30_000 });
    return { command, result: JSON.parse(stdout) as Record<string, unknown> };
  }

  it('without --credentials: the printed create-key makes a key with the AWS CLI v2', { timeout: 60_000 }, async (ctx) => {
    const aws = use(findAwsCli(2), ctx);
    const s = await serve(['--quiet', '--region', 'eu-west-1']);
    const { result } = await runTryLine(s.out(), aws);
    expect(result.KeyMetadata).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Arn: expect.stringMatching(/^arn:aws:kms:eu-west-1:111122223333:key\//) });
    expect((await post(s.url, 'ListKeys', {})).json.Keys).toEqual([{ KeyId: (result.KeyMetadata as { KeyId: string }).KeyId, KeyArn: (result.KeyMetadata as { Arn: string }).Arn }]);
  });

  it('with --credentials: the printed line takes an account root\'s access key, reads its secret from the credentials file (it never prints it) and runs as is', { timeout: 60_000 }, async (ctx) => {
    const aws = use(findAwsCli(2), ctx);
    const credsDir = join(dir, "creds with space and 'quote'");
    mkdirSync(credsDir, { recursive: true });
    const creds = join(credsDir, 'credentials.json');
    const secret = 'hint-secret-9f8e7d6c5b4a';
    writeFileSync(
      creds,
      JSON.stringify({
        AKIDUSER: { secretAccessKey: 'user-secret', principal: 'arn:aws:iam::111122223333:user/NoPolicy' }, // CreateKey: AccessDeniedException
        "AKID'ROOT": { secretAccessKey: secret, principal: 'arn:aws:iam::111122223333:root' },
      }),
    );
    const s = await serve(['--quiet', '--credentials', creds]);
    expect(s.out()).not.toContain(secret);
    const { command, result } = await runTryLine(s.out(), aws);
    expect(command).toMatch(/^AWS_ACCESS_KEY_ID='AKID'\\''ROOT' AWS_SECRET_ACCESS_KEY="\$\(node -p /);
    expect(result.KeyMetadata).toMatchObject({ KeySpec: 'HMAC_256', Arn: expect.stringMatching(/^arn:aws:kms:us-east-1:111122223333:key\//) });
  });

  it('an internal error is printed on stderr with its stack, and answered as KMSInternalException (a failing getRandomValues, injected)', async () => {
    // the fault: the platform's random source fails while CreateKey draws an HMAC_512 key's 64 bytes of material
    const fault = join(dir, 'random-fault.mjs');
    writeFileSync(
      fault,
      `const real = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
globalThis.crypto.getRandomValues = function injectedFault(array) {
  if (array.length === 64) throw new Error('getRandomValues failed (a fault injected by the test)');
  return real(array);
};
`,
    );
    const child = spawn(process.execPath, ['--import', pathToFileURL(fault).href, CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (/ {2}try: /.test(out)) resolve(/KMS endpoint (http:\/\/\S+)/.exec(out)![1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}\n${out}\n${err}`)));
    });
    const failed = await post(url, 'CreateKey', { KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(failed).toMatchObject({ status: 500, json: { __type: 'KMSInternalException' } });
    expect((await post(url, 'CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).status).toBe(200); // and it goes on
    await settle();
    const printed = err.slice(err.indexOf('hmac-kms: internal error'));
    expect(printed).toMatch(/^hmac-kms: internal error \(answered as KMSInternalException\)\nError: getRandomValues failed \(a fault injected by the test\)\n/);
    // the stack: the frame that threw, and the server's own frames down to the request
    expect(printed).toMatch(/\n {4}at .*injectedFault.*random-fault\.mjs:\d+:\d+\)?\n/);
    expect(printed).toMatch(/\n {4}at .*dist\/index\.js:\d+:\d+\)?\n/);
    expect(printed).toMatch(/\n {4}at .*dist\/cli\.js:\d+:\d+\)?\n/);
    expect(out).toMatch(/ CreateKey - arn:aws:iam::111122223333:root 500 KMSInternalException [\d.]+ms\n/);
  });
});

/** Waits for the child to end: its exit code, or the signal that ended it. */
const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => (child.exitCode !== null || child.signalCode !== null ? r({ code: child.exitCode, signal: child.signalCode }) : child.once('exit', (code, signal) => r({ code, signal }))));

/** A port free a moment ago (for a server whose stdout cannot be read to learn the port it picked). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  const { port } = probe.address() as { port: number };
  await new Promise((r) => probe.close(r));
  return port;
}

describe('hmac-kms serve when its stdout goes away (review: `hmac-kms serve | head -1` died of an unhandled EPIPE)', () => {
  it('stdout closed by its reader, then requests: the server goes on serving, its request log stops, nothing is said of it, SIGTERM exits 0', async () => {
    const s = await serve([]);
    s.child.stdout!.destroy(); // the reading end closed, as when `head -1` has its line and exits
    for (let i = 0; i < 3; i++) {
      expect((await post(s.url, 'ListKeys', {})).status).toBe(200);
      await settle(100); // the request log is flushed on the next turn: each flush writes into the closed pipe
    }
    expect(s.child.exitCode).toBe(null);
    s.child.kill('SIGTERM'); // the SIGTERM handler writes to stdout too
    expect(await exited(s.child)).toEqual({ code: 0, signal: null });
    expect(s.err()).toBe(''); // the pipe is gone: no one to tell, and stderr is no place for it
  });

  it('stdout closed, then SIGTERM first (--quiet: the handler\'s line is the first write into the closed pipe): exits 0', async () => {
    const s = await serve(['--quiet']);
    s.child.stdout!.destroy();
    await settle(50);
    s.child.kill('SIGTERM');
    expect(await exited(s.child)).toEqual({ code: 0, signal: null });
    expect(s.err()).toBe('');
  });

  it.runIf(existsSync('/dev/full'))('stdout on a full disk (/dev/full): said once on stderr; the server goes on and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], { stdio: ['ignore', full, 'pipe'] });
    closeSync(full);
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 100 || child.exitCode !== null) throw new Error(`serve did not start: ${err}`);
      await settle(50);
    }
    for (let i = 0; i < 3; i++) {
      expect((await post(url, 'ListKeys', {})).status).toBe(200);
      await settle(100);
    }
    expect(child.exitCode).toBe(null);
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(err.match(/hmac-kms: cannot write to stdout: .*ENOSPC.*; nothing more is written there \(the server goes on\)/g)).toHaveLength(1);
  });
});

// Each CLI found on the machine (test/helpers/tools.ts); a missing one skips saying why, and CI requires v2.
describe('the README AWS CLI examples, v2 and v1 forms (issue #11.3)', () => {
  it.for([2, 1] as const)('AWS CLI v%i: generate-mac then verify-mac with the MAC generate-mac printed', { timeout: 60_000 }, async (major, ctx) => {
    const path = use(findAwsCli(major), ctx);
    const s = await serve(['--quiet']);
    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const aws = (...args: string[]) => run(path, [...args, '--endpoint-url', s.url, '--output', 'text'], { env }).then((r) => r.stdout.trim());
    const keyId = await aws('kms', 'create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC', '--query', 'KeyMetadata.KeyId');
    if (major === 2) {
      // v2: blobs are base64 on the command line
      const message = Buffer.from('hello').toString('base64');
      const mac = await aws('kms', 'generate-mac', '--key-id', keyId, '--message', message, '--mac-algorithm', 'HMAC_SHA_256', '--query', 'Mac');
      expect(await aws('kms', 'verify-mac', '--key-id', keyId, '--message', message, '--mac-algorithm', 'HMAC_SHA_256', '--mac', mac, '--query', 'MacValid')).toBe('True');
    } else {
      // v1: --message is the text itself; the MAC printed in base64 goes back as bytes, from a file
      const mac = await aws('kms', 'generate-mac', '--key-id', keyId, '--message', 'hello', '--mac-algorithm', 'HMAC_SHA_256', '--query', 'Mac');
      const macFile = join(dir, 'mac.bin');
      writeFileSync(macFile, Buffer.from(mac, 'base64'));
      expect(await aws('kms', 'verify-mac', '--key-id', keyId, '--message', 'hello', '--mac-algorithm', 'HMAC_SHA_256', '--mac', `fileb://${macFile}`, '--query', 'MacValid')).toBe('True');
      // the v2-style command fails with v1, as the README warns
      const wrong = await aws('kms', 'verify-mac', '--key-id', keyId, '--message', 'hello', '--mac-algorithm', 'HMAC_SHA_256', '--mac', mac).catch((e: { stderr: string }) => e.stderr);
      expect(wrong).toContain('KMSInvalidMacException');
    }
  });
});

// Review: the AWS CLI v1 only ever ran against servers without --credentials, where any signature is accepted, so the
// SigV4 checks (every x-amz-* header signed, the body's hash; issue #10.4) were never exercised with it.
describe('the AWS CLI v2 and v1 against serve --credentials: SigV4 verified', () => {
  it.for([2, 1] as const)('AWS CLI v%i: signed calls run as the access key\'s principal; a wrong secret is refused with InvalidSignatureException', { timeout: 90_000 }, async (major, ctx) => {
    const path = use(findAwsCli(major), ctx);
    const creds = join(dir, `cli-v${major}-credentials.json`);
    writeFileSync(
      creds,
      JSON.stringify({
        AKIDCLIROOT: { secretAccessKey: 'cli-root-secret', principal: 'arn:aws:iam::111122223333:root' },
        AKIDCLIUSER: { secretAccessKey: 'cli-user-secret', principal: 'arn:aws:iam::111122223333:user/NoPolicy' },
      }),
    );
    const audit = join(dir, `cli-v${major}-audit.jsonl`);
    const s = await serve(['--quiet', '--credentials', creds, '--audit', audit]);
    const base = { ...process.env, AWS_DEFAULT_REGION: 'eu-west-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const as = (accessKeyId: string, secretAccessKey: string) => (...args: string[]) =>
      run(path, [...args, '--endpoint-url', s.url, '--output', 'text'], { env: { ...base, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } }).then(
        (r) => r.stdout.trim(),
        (e: { stderr: string }) => Promise.reject(new Error(e.stderr)),
      );
    const root = as('AKIDCLIROOT', 'cli-root-secret');
    const keyId = await root('kms', 'create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC', '--query', 'KeyMetadata.KeyId');
    // a body that carries bytes: v2 takes the message in base64, v1 as the text itself
    const message = major === 2 ? Buffer.from('signed hello').toString('base64') : 'signed hello';
    const mac = await root('kms', 'generate-mac', '--key-id', keyId, '--message', message, '--mac-algorithm', 'HMAC_SHA_256', '--query', 'Mac');
    expect(mac).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const macArg = major === 2 ? mac : `fileb://${join(dir, `cli-v${major}-mac.bin`)}`;
    if (major === 1) writeFileSync(join(dir, 'cli-v1-mac.bin'), Buffer.from(mac, 'base64'));
    expect(await root('kms', 'verify-mac', '--key-id', keyId, '--message', message, '--mac-algorithm', 'HMAC_SHA_256', '--mac', macArg, '--query', 'MacValid')).toBe('True');
    // the user's access key: signed correctly, runs as the user, who has no identity policy
    await expect(as('AKIDCLIUSER', 'cli-user-secret')('kms', 'list-keys')).rejects.toThrow(
      'AccessDeniedException) when calling the ListKeys operation: User: arn:aws:iam::111122223333:user/NoPolicy is not authorized to perform: kms:ListKeys',
    );
    // a wrong secret, an unknown access key: refused before anything runs
    await expect(as('AKIDCLIROOT', 'not-the-secret')('kms', 'describe-key', '--key-id', keyId)).rejects.toThrow('(InvalidSignatureException) when calling the DescribeKey operation');
    await expect(as('AKIDNOBODY', 'cli-root-secret')('kms', 'list-keys')).rejects.toThrow('(UnrecognizedClientException) when calling the ListKeys operation');
    s.child.kill('SIGTERM');
    await exited(s.child);
    const records = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { eventName: string; errorCode?: string; userIdentity: { arn: string; accessKeyId?: string } });
    expect(records.map((r) => [r.eventName, r.errorCode ?? null, r.userIdentity.arn, r.userIdentity.accessKeyId])).toEqual([
      ['CreateKey', null, 'arn:aws:iam::111122223333:root', 'AKIDCLIROOT'],
      ['GenerateMac', null, 'arn:aws:iam::111122223333:root', 'AKIDCLIROOT'],
      ['VerifyMac', null, 'arn:aws:iam::111122223333:root', 'AKIDCLIROOT'],
      ['ListKeys', 'AccessDenied', 'arn:aws:iam::111122223333:user/NoPolicy', 'AKIDCLIUSER'],
    ]);
  });
});
