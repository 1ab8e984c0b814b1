// The built package in real test runners, as a consumer gets it: `npm pack`, unpacked into the node_modules of a
// consumer project under test/fixtures/. The jest consumer pins jest in its own package.json and lockfile; it is
// installed with `npm ci` once and reused while its lockfile is unchanged (the install is stamped with the lockfile's
// hash). Packages the fixtures do not install themselves (@aws-sdk/client-kms, @noble/*) resolve from this
// repository's node_modules, as a consumer's own would.
// - jest, default configuration: the CommonJS runtime, which has no require(esm) (noble 2 is ESM only, so every CJS
//   build bundles it), and the ESM runtime (--experimental-vm-modules).
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
const run = promisify(execFile);

/** The environment of a consumer's test run: no AWS settings and nothing of the vitest running this file. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' };
  for (const name of Object.keys(env)) if (/^(AWS_|VITEST|NODE_OPTIONS$|TEST$)/.test(name)) delete env[name];
  return env;
}

/** `npm ci` in a fixture, skipped while node_modules was installed from the same lockfile. */
async function ensureInstalled(dir: string): Promise<void> {
  const lockHash = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
  const stamp = join(dir, 'node_modules/.installed-from-lock');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return;
  const started = performance.now();
  await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, env: consumerEnv(), maxBuffer: 16 * 1024 * 1024 });
  writeFileSync(stamp, lockHash);
  console.log(`npm ci in ${dir.slice(ROOT.length)}: ${Math.round(performance.now() - started)} ms`);
}

/** The package as `npm pack` makes it (a tarball in a temporary directory). */
async function pack(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'hmac-kms-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: ROOT });
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
  numRuntimeErrorTestSuites: number;
  testResults: { name: string; message: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** Runs jest in the jest fixture and returns its JSON report (a failing run is reported, not thrown). */
async function runJest(nodeArgs: string[], pattern: string): Promise<JestReport> {
  const report = join(mkdtempSync(join(tmpdir(), 'hmac-kms-jest-')), 'report.json');
  const args = [...nodeArgs, 'node_modules/jest/bin/jest.js', '--ci', '--json', `--outputFile=${report}`, '--testPathPatterns', pattern];
  await run(process.execPath, args, { cwd: JEST, env: consumerEnv(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }).catch((e: { stderr?: string }) => {
    if (!existsSync(report)) throw new Error(`jest did not run: ${e.stderr ?? String(e)}`);
  });
  return JSON.parse(readFileSync(report, 'utf8')) as JestReport;
}

function expectAllPassed(report: JestReport, atLeast: number): void {
  const failures = report.testResults.flatMap((f) => [
    ...(f.message ? [`${f.name}: ${f.message}`] : []),
    ...f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n')}`),
  ]);
  expect(failures.join('\n\n')).toBe('');
  expect(report.numFailedTests + report.numRuntimeErrorTestSuites).toBe(0);
  expect(report.numPassedTests).toBeGreaterThanOrEqual(atLeast);
}

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/index.cjs')), 'dist/ is built by npm test before the suites run').toBe(true);
  const started = performance.now();
  const [tarball] = await Promise.all([pack(), ensureInstalled(JEST)]);
  await installPackage(tarball, [JEST]);
  rmSync(join(tarball, '..'), { recursive: true, force: true });
  console.log(`consumer fixtures ready in ${Math.round(performance.now() - started)} ms`);
}, 300_000);

describe('jest consumer (jest pinned in test/fixtures/jest-consumer)', () => {
  it("jest's default CommonJS runtime: require('hmac-kms') and require('hmac-kms/node') load and work", async () => {
    expectAllPassed(await runJest([], '\\.test\\.cjs$'), 2);
  }, 120_000);

  it("jest's ESM runtime (--experimental-vm-modules): import 'hmac-kms' and 'hmac-kms/node'", async () => {
    expectAllPassed(await runJest(['--experimental-vm-modules'], '\\.test\\.mjs$'), 2);
  }, 120_000);
});
