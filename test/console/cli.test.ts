// Issue #14: `hmac-kms serve` has the console on by default and says where; --no-console (or HMAC_KMS_NO_CONSOLE)
// turns it off. Runs the built CLI (npm test builds first).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from './helpers.js';

const CLI = join(fileURLToPath(new URL('../..', import.meta.url)), 'dist/cli.js');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** `hmac-kms serve --port 0 ...` until its `try:` line; its URL and output. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; out: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--quiet', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /KMS endpoint (http:\/\/\S+)/.exec(out);
      if (m && / {2}try: /.test(out)) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return { url, out };
}

describe('hmac-kms serve and the console', () => {
  it('on by default: the start-up lines say where; GET /console is the page', async () => {
    const { url, out } = await serve([]);
    expect(out).toContain(`  console: ${url}/console (read-only)\n`);
    expect(out).toContain('no-console=false');
    const page = await get(`${url}/console`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>hmac-kms console</title>');
    const js = (await get(`${url}/console/app.js`)).text; // the built script, as users get it
    expect(() => new Function(js)).not.toThrow();
    expect(js).toContain('function consoleApp(');
  });

  it('--no-console, HMAC_KMS_NO_CONSOLE=1: no console (GET /console is the KMS endpoint\'s 405); HMAC_KMS_NO_CONSOLE=0 keeps it', async () => {
    for (const [args, env] of [[['--no-console'], {}], [[], { HMAC_KMS_NO_CONSOLE: '1' }]] as const) {
      const { url, out } = await serve([...args], env);
      expect(out).not.toContain('  console:');
      expect(out).toContain('no-console=true');
      if (Object.keys(env).length) expect(out).toContain('from the environment: HMAC_KMS_NO_CONSOLE');
      expect((await get(`${url}/console`)).status).toBe(405);
    }
    const { url } = await serve([], { HMAC_KMS_NO_CONSOLE: '0' });
    expect((await get(`${url}/console`)).status).toBe(200);
  });

  it('serve --help describes --no-console', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'serve', '--help']);
    expect(stdout).toMatch(/--no-console {16}no web console/);
  });
});
