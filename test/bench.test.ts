// `npm run bench:server` keeps working (issue #13): one short round of every scenario against the built CLI, with the
// wrk of this machine. The figures are not asserted (one second per run on a shared machine is noise); that every
// scenario ran, answered 200 to its probe, and had no socket error or non-2xx answer under load is.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findWrk, use } from './helpers/tools.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('npm run bench:server', () => {
  it('one round of one second per scenario: every row printed, every target line, no errors or non-2xx', async (ctx) => {
    const wrk = use(findWrk(), ctx);
    const { stdout } = await run(process.execPath, ['bench/run.mjs', 'bench/server.bench.ts'], {
      cwd: ROOT,
      env: { ...process.env, HMAC_KMS_WRK: wrk, BENCH_ROUNDS: '1', BENCH_SECONDS: '1' },
      timeout: 90_000,
    });
    for (const row of [
      'bare node:http, fixed JSON',
      'hmac-kms serve: GenerateMac 32 B',
      'hmac-kms serve: VerifyMac 32 B',
      'hmac-kms serve: DescribeKey',
      'hmac-kms serve --credentials: GenerateMac 32 B, SigV4 verified',
      'hmac-kms serve --state: TagResource (fdatasync per write)',
      'hmac-kms serve --state: GenerateMac 32 B',
    ]) {
      expect(stdout).toMatch(new RegExp(`\\| +${row.replace(/[()]/g, '\\$&')} \\| +\\d+ \\|`));
    }
    for (const target of ['GenerateMac 32 B / bare', 'DescribeKey / bare', 'SigV4 verified / bare']) expect(stdout).toMatch(new RegExp(`^(OK  |MISS) .*${target}: [\\d.]+× \\(target ≥ [\\d.]+×\\)$`, 'm'));
    expect(stdout).toMatch(/^OK {3}errors and non-2xx over every hmac-kms run: 0 \(target 0\)$/m);
  }, 120_000);
});
