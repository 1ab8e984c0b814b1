// Programs some suites drive that npm does not install for a contributor: a Chromium, the AWS CLI (v2, and v1), a
// python3 with boto3, wrk, and the runtime matrix (Bun, Deno, workerd, playwright-core: test/runtime/package.json, its own
// lockfile). Each is looked for on the
// machine (PATH, or an override variable naming the program). Missing, its test skips with a one-line reason (printed
// after vitest's summary by test/helpers/skip-reasons.ts) — unless CI requires it: .ci/run installs them and sets
// HMAC_KMS_REQUIRE_<TOOL>=1, and there a missing program fails the test.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Tool {
  /** what the tests call it */
  name: string;
  /** the program's path when found */
  path?: string;
  /** why it was not found (one line), when it was not */
  missing?: string;
  /** set to 1 by .ci/run: a missing program fails instead of skipping */
  requireVar: string;
}

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Every executable file named one of `names` in the PATH's directories, in PATH order. */
export function onPath(names: string[]): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const found: string[] = [];
  for (const dir of dirs) for (const n of names) if (executable(join(dir, n)) && !found.includes(join(dir, n))) found.push(join(dir, n));
  return found;
}

interface Lookup {
  name: string;
  /** an environment variable that names the program, checked first */
  override: string;
  names: string[];
  requireVar: string;
  /** a program of the right kind (e.g. the right major version); returns why not, or undefined */
  reject?: (path: string) => string | undefined;
  /** where it comes from, for the reason line */
  hint: string;
}

function lookup({ name, override, names, requireVar, reject, hint }: Lookup): Tool {
  const given = process.env[override];
  if (given) {
    // an explicit choice that does not work is a mistake, not a reason to skip
    if (!executable(given)) throw new Error(`${override}=${given} is not an executable file`);
    const why = reject?.(given);
    if (why) throw new Error(`${override}=${given}: ${why}`);
    return { name, path: given, requireVar };
  }
  const rejected: string[] = [];
  for (const path of onPath(names)) {
    const why = reject?.(path);
    if (!why) return { name, path, requireVar };
    rejected.push(`${path} ${why}`);
  }
  const found = rejected.length ? rejected.join('; ') : `no ${names.join(', ')} on PATH`;
  return { name, missing: `${found}; set ${override}=/path/to/it (${hint})`, requireVar };
}

let chromium: Tool | undefined;
/** A Chromium or Chrome for playwright-core to drive (HMAC_KMS_CHROMIUM, or PATH). */
export function findChromium(): Tool {
  chromium ??= lookup({
    name: 'Chromium',
    override: 'HMAC_KMS_CHROMIUM',
    names: ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'],
    requireVar: 'HMAC_KMS_REQUIRE_BROWSER',
    hint: ".ci/run installs Debian's chromium",
  });
  return chromium;
}

/** What a program prints, or why it could not run (for the reason line). */
function output(path: string, args: string[]): { out: string } | { error: string } {
  try {
    return { out: execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim() };
  } catch (e) {
    return { error: `does not run (${(e as Error).message.split('\n')[0]})` };
  }
}

const awsClis = new Map<1 | 2, Tool>();
/**
 * The AWS CLI of a major version: v2 from HMAC_KMS_AWS_CLI, v1 from HMAC_KMS_AWS_CLI_V1, or the first `aws` on PATH
 * that says aws-cli/<major> (a pip-installed v1 often comes before Debian's v2). CI requires v2 only.
 */
export function findAwsCli(major: 1 | 2): Tool {
  let tool = awsClis.get(major);
  if (!tool) {
    tool = lookup({
      name: `AWS CLI v${major}`,
      override: major === 2 ? 'HMAC_KMS_AWS_CLI' : 'HMAC_KMS_AWS_CLI_V1',
      names: ['aws'],
      requireVar: major === 2 ? 'HMAC_KMS_REQUIRE_AWS_CLI' : 'HMAC_KMS_REQUIRE_AWS_CLI_V1',
      reject: (path) => {
        const r = output(path, ['--version']);
        if ('error' in r) return r.error;
        return r.out.startsWith(`aws-cli/${major}.`) ? undefined : `is ${r.out.split(' ')[0]}`;
      },
      hint: major === 2 ? ".ci/run installs Debian's awscli" : 'pip install awscli',
    });
    awsClis.set(major, tool);
  }
  return tool;
}

let boto3: Tool | undefined;
/** A python3 that can import boto3 (HMAC_KMS_PYTHON, or the first python3 on PATH that can). */
export function findPythonWithBoto3(): Tool {
  boto3 ??= lookup({
    name: 'boto3',
    override: 'HMAC_KMS_PYTHON',
    names: ['python3'],
    requireVar: 'HMAC_KMS_REQUIRE_BOTO3',
    reject: (path) => {
      const r = output(path, ['-c', 'import boto3']);
      return 'error' in r ? `cannot import boto3` : undefined;
    },
    hint: ".ci/run installs Debian's python3-boto3 when no python3 has it",
  });
  return boto3;
}

let wrk: Tool | undefined;
/** wrk, the C HTTP load generator `npm run bench:server` drives the endpoint with (HMAC_KMS_WRK, or PATH). */
export function findWrk(): Tool {
  wrk ??= lookup({ name: 'wrk', override: 'HMAC_KMS_WRK', names: ['wrk'], requireVar: 'HMAC_KMS_REQUIRE_WRK', hint: ".ci/run installs Debian's wrk" });
  return wrk;
}

export const RUNTIME_MATRIX = fileURLToPath(new URL('../runtime/', import.meta.url));

/** Bun, Deno, miniflare (workerd) and playwright-core, from test/runtime's own lockfile. */
export function findRuntimeMatrix(): Tool {
  const modules = join(RUNTIME_MATRIX, 'node_modules');
  const needed = ['.bin/bun', '.bin/deno', 'miniflare/package.json', 'playwright-core/package.json'].map((p) => join(modules, p));
  const absent = needed.filter((p) => !existsSync(p));
  if (absent.length === 0) return { name: 'runtime matrix', path: modules, requireVar: 'HMAC_KMS_REQUIRE_RUNTIMES' };
  return {
    name: 'runtime matrix',
    missing: `${absent.length === needed.length ? 'test/runtime is not installed' : `test/runtime lacks ${absent.map((p) => p.slice(modules.length + 1)).join(', ')}`}: run npm ci --prefix test/runtime`,
    requireVar: 'HMAC_KMS_REQUIRE_RUNTIMES',
  };
}

/** The tool's path; when it is missing, the test fails if CI requires the tool, and otherwise skips saying why. */
export function use(tool: Tool, ctx: { skip: (note?: string) => never }): string {
  if (tool.path) return tool.path;
  if (process.env[tool.requireVar] === '1') throw new Error(`${tool.name}: ${tool.missing} — ${tool.requireVar}=1 requires it`);
  return ctx.skip(`${tool.name}: ${tool.missing}`);
}
