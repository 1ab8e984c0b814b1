// The smoke suite (smoke.mjs) in every runtime the design card promises, each loading the *built* package through its
// `exports` as a consumer would (a fixture project with node_modules/hmac-kms -> this package): Node ESM, Node CJS,
// Bun, Deno, Cloudflare workerd (miniflare, no nodejs_compat, the real AWS SDK calling the Worker, hmac-kms/cloudflare
// answering from its Durable Object) and headless
// Chromium (found on the machine, driven by playwright-core). Bun, Deno, miniflare and playwright-core come from this
// directory's own package.json and lockfile (`npm ci --prefix test/runtime`), so that a contributor's `npm ci` stays
// light. Where they or a Chromium are missing, the test skips with the reason (test/helpers/tools.ts) — except in CI,
// which installs them and requires them (HMAC_KMS_REQUIRE_RUNTIMES, HMAC_KMS_REQUIRE_BROWSER): there a runtime that
// cannot start fails its test, saying why. Nothing here reaches beyond 127.0.0.1 (miniflare runs with `cf: false`).
// Versions: see package.json here and README "Supported runtimes".
import { KMSClient, CreateKeyCommand, DescribeKeyCommand, GenerateMacCommand, VerifyMacCommand, DisableKeyCommand, DisabledException } from '@aws-sdk/client-kms';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromKmsClient, signJwt, verifyJwt } from '../../src/jwt/index.js';
import { chromiumSupport, useChromium } from '../helpers/browser.js';
import { findRuntimeMatrix, use } from '../helpers/tools.js';
import { withTmpdir } from './own-tmpdir.js';
import { WORKER_BUILD } from './worker-build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const run = promisify(execFile);
const MATRIX = findRuntimeMatrix();

interface Result {
  name: string;
  ok?: boolean;
  error?: string;
  skipped?: string;
}

/** One Wycheproof HMAC-SHA-256 vector with a 32-byte key (an HMAC_256 key can be seeded with it). */
function pickVector() {
  const file = JSON.parse(readFileSync(join(ROOT, 'vectors/wycheproof/hmac_sha256_test.json'), 'utf8'));
  const group = file.testGroups.find((g: { keySize: number; tagSize: number }) => g.keySize === 256 && g.tagSize === 256);
  return group.tests.find((t: { result: string; msg: string }) => t.result === 'valid' && t.msg.length >= 2);
}

const RUN_ESM = `import * as lib from 'hmac-kms';
import * as jwt from 'hmac-kms/jwt';
import smoke from './smoke.mjs';
import vector from './vector.mjs';
const results = await smoke(lib, { vector, jwt });
console.log('SMOKE_RESULTS ' + JSON.stringify(results));
`;
const RUN_CJS = `const lib = require('hmac-kms');
const jwt = require('hmac-kms/jwt');
import('./smoke.mjs').then(async ({ default: smoke }) => {
  const { default: vector } = await import('./vector.mjs');
  const results = await smoke(lib, { vector, jwt });
  console.log('SMOKE_RESULTS ' + JSON.stringify(results));
});
`;

let fixture: string;
beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/index.js')), 'dist/ is built by npm test before the suites run').toBe(true);
  fixture = mkdtempSync(join(tmpdir(), 'hmac-kms-consumer-'));
  writeFileSync(join(fixture, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { 'hmac-kms': '*' } }));
  mkdirSync(join(fixture, 'node_modules'));
  symlinkSync(ROOT, join(fixture, 'node_modules/hmac-kms'), 'dir');
  copyFileSync(join(HERE, 'smoke.mjs'), join(fixture, 'smoke.mjs'));
  writeFileSync(join(fixture, 'vector.mjs'), `export default ${JSON.stringify(pickVector())};\n`);
  writeFileSync(join(fixture, 'run.mjs'), RUN_ESM);
  writeFileSync(join(fixture, 'run.cjs'), RUN_CJS);
});
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

function parse(stdout: string): Result[] {
  const line = stdout.split('\n').find((l) => l.startsWith('SMOKE_RESULTS '));
  if (!line) throw new Error(`the runner printed no results:\n${stdout}`);
  return JSON.parse(line.slice('SMOKE_RESULTS '.length));
}

function expectAllPassed(runtime: string, results: Result[]): void {
  const failed = results.filter((r) => r.ok === false);
  expect(failed, `${runtime}: ${failed.map((f) => `${f.name}\n${f.error}`).join('\n')}`).toEqual([]);
  const ran = results.filter((r) => r.ok);
  expect(ran.length, `${runtime} ran the checks`).toBeGreaterThanOrEqual(7);
  expect(ran.map((r) => r.name), `${runtime} ran the hmac-kms/jwt check`).toContainEqual(expect.stringMatching(/^hmac-kms\/jwt: /));
  for (const s of results.filter((r) => r.skipped)) console.log(`${runtime}: skipped "${s.name}": ${s.skipped}`);
}

