// Packaging gates: publint and arethetypeswrong clean, the tarball holds what users need and nothing else, and the
// core stays within its size budget (esbuild, minified + gzip): 52 KB for everything `hmac-kms` exports. (40 KB until
// the state snapshots of issue #9 brought @noble/ciphers' XChaCha20-Poly1305, ~4.5 KB gzip, and the snapshot code; 48 KB
// until issue #13's MAC path — banked midstates with their self-check, the MAC request shortcut — added ~1.3 KB.)
// `hmac-kms/jwt` is its own entry with its own budget, and bundles nothing of the core.
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const bin = (name: string) => `${ROOT}node_modules/.bin/${name}`;
const BUDGET_GZIP = 52 * 1024;
// npm pack runs the package's prepare script, a build that empties dist/ while the other suites read it: npm test has
// built it already, so every pack here (attw's included) skips scripts
const NO_SCRIPTS = { ...process.env, npm_config_ignore_scripts: 'true' };
const JWT_BUDGET_GZIP = 8 * 1024;

describe('packaging gates', () => {
  it('publint: clean', async () => {
    const { stdout } = await run(bin('publint'), ['--strict'], { cwd: ROOT });
    expect(stdout).toContain('All good!');
  }, 60_000);

  it('@arethetypeswrong/cli --pack: no problems for hmac-kms, hmac-kms/cloudflare, hmac-kms/jwt, hmac-kms/node and hmac-kms/testing', async () => {
    const { stdout } = await run(bin('attw'), ['--pack', '--format', 'json'], { cwd: ROOT, env: NO_SCRIPTS, maxBuffer: 64 * 1024 * 1024 }).catch((e: { stdout: string }) => e);
    const report = JSON.parse(stdout);
    expect(report.analysis.problems).toEqual([]);
    expect(report.problems).toEqual({});
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './cloudflare', './jwt', './node', './package.json', './testing']);
  }, 120_000);

  it('npm pack: the built package, README, LICENSE, package.json; no sources, tests, vectors, vendor files or maps', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, env: NO_SCRIPTS });
    const files = (JSON.parse(stdout)[0].files as { path: string }[]).map((f) => f.path).sort();
    expect(files).toEqual([
      'LICENSE',
      'README.md',
      'dist/cli.js',
      'dist/cloudflare/index.cjs',
      'dist/cloudflare/index.d.cts',
      'dist/cloudflare/index.d.ts',
      'dist/cloudflare/index.js',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'dist/jwt/index.cjs',
      'dist/jwt/index.d.cts',
      'dist/jwt/index.d.ts',
      'dist/jwt/index.js',
      'dist/node/index.cjs',
      'dist/node/index.d.cts',
      'dist/node/index.d.ts',
      'dist/node/index.js',
      'dist/node/testing.cjs',
      'dist/node/testing.js',
      'dist/testing/index.cjs',
      'dist/testing/index.d.cts',
      'dist/testing/index.d.ts',
      'dist/testing/index.js',
      'package.json',
    ]);
  }, 60_000);

  it('one copy of the core: only dist/index.* define its classes; CJS builds bundle @noble (ESM only), ESM builds import it', () => {
    const files = ['index.js', 'index.cjs', 'node/index.js', 'node/index.cjs', 'node/testing.js', 'node/testing.cjs', 'testing/index.js', 'testing/index.cjs', 'jwt/index.js', 'jwt/index.cjs', 'cloudflare/index.js', 'cloudflare/index.cjs', 'cli.js'];
    const text = Object.fromEntries(files.map((f) => [f, readFileSync(`${ROOT}dist/${f}`, 'utf8')]));
    const defining = files.filter((f) => /\b(HmacKms|KmsServiceException|DisabledException) = class\b|\bclass (HmacKms|KmsServiceException|DisabledException)\b/.test(text[f]!));
    expect(defining).toEqual(['index.js', 'index.cjs']);
    for (const f of files.filter((f) => /^(node|testing|cloudflare)\/|^cli/.test(f))) expect(text[f], f).toMatch(/from ['"]hmac-kms['"]|require\(['"]hmac-kms['"]\)/);
    const importsNoble = (f: string) => /from ['"]@noble\/|require\(['"]@noble\//.test(text[f]!);
    expect(files.filter((f) => f.endsWith('.cjs') && importsNoble(f))).toEqual([]);
    expect(importsNoble('index.js')).toBe(true);
  });

  it(`bundle sizes (esbuild --minify, gzip -9), the whole core within ${BUDGET_GZIP / 1024} KB`, async () => {
    const sizes: Record<string, { minified: number; gzip: number }> = {};
    for (const [name, code] of [
      ["import { HmacKms } from 'hmac-kms'", "import { HmacKms } from 'hmac-kms'; globalThis.out = HmacKms;"],
      ["import { createFetchHandler } from 'hmac-kms'", "import { createFetchHandler } from 'hmac-kms'; globalThis.out = createFetchHandler;"],
      ["export * from 'hmac-kms' (the whole core)", "export * from 'hmac-kms';"],
    ] as const) {
      const result = await build({ stdin: { contents: code, resolveDir: ROOT, loader: 'js' }, bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent' });
      const bytes = result.outputFiles[0]!.contents;
      sizes[name] = { minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }
    // the sizes (README "Supported runtimes" quotes them) are in the message when a budget is exceeded
    for (const [name, s] of Object.entries(sizes)) expect(s.gzip, `${name}: ${s.minified} bytes minified, ${s.gzip} gzip`).toBeLessThanOrEqual(BUDGET_GZIP);
    // nothing of Node in a browser bundle of the core
    const whole = await build({ stdin: { contents: "export * from 'hmac-kms';", resolveDir: ROOT, loader: 'js' }, bundle: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent' });
    expect(whole.outputFiles[0]!.text).not.toMatch(/from ["']node:|require\(["']node:/);
  }, 60_000);

  it(`hmac-kms/jwt alone: within ${JWT_BUDGET_GZIP / 1024} KB, none of the core, nothing of Node`, async () => {
    const result = await build({
      stdin: { contents: "export * from 'hmac-kms/jwt';", resolveDir: ROOT, loader: 'js' },
      bundle: true, minify: true, write: false, format: 'esm', platform: 'browser', logLevel: 'silent', metafile: true,
    });
    const bytes = result.outputFiles[0]!.contents;
    const gzip = gzipSync(bytes, { level: 9 }).length;
    expect(gzip, `export * from 'hmac-kms/jwt': ${bytes.length} bytes minified, ${gzip} gzip`).toBeLessThanOrEqual(JWT_BUDGET_GZIP);
    // the only input is the built entry itself: no dist/index.js (the core), no @noble, no node:
    expect(Object.keys(result.metafile!.inputs).filter((f) => !f.startsWith('<stdin>'))).toEqual(['dist/jwt/index.js']);
  }, 60_000);
});
