import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(ROOT + 'package.json', 'utf8'));
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' }).trim();

describe('the built package (npm test builds it first)', () => {
  it('dist/ exists', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'node/index.js', 'node/index.cjs', 'node/index.d.ts', 'cli.js']) expect(existsSync(ROOT + 'dist/' + f), f).toBe(true);
  });

  it('package.json declares what the design card and API.md require', () => {
    expect(pkg).toMatchObject({ name: 'hmac-kms', type: 'module', sideEffects: false, engines: { node: '>=20.19' } });
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@noble/ciphers', '@noble/hashes']);
    for (const [name, version] of Object.entries<string>(pkg.devDependencies)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.exports['.']).toEqual({
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    });
    expect(pkg.exports['./node']).toEqual({
      import: { types: './dist/node/index.d.ts', default: './dist/node/index.js' },
      require: { types: './dist/node/index.d.cts', default: './dist/node/index.cjs' },
    });
    expect(pkg.bin).toEqual({ 'hmac-kms': 'dist/cli.js' });
    expect(readFileSync(ROOT + 'dist/cli.js', 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it("import 'hmac-kms' and require('hmac-kms') both load, with the same exports", () => {
    const esm = node(['--input-type=module', '-e', "import * as m from 'hmac-kms'; console.log(JSON.stringify(Object.keys(m).sort()))"]);
    const cjs = node(['-e', "console.log(JSON.stringify(Object.keys(require('hmac-kms')).sort()))"]);
    expect(JSON.parse(esm)).toEqual(JSON.parse(cjs));
    expect(JSON.parse(esm)).toContain('KeySpec');
  });

  it("hmac-kms/node shares the core's classes (one HmacKms, one set of errors), in ESM and CJS", () => {
    const esm = node(['--input-type=module', '-e', "import { HmacKms } from 'hmac-kms'; import { startServer } from 'hmac-kms/node'; const s = await startServer({ port: 0, kms: new HmacKms() }); console.log(s.kms instanceof HmacKms); await s.close();"]);
    expect(esm).toBe('true');
    const cjs = node(['-e', "const { HmacKms } = require('hmac-kms'); const { startServer } = require('hmac-kms/node'); startServer({ port: 0 }).then(async (s) => { console.log(s.kms instanceof HmacKms); await s.close(); });"]);
    expect(cjs).toBe('true');
  });

  it('the core bundles import nothing from node:', () => {
    for (const f of ['index.js', 'index.cjs']) {
      expect(readFileSync(ROOT + 'dist/' + f, 'utf8')).not.toMatch(/["']node:|require\(["'](?:fs|crypto|buffer|util)["']\)/);
    }
  });
});