async function spawnRunner(command: string, args: string[]): Promise<Result[]> {
  try {
    const { stdout } = await run(command, args, { cwd: fixture, timeout: 60_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    return parse(stdout);
  } catch (e) {
    const err = e as { message: string; stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} could not run the smoke suite: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

const bin = (name: string) => join(MATRIX.path!, '.bin', name);

describe('the smoke suite in every runtime', () => {
  it(`Node ${process.version} ESM (import 'hmac-kms', 'hmac-kms/jwt')`, async () => {
    expectAllPassed('node-esm', await spawnRunner(process.execPath, ['run.mjs']));
  });

  it(`Node ${process.version} CJS (require('hmac-kms'), require('hmac-kms/jwt'))`, async () => {
    expectAllPassed('node-cjs', await spawnRunner(process.execPath, ['run.cjs']));
  });

  it('Bun (bun@1.4.5 from test/runtime)', async (ctx) => {
    use(MATRIX, ctx);
    const { stdout } = await run(bin('bun'), ['--version']);
    expect(stdout.trim()).toBe('1.4.5');
    expectAllPassed('bun', await spawnRunner(bin('bun'), ['run.mjs']));
  });

  it('Deno (deno@2.9.6 from test/runtime)', async (ctx) => {
    use(MATRIX, ctx);
    const { stdout } = await run(bin('deno'), ['--version']);
    expect(stdout).toMatch(/^deno 2\.9\.6 /);
    expectAllPassed('deno', await spawnRunner(bin('deno'), ['run', '--quiet', '--allow-read', '--allow-env', 'run.mjs']));
  });

  it('Cloudflare workerd (miniflare, no nodejs_compat): the smoke suite in a Worker, and the real AWS SDK calling the Worker', async (ctx) => {
    use(MATRIX, ctx);
    const { Miniflare } = await import('miniflare');
    writeFileSync(
      join(fixture, 'worker.mjs'),
      `import * as lib from 'hmac-kms';
import * as jwt from 'hmac-kms/jwt';
import { HmacKmsObject, createWorker } from 'hmac-kms/cloudflare';
import smoke from './smoke.mjs';
import vector from './vector.mjs';
export { HmacKmsObject };
const kms = new lib.HmacKms();
const handle = lib.createFetchHandler(kms, { credentials: { AKIDWORKER: { secretAccessKey: 'worker-secret', principal: 'arn:aws:iam::111122223333:root' } } });
// hmac-kms/cloudflare's Worker under /__do: its world in the HmacKmsObject Durable Object
const durable = createWorker({ binding: 'KMS' });
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/__smoke') return Response.json(await smoke(lib, { vector, jwt }));
    if (pathname.startsWith('/__do')) return durable.fetch(new Request(new URL(pathname.slice('/__do'.length) || '/', request.url), request), env);
    return handle(request);
  },
};
`,
    );
    // bundled from the built package (its "import" export), as wrangler would; no Node built-ins exist in the Worker
    const bundle = await build({ ...WORKER_BUILD, entryPoints: [join(fixture, 'worker.mjs')], absWorkingDir: fixture });
    // cf: false, or miniflare downloads Cloudflare's request metadata (cf.json) from the internet on every start
    // its temporary directory inside the fixture, which afterAll removes (./own-tmpdir.ts)
    const mf = withTmpdir(fixture, () => new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      compatibilityDate: '2026-04-01',
      host: '127.0.0.1',
      port: 0,
      cf: false,
      durableObjects: { KMS: { className: 'HmacKmsObject', useSQLite: true } },
      bindings: { HMAC_KMS_WRAPPING_KEY: 'ab'.repeat(32), HMAC_KMS_ALLOW_UNSIGNED: 'true' },
    }));
    try {
      const url = await mf.ready;
      const smoke = await mf.dispatchFetch(new URL('/__smoke', url));
      expectAllPassed('workerd', (await smoke.json()) as Result[]);
      const client = new KMSClient({ region: 'us-east-1', endpoint: url.href.replace(/\/$/, ''), credentials: { accessKeyId: 'AKIDWORKER', secretAccessKey: 'worker-secret' }, maxAttempts: 1 });
      const { KeyMetadata } = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      const { Mac } = await client.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message: new TextEncoder().encode('edge'), MacAlgorithm: 'HMAC_SHA_512' }));
      expect((await client.send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message: new TextEncoder().encode('edge'), Mac, MacAlgorithm: 'HMAC_SHA_512' }))).MacValid).toBe(true);
      await client.send(new DisableKeyCommand({ KeyId: KeyMetadata!.KeyId }));
      const e = await client.send(new GenerateMacCommand({ KeyId: KeyMetadata!.KeyId, Message: new TextEncoder().encode('edge'), MacAlgorithm: 'HMAC_SHA_512' })).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(DisabledException);
      // hmac-kms/jwt on this side, through the SDK, against the Worker
      const viaSdk = fromKmsClient(client, { GenerateMacCommand, VerifyMacCommand, DescribeKeyCommand });
      const { KeyMetadata: jwtKey } = await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      const token = await signJwt(viaSdk, { KeyId: jwtKey!.KeyId!, payload: { sub: 'edge' }, expiresIn: 60 });
      expect((await verifyJwt(viaSdk, token, { KeyId: jwtKey!.Arn!, subject: 'edge' })).KeyId).toBe(jwtKey!.Arn);
      // hmac-kms/cloudflare (resolved through the package's exports with the workerd conditions): AWS JSON 1.1 calls
      // answered by the Durable Object, and its health check
      const call = async (target: string, body: object) => {
        const res = await mf.dispatchFetch(new URL('/__do', url), { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${target}` }, body: JSON.stringify(body) });
        return { status: res.status, json: (await res.json()) as Record<string, any> };
      };
      const created = await call('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      expect(created.status).toBe(200);
      const doKeyId = created.json.KeyMetadata.KeyId as string;
      const made = await call('GenerateMac', { KeyId: doKeyId, Message: btoa('edge'), MacAlgorithm: 'HMAC_SHA_256' });
      expect(made.json).toMatchObject({ MacAlgorithm: 'HMAC_SHA_256', KeyId: created.json.KeyMetadata.Arn });
      expect((await call('VerifyMac', { KeyId: doKeyId, Message: btoa('edge'), Mac: made.json.Mac, MacAlgorithm: 'HMAC_SHA_256' })).json.MacValid).toBe(true);
      expect((await call('DescribeKey', { KeyId: 'alias/none' })).json.__type).toBe('NotFoundException');
      const health = await mf.dispatchFetch(new URL('/__do/health', url));
      expect(health.status).toBe(200);
    } finally {
      await mf.dispose();
    }
  }, 60_000);

  describe('headless Chromium', () => {
    let server: Server;
    let base = '';
    beforeAll(async () => {
      // a static server for the package as a browser sees it: the ESM build and its dependencies, through an import map
      const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' };
      const page = `<!doctype html><meta charset="utf-8"><title>hmac-kms smoke</title>
<script type="importmap">{"imports":{"hmac-kms":"/dist/index.js","hmac-kms/jwt":"/dist/jwt/index.js","@noble/hashes/":"/node_modules/@noble/hashes/","@noble/ciphers/":"/node_modules/@noble/ciphers/"}}</script>
<script type="module">
import * as lib from 'hmac-kms';
import * as jwt from 'hmac-kms/jwt';
import smoke from '/__fixture/smoke.mjs';
import vector from '/__fixture/vector.mjs';
smoke(lib, { vector, jwt }).then((r) => { window.smokeResults = r; }, (e) => { window.smokeResults = [{ name: 'page', ok: false, error: String(e && e.stack || e) }]; });
</script>`;
      server = createServer((req, res) => {
        const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
        if (path === '/') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(page);
          return;
        }
        const file = path.startsWith('/__fixture/') ? join(fixture, path.slice('/__fixture/'.length)) : join(ROOT, normalize(path));
        if (!file.startsWith(ROOT) && !file.startsWith(fixture)) return void res.writeHead(403).end();
        try {
          const body = readFileSync(file);
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
          res.end(body);
        } catch {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('Chromium (found on PATH or HMAC_KMS_CHROMIUM, driven by playwright-core 1.65.1) loads the ESM bundle in a page', async (ctx) => {
      const browser = await useChromium(await chromiumSupport(), ctx)();
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(base);
        await page.waitForFunction(() => (window as unknown as { smokeResults?: unknown }).smokeResults !== undefined, undefined, { timeout: 30_000 });
        const results = (await page.evaluate(() => (window as unknown as { smokeResults: unknown }).smokeResults)) as Result[];
        expect(errors).toEqual([]);
        expectAllPassed('chromium', results);
        expect(await page.evaluate(() => navigator.userAgent)).toMatch(/HeadlessChrome|Chrome/);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
