// The install routes the README gives while hmac-kms is not on the registry, taken as a consumer takes them, from a
// checkout without dist/ (a copy of this working tree, committed to a scratch git repository): a local path (npm links
// it and runs its `prepare`, which builds), the tarball `npm pack` makes (`prepare` builds it into the tarball), and
// a git URL (npm clones, installs the dev dependencies, runs `prepare`, packs). Each consumer then imports the package
// as ESM and as CommonJS, and runs the bin through npx: --version, --help, and serve answering a request.
//
// The git route takes about a minute (npm installs all the dev dependencies in its clone and builds twice): it runs
// where HMAC_KMS_SLOW_TESTS=1, as .ci/run sets, and elsewhere skips saying so.
//
// npm runs with --prefer-offline: the checkout's dependencies come from the cache `npm ci` filled; only what the cache
// lacks (on a first run, the registry's metadata of @noble/hashes and @noble/ciphers) is fetched from the registry.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const run = promisify(execFile);

// npm's own variables from `npm test` (npm_config_local_prefix, npm_package_*, ...) would point the nested npm at
// this checkout; the user's npmrc still applies
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
const npm = (cwd: string, ...args: string[]) =>
  run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env, maxBuffer: 16 * 1024 * 1024 });
const git = (cwd: string, ...args: string[]) =>
  run('git', ['-c', 'user.name=hmac-kms tests', '-c', 'user.email=tests@hmac-kms.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, env });

let scratch: string;
let checkout: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'hmac-kms-install-'));
  checkout = join(scratch, 'hmac-kms');
  // what a clone of this working tree holds: tracked and new files, nothing ignored (no dist/, no node_modules/)
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted, not yet committed
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(join(ROOT, file), join(checkout, file));
  }
  expect(existsSync(join(checkout, 'dist')), 'the checkout has no dist/').toBe(false);
  await git(checkout, 'init', '-q');
  await git(checkout, 'add', '-A');
  await git(checkout, 'commit', '-q', '-m', 'a snapshot of the working tree');
  // the dev dependencies of the checkout, as `npm ci` there would install them (not committed)
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
}, 60_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A consumer project: package.json only, then `npm install <spec>`. */
async function consumer(name: string, spec: string): Promise<string> {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }));
  await npm(dir, 'install', '--save-dev', spec);
  return dir;
}

const ESM = `import { HmacKms } from 'hmac-kms';
import { signJwt, verifyJwt } from 'hmac-kms/jwt';
import { startServer } from 'hmac-kms/node';
const kms = new HmacKms();
const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
const token = await signJwt(kms, { KeyId: KeyMetadata.KeyId, payload: { sub: 'esm' } });
const server = await startServer({ port: 0, kms });
console.log((await verifyJwt(kms, token, { KeyId: KeyMetadata.Arn })).payload.sub, server.kms === kms);
await server.close();
`;
const CJS = `const { HmacKms } = require('hmac-kms');
const { deriveKey } = require('hmac-kms/jwt');
const { startServer } = require('hmac-kms/node');
(async () => {
  const kms = new HmacKms();
  const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const key = await deriveKey(kms, { KeyId: KeyMetadata.KeyId, label: 'cjs', context: 'consumer', length: 16 });
  const server = await startServer({ port: 0, kms });
  console.log('cjs', key.length, server.kms === kms);
  await server.close();
})();
`;

function post(url: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${target}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

/** `npx hmac-kms serve --port 0` in the consumer: its endpoint answers, and SIGTERM to the group (npx does not forward it) stops it. */
async function serveThroughNpx(dir: string): Promise<void> {
  const child = spawn('npx', ['hmac-kms', 'serve', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /endpoint (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.stderr!.on('data', (d: Buffer) => (err += d));
      child.on('exit', (code) => reject(new Error(`npx hmac-kms serve exited with ${code}:\n${out}\n${err}`)));
    });
    const res = await post(url, 'ListKeys');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ Keys: [] });
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

async function expectWorkingPackage(dir: string): Promise<void> {
  writeFileSync(join(dir, 'esm.mjs'), ESM);
  writeFileSync(join(dir, 'cjs.cjs'), CJS);
  expect((await run(process.execPath, ['esm.mjs'], { cwd: dir, env })).stdout).toBe('esm true\n');
  expect((await run(process.execPath, ['cjs.cjs'], { cwd: dir, env })).stdout).toBe('cjs 16 true\n');
  expect((await run('npx', ['hmac-kms', '--version'], { cwd: dir, env })).stdout).toBe(`${pkg.version}\n`);
  expect((await run('npx', ['hmac-kms', '--help'], { cwd: dir, env })).stdout).toContain('usage: hmac-kms serve ');
  await serveThroughNpx(dir);
}

/** A copy installed (not a link): exactly the packed files, and beside it nothing but the runtime dependencies. */
function expectInstalledCopy(dir: string): void {
  const installed = join(dir, 'node_modules/hmac-kms');
  expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
  expect(readdirSync(join(dir, 'node_modules')).sort()).toEqual(['.bin', '.package-lock.json', '@noble', 'hmac-kms']);
  expect(readdirSync(join(dir, 'node_modules/@noble')).sort()).toEqual(Object.keys(pkg.dependencies).map((d) => d.slice('@noble/'.length)).sort());
}

describe('installing hmac-kms before it is on the registry (README "Install")', () => {
  it('the checkout builds with its dev dependencies, which hold none of the runtime matrix (test/runtime has those)', () => {
    const lock = JSON.parse(readFileSync(join(checkout, 'package-lock.json'), 'utf8'));
    const matrix = Object.keys(lock.packages).filter((p) => /node_modules\/(bun|deno|miniflare|workerd|playwright-core|@oven|@deno|@cloudflare)(\/|$)/.test(p));
    expect(matrix).toEqual([]);
    expect(pkg.scripts.prepare).toBe('npm run build');
  });

  it('from the path of a checkout: npm links it and its prepare script builds dist/', async () => {
    const dir = await consumer('path', checkout);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).devDependencies['hmac-kms']).toBe('file:../hmac-kms');
    expect(existsSync(join(checkout, 'dist/cli.js'))).toBe(true);
    await expectWorkingPackage(dir);
  }, 240_000);

  it('from the tarball npm pack makes in a checkout without dist/', async () => {
    rmSync(join(checkout, 'dist'), { recursive: true, force: true });
    const { stdout } = await npm(checkout, 'pack', '--json', '--pack-destination', scratch);
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    expect(packed!.files.map((f) => f.path)).toContain('dist/cli.js');
    const dir = await consumer('tarball', join(scratch, packed!.filename));
    expectInstalledCopy(dir);
    await expectWorkingPackage(dir);
  }, 240_000);

  it('from a git URL (git+file:// of the checkout): npm installs its dev dependencies, runs prepare, installs the packed result', async (ctx) => {
    if (process.env.HMAC_KMS_SLOW_TESTS !== '1') ctx.skip('about a minute (a clone, all dev dependencies, two builds): runs where HMAC_KMS_SLOW_TESTS=1, as in .ci/run');
    const dir = await consumer('git', `git+file://${checkout}`);
    expectInstalledCopy(dir);
    await expectWorkingPackage(dir);
  }, 240_000);
});
