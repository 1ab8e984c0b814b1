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

  // The dual-package case (review): the ESM and the CJS build are two copies of hmac-kms, each with its own HmacKms
  // class, private fields and internal symbols. An HmacKms of one copy handed to the other's startServer, attachKms or
  // wire handlers was accepted, then every call failed ("Cannot read properties of undefined (reading 'now')") and
  // GET /health ended the server. It is refused when handed over, with a TypeError that says what to do.
  it('an HmacKms of one build handed to the other build is refused at once, saying what to do (ESM to CJS and CJS to ESM)', () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from 'hmac-kms';
      import * as esmNode from 'hmac-kms/node';
      import * as esmTesting from 'hmac-kms/testing';
      const require = createRequire(import.meta.url);
      const cjs = require('hmac-kms'), cjsNode = require('hmac-kms/node'), cjsTesting = require('hmac-kms/testing');
      const { KMSClient } = require('@aws-sdk/client-kms');
      const outcome = async (f) => {
        try {
          const made = await f();
          await made?.close?.();
          made?.detach?.();
          return 'accepted';
        } catch (e) {
          return e.name + ': ' + e.message;
        }
      };
      const results = {};
      for (const [made, core, node, testing] of [['import', esm, cjsNode, cjsTesting], ['require', cjs, esmNode, esmTesting]]) {
        const kms = new core.HmacKms();
        const other = made === 'import' ? cjs : esm;
        results[made] = {
          startServer: await outcome(() => node.startServer({ port: 0, kms })),
          startTestServer: await outcome(() => testing.startTestServer({ kms })),
          attachKms: await outcome(() => testing.attachKms(KMSClient, kms)),
          createFetchHandler: await outcome(() => other.createFetchHandler(kms)),
          createSdkRequestHandler: await outcome(() => other.createSdkRequestHandler(kms)),
        };
      }
      // the same build throughout still works, both ways
      for (const [core, node] of [[esm, esmNode], [cjs, cjsNode]]) {
        const s = await node.startServer({ port: 0, kms: new core.HmacKms() });
        const res = await fetch(s.url + '/health');
        results.sameBuild = (results.sameBuild ?? []).concat(res.status);
        await s.close();
      }
      console.log(JSON.stringify(results));
      process.exit(0); // a server or handler accepted against the rule must not keep this process alive
    `;
    const results = JSON.parse(node(['--input-type=module', '-e', script])) as Record<string, Record<string, string>> & { sameBuild: number[] };
    const refused = 'TypeError: hmac-kms: this HmacKms comes from another copy of hmac-kms than the function it was handed to.';
    const advice = 'load HmacKms and the functions you hand it to the same way: all with import, or all with require';
    for (const made of ['import', 'require']) {
      for (const [fn, outcome] of Object.entries(results[made]!)) {
        expect(outcome, `HmacKms from ${made}, ${fn} from the other build`).toContain(refused);
        expect(outcome, `HmacKms from ${made}, ${fn} from the other build`).toContain(advice);
      }
    }
    expect(results.sameBuild).toEqual([200, 200]);
  });

  it('the core bundles import nothing from node:', () => {
    for (const f of ['index.js', 'index.cjs']) {
      expect(readFileSync(ROOT + 'dist/' + f, 'utf8')).not.toMatch(/["']node:|require\(["'](?:fs|crypto|buffer|util)["']\)/);
    }
  });
});
