// Programs some suites drive that npm does not install for a contributor: a Chromium, the AWS CLI v2, and the runtime
// matrix (Bun, Deno, workerd, playwright-core: test/runtime/package.json, its own lockfile). Each is looked for on the
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
    requireVar: 'HMAC_KMS_REQUIRE_CHROMIUM',
    hint: ".ci/run installs Debian's chromium",
  });
  return chromium;
}

let awsCli: Tool | undefined;
/** The AWS CLI v2 (HMAC_KMS_AWS_CLI, or the first `aws` on PATH that says aws-cli/2: a v1 may come first). */
export function findAwsCliV2(): Tool {
  awsCli ??= lookup({
    name: 'AWS CLI v2',
    override: 'HMAC_KMS_AWS_CLI',
    names: ['aws'],
    requireVar: 'HMAC_KMS_REQUIRE_AWS_CLI',
    reject: (path) => {
      let version: string;
      try {
        version = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
      } catch (e) {
        return `does not run (${(e as Error).message.split('\n')[0]})`;
      }
      return version.startsWith('aws-cli/2.') ? undefined : `is ${version.split(' ')[0]}`;
    },
    hint: ".ci/run installs Debian's awscli",
  });
  return awsCli;
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
