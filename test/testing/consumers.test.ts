// The built package in real test runners, as a consumer gets it: `npm pack`, unpacked into the node_modules of a
// consumer project under test/fixtures/. The jest consumer pins jest in its own package.json and lockfile; it is
// installed with `npm ci` once and reused while its lockfile is unchanged (the install is stamped with the lockfile's
// hash). Packages the fixtures do not install themselves (@aws-sdk/client-kms, @noble/*) resolve from this
// repository's node_modules, as a consumer's own would.
// - jest, default configuration: the CommonJS runtime, which has no require(esm) (noble 2 is ESM only, so every CJS
//   build bundles it), and the ESM runtime (--experimental-vm-modules); hmac-kms, hmac-kms/node and hmac-kms/testing,
//   and in the CommonJS runtime hmac-kms/jwt and hmac-kms/cloudflare too.
// - vitest (this repository's): hmac-kms/testing imported and required, and the README's "Testing your code"
//   examples, each a spec file as a user would paste it.
// - TypeScript: tsc over each fixture's typed files, with the packed declarations (the matchers' augmentations of
//   vitest, @jest/globals and @types/jest, and the README's examples).
// Both jest suites and both vitest suites run one scenario (test/fixtures/consumer-scenario.cjs).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures');
const JEST = join(FIXTURES, 'jest-consumer');
const VITEST = join(FIXTURES, 'vitest-consumer');
const README_SPECS = join(VITEST, 'generated');
const README_JEST = join(JEST, 'generated');
const run = promisify(execFile);

/**
 * The environment of a consumer's test run: no AWS settings and nothing of the vitest running this file — but no
 * requests to the EC2 instance metadata service either, where the SDK looks for credentials last (169.254.169.254:
 * the tests make no request outside 127.0.0.1).
 */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' };
  for (const name of Object.keys(env)) if (/^(AWS_|VITEST|NODE_OPTIONS$|TEST$)/.test(name)) delete env[name];
  env.AWS_EC2_METADATA_DISABLED = 'true';
  return env;
}

/** `npm ci` in a fixture, skipped while node_modules was installed from the same lockfile. */
async function ensureInstalled(dir: string): Promise<void> {
  const lockHash = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
  const stamp = join(dir, 'node_modules/.installed-from-lock');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return;
  await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, env: consumerEnv(), maxBuffer: 16 * 1024 * 1024 });
  writeFileSync(stamp, lockHash);
}

/**
 * The package as `npm pack` makes it (a tarball in a temporary directory), from the dist/ npm test built: without
 * scripts, as prepare would build again, emptying dist/ while other suites read it.
 */
async function pack(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'hmac-kms-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT });
  return join(out, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
}

/** Unpacks the tarball as node_modules/hmac-kms of each fixture, as `npm install hmac-kms` would place it. */
async function installPackage(tarball: string, dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    const target = join(dir, 'node_modules/hmac-kms');
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  }
}

interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numRuntimeErrorTestSuites?: number;
  testResults: { name: string; message: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** A runner's JSON report, read once and removed with its temporary directory. */
function takeReport(report: string): JestReport {
  try {
    return JSON.parse(readFileSync(report, 'utf8')) as JestReport;
  } finally {
    rmSync(join(report, '..'), { recursive: true, force: true });
  }
}

/** Runs jest in the jest fixture and returns its JSON report (a failing run is reported, not thrown). */
async function runJest(nodeArgs: string[], pattern: string): Promise<JestReport> {
  const report = join(mkdtempSync(join(tmpdir(), 'hmac-kms-jest-')), 'report.json');
  // jest's cache in the fixture's node_modules (its default is a directory in /tmp that outlives the run)
  const args = [...nodeArgs, 'node_modules/jest/bin/jest.js', '--ci', '--json', `--outputFile=${report}`, `--cacheDirectory=${join(JEST, 'node_modules/.cache/jest')}`, '--testPathPatterns', pattern];
  await run(process.execPath, args, { cwd: JEST, env: consumerEnv(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch((e: { stderr?: string }) => {
    if (!existsSync(report)) throw new Error(`jest did not run: ${e.stderr ?? String(e)}`);
  });
  return takeReport(report);
}

/** The code blocks of the README's "Testing your code" section: each ts block is a vitest spec, each js block a jest test. */
function readmeBlocks(lang: 'ts' | 'js'): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Testing your code');
  expect(start, 'the README has the "Testing your code" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return [...readme.slice(start, end < 0 ? undefined : end).matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** Writes the README's blocks into the fixtures (generated/, ignored by git), as files a user would paste them into. */
function writeReadmeBlocks(): void {
  for (const [dir, lang, name] of [[README_SPECS, 'ts', 'readme-%.spec.mts'], [README_JEST, 'js', 'readme-%.test.cjs']] as const) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    readmeBlocks(lang).forEach((code, i) => writeFileSync(join(dir, name.replace('%', String(i + 1))), code));
  }
}

/** Runs vitest in the vitest fixture and returns its JSON report (the same shape as jest's). */
async function runVitest(): Promise<JestReport> {
  const report = join(mkdtempSync(join(tmpdir(), 'hmac-kms-vitest-')), 'report.json');
  const args = [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${report}`];
  await run(process.execPath, args, { cwd: VITEST, env: consumerEnv(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch((e: { stderr?: string }) => {
    if (!existsSync(report)) throw new Error(`vitest did not run: ${e.stderr ?? String(e)}`);
  });
  return takeReport(report);
}

/** tsc over a fixture's tsconfig.json: the errors it prints ('' when none). */
async function typeCheck(dir: string): Promise<string> {
  return run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: dir }).then(
    () => '',
    (e: { stdout?: string; message: string }) => e.stdout || e.message,
  );
}

function expectAllPassed(report: JestReport, atLeast: number): void {
  const failures = report.testResults.flatMap((f) => [
    ...(f.message ? [`${f.name}: ${f.message}`] : []),
    ...f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
  ]);
  expect(failures.join('\n\n')).toBe('');
  expect(report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0)).toBe(0);
  expect(report.numPassedTests).toBeGreaterThanOrEqual(atLeast);
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/index.cjs')), 'dist/ is built by npm test before the suites run').toBe(true);
  const [tarball] = await Promise.all([pack(), ensureInstalled(JEST)]);
  await installPackage(tarball, [JEST, VITEST]);
  rmSync(join(tarball, '..'), { recursive: true, force: true });
  writeReadmeBlocks();
}, 300_000);

describe('jest consumer (jest pinned in test/fixtures/jest-consumer)', () => {
  it("jest's default CommonJS runtime: require('hmac-kms'), 'hmac-kms/node', 'hmac-kms/jwt', 'hmac-kms/cloudflare' and 'hmac-kms/testing' load and work", async () => {
    const blocks = readmeBlocks('js').length;
    expect(blocks, 'the README section shows jest').toBeGreaterThanOrEqual(1);
    const report = await runJest([], '\\.test\\.cjs$');
    expectAllPassed(report, 6 + blocks);
    expect(report.testResults.filter((f) => f.name.includes('/generated/readme-')).length).toBe(blocks);
  }, 120_000);

  it("jest's ESM runtime (--experimental-vm-modules): import 'hmac-kms', 'hmac-kms/node' and 'hmac-kms/testing'", async () => {
    expectAllPassed(await runJest(['--experimental-vm-modules'], '\\.test\\.mjs$'), 4);
  }, 120_000);

  it('TypeScript: the matchers type-check with @jest/globals and with @types/jest (skipLibCheck off)', async () => {
    expect(await typeCheck(JEST)).toBe('');
  }, 120_000);
});

describe('vitest consumer (test/fixtures/vitest-consumer)', () => {
  it('import and require of hmac-kms/testing, both builds together, and every example of the README section', async () => {
    const blocks = readmeBlocks('ts').length;
    expect(blocks, 'the README section shows examples').toBeGreaterThanOrEqual(3);
    const report = await runVitest();
    expectAllPassed(report, 6 + blocks);
    const readmeFiles = report.testResults.filter((f) => f.name.includes('/generated/readme-'));
    expect(readmeFiles.length).toBe(blocks);
    for (const f of readmeFiles) expect(f.assertionResults.length, `${f.name} has tests`).toBeGreaterThan(0);
  }, 120_000);

  it('TypeScript: the specs and the README examples type-check against the packed declarations', async () => {
    expect(await typeCheck(VITEST)).toBe('');
  }, 120_000);
});
