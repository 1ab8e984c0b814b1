// The README's `hmac-kms/jwt` section, run as written: every ts block of the section, compiled by esbuild and run by
// Node in a consumer project that has the built package (and the AWS SDK and noble) in node_modules. A
// `console.log(...); // expected` line must print the comment's text up to its first ';' or ':'.
import { transform } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

function sectionBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## JWTs and key derivation');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'the README has the hmac-kms/jwt section').toBeGreaterThan(0);
  return [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const BLOCKS = sectionBlocks();
let fixture: string;

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/jwt/index.js')), 'dist/ is built by npm test before the suites run').toBe(true);
  fixture = mkdtempSync(join(tmpdir(), 'hmac-kms-readme-jwt-'));
  writeFileSync(join(fixture, 'package.json'), JSON.stringify({ name: 'readme', private: true, type: 'module' }));
  mkdirSync(join(fixture, 'node_modules'));
  symlinkSync(ROOT, join(fixture, 'node_modules/hmac-kms'), 'dir');
  for (const scope of ['@aws-sdk', '@noble']) symlinkSync(join(ROOT, 'node_modules', scope), join(fixture, 'node_modules', scope), 'dir');
});

describe('README: hmac-kms/jwt', () => {
  it('has the examples: sign and verify, rotation, the AWS SDK, deriveKey, kbkdfCounter', () => {
    expect(BLOCKS.length).toBe(5);
  });

  it.each(BLOCKS.map((code, i) => [i + 1, code.split('\n').find((l) => l.includes("from 'hmac-kms/jwt'")) ?? '', code] as const))('block %i (%s) runs and prints what it says', async (i, _imports, code) => {
    const { code: js } = await transform(code, { loader: 'ts', format: 'esm', target: 'node20' });
    const file = join(fixture, `block-${i}.mjs`);
    writeFileSync(file, js);
    const { stdout } = await run(process.execPath, [file], { cwd: fixture, timeout: 60_000, env: { ...process.env, AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1' } });
    const expected = code
      .split('\n')
      .filter((l) => /^\s*console\.log\(.*\/\/ /.test(l))
      .map((l) => l.slice(l.lastIndexOf('// ') + 3).split(/[;:]/)[0]!.trim());
    expect(expected.length, 'each block shows its result').toBeGreaterThan(0);
    expect(stdout.trim().split('\n')).toEqual(expected);
  });
});
