// Every ```ts and ```js block of README.md, run as written: compiled by esbuild (types stripped, nothing else) and run
// by Node as an ES module in a consumer project whose node_modules holds the built package (npm test builds it) and
// the packages the blocks import; the first block, the quickstart, also as CommonJS (a project without "type"). A
// block fails when it throws, prints anything it does not show, writes to stderr, or when a result stated in a
// comment differs:
//
//   console.log(a, b); // <text>    the line printed is <text>; `<...>` in it stands for any text
//   <expression>; // -> <value>     the expression's value matches <value>, a JavaScript literal in which `<...>`
//   const x = <expr>; // -> <value> stands for any value (or, inside a string, any text) and `...` for further
//                                   properties of an object
//
// A `// -> <value>` line of its own states the value of the statement on the line above. A comment line indented
// with two or more spaces after `//` continues the text or value above it. Each such comment must be reached exactly
// once. The blocks also type-check (tsc --strict, as .mts, and the quickstart as .cts) against the built package's
// declarations. This replaces test/jwt/readme.test.ts, which ran the hmac-kms/jwt section's blocks alone.
//
// Not here: the blocks of "Testing your code", which are test files (vitest specs, jest tests) that only a test
// runner can run; test/testing/consumers.test.ts runs them in vitest and jest consumer projects.
import { transform } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Block {
  /** README line of the opening fence */
  line: number;
  section: string;
  code: string;
}

interface Check {
  id: number;
  kind: 'log' | 'value';
  expected: string;
  line: number;
}

const RUN_BY_TEST_RUNNERS = 'Testing your code';

function readmeBlocks(): Block[] {
  const blocks: Block[] = [];
  const lines = README.split('\n');
  let section = '';
  let chapter = '';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^(#{1,4}) (.+)$/.exec(lines[i]!);
    if (heading) section = heading[2]!;
    if (heading?.[1] === '##') chapter = heading[2]!;
    if (!/^```(ts|js)\s*$/.test(lines[i]!) || chapter === RUN_BY_TEST_RUNNERS) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    blocks.push({ line: start + 1, section, code: body.join('\n') + '\n' });
  }
  return blocks;
}

const LOG = /^(\s*)console\.log\((.*)\);\s*\/\/ (.+)$/;
const VALUE = /^(\s*)((?:const|let|var)\s+[^=]+=\s*)?(.+?);\s*\/\/ -> (.+)$/;

const RESULT_LINE = /^\s*\/\/ -> \S/;
const CONTINUED = /^\s*\/\/ {2,}(\S.*)$/;

/** The block with each checked statement reporting to the prelude's `__readme`. */
function instrument(block: Block): { code: string; checks: Check[] } {
  const checks: Check[] = [];
  const lines = block.code.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = block.line + 1 + i;
    let text = lines[i]!;
    if (RESULT_LINE.test(text)) {
      // the value of the statement above: checked as if the comment ended that line
      const above = out.pop() ?? '';
      if (!/;\s*$/.test(above)) throw new Error(`README.md:${line}: a // -> line must follow a one-line statement`);
      out.push('');
      text = `${above} ${text.trim()}`;
    }
    const log = LOG.exec(text);
    const value = log ? null : VALUE.exec(text);
    let comment = '';
    if (log || value) while (CONTINUED.test(lines[i + 1] ?? '')) comment += ` ${CONTINUED.exec(lines[++i]!)![1]}`;
    if (log) {
      checks.push({ id: checks.length, kind: 'log', expected: log[3]!.trim() + comment, line });
      out.push(`${log[1]}__readme.log(${checks.length - 1}, ${log[2]});`);
    } else if (value) {
      checks.push({ id: checks.length, kind: 'value', expected: value[4]!.trim() + comment, line });
      out.push(`${value[1]}${value[2] ?? ''}__readme.value(${checks.length - 1}, ${value[3]});`);
    } else {
      out.push(text);
    }
  }
  return { code: out.join('\n'), checks };
}

// Loaded with --import before each block: the results go to stdout, one marked line each, so that anything else a
// block prints is visible as such.
const PRELUDE = `import { format } from 'node:util';
const plain = (v) => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? Array.from(x) : typeof x === 'bigint' ? String(x) : x)) ?? 'null');
const report = (id, kind, result) => process.stdout.write('\\u0001README ' + JSON.stringify({ id, kind, result }) + '\\n');
globalThis.__readme = {
  log: (id, ...args) => report(id, 'log', format(...args)),
  value: (id, v) => (report(id, 'value', v === undefined ? { undefined: true } : { json: plain(v) }), v),
};
`;

/** `<value>` of a `// ->` comment as an expect matcher: a small parser of JavaScript literals with `<...>` and `...`. */
function parsePattern(source: string): unknown {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot read the result comment ${JSON.stringify(source)}: ${what} at ${pos}`);
  };
  const space = () => {
    while (/\s/.test(source[pos] ?? '')) pos++;
  };
  const eat = (token: string) => {
    space();
    if (!source.startsWith(token, pos)) fail(`expected ${token}`);
    pos += token.length;
  };
  const value = (): unknown => {
    space();
    const c = source[pos];
    if (c === '{') {
      pos++;
      const members: Record<string, unknown> = {};
      let open = false;
      for (;;) {
        space();
        if (source[pos] === '}') break;
        if (source.startsWith('...', pos)) {
          pos += 3;
          open = true;
        } else {
          const key = (/^[\w$]+|^'[^']*'|^"[^"]*"/.exec(source.slice(pos)) ?? fail('expected a key'))[0];
          pos += key.length;
          eat(':');
          members[key.replace(/^['"]|['"]$/g, '')] = value();
        }
        space();
        if (source[pos] === ',') pos++;
        else if (source[pos] !== '}') fail('expected , or }');
      }
      pos++;
      return open ? expect.objectContaining(members) : members;
    }
    if (c === '[') {
      pos++;
      const items: unknown[] = [];
      for (;;) {
        space();
        if (source[pos] === ']') break;
        items.push(value());
        space();
        if (source[pos] === ',') pos++;
        else if (source[pos] !== ']') fail('expected , or ]');
      }
      pos++;
      return items;
    }
    if (c === "'" || c === '"') return string();
    if (c === '<') {
      const end = source.indexOf('>', pos);
      if (end < 0) fail('unclosed <');
      pos = end + 1;
      return expect.anything();
    }
    const word = /^(?:-?\d+(?:\.\d+)?|true|false|null|undefined)/.exec(source.slice(pos)) ?? fail('expected a value');
    pos += word[0].length;
    return word[0] === 'undefined' ? undefined : JSON.parse(word[0]);
  };
  const string = (): unknown => {
    const quote = source[pos]!;
    const end = source.indexOf(quote, pos + 1);
    if (end < 0) fail('unclosed string');
    const text = source.slice(pos + 1, end);
    pos = end + 1;
    return /<[^>]*>/.test(text) ? expect.stringMatching(textPattern(text)) : text;
  };
  const result = value();
  space();
  if (pos !== source.length) fail('unexpected text');
  return result;
}

/** A comment's text as a regular expression: `<...>` is any non-empty text. */
const textPattern = (text: string) =>
  new RegExp(`^${text.split(/<[^>]*>/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`);

const BLOCKS = readmeBlocks();
const QUICKSTART = BLOCKS[0]!;
let fixture: string;

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/index.js')), 'dist/ is built by npm test before the suites run').toBe(true);
  fixture = mkdtempSync(join(tmpdir(), 'hmac-kms-readme-'));
  // no "type": a default CommonJS project; the ES module blocks are .mjs files
  writeFileSync(join(fixture, 'package.json'), JSON.stringify({ name: 'readme', private: true }));
  mkdirSync(join(fixture, 'node_modules'));
  symlinkSync(ROOT, join(fixture, 'node_modules/hmac-kms'), 'dir');
  // the packages the blocks import (and Node's types, for tsc), from this checkout's node_modules
  const imported = new Set(['@types']);
  for (const { code } of BLOCKS) {
    for (const [, spec] of code.matchAll(/from '([^'.][^']*)'/g)) {
      if (spec!.startsWith('node:') || spec === 'hmac-kms' || spec!.startsWith('hmac-kms/')) continue;
      imported.add(spec!.split('/')[0]!); // the package, or its whole scope
    }
  }
  for (const name of imported) symlinkSync(join(ROOT, 'node_modules', name), join(fixture, 'node_modules', name), 'dir');
  writeFileSync(join(fixture, 'prelude.mjs'), PRELUDE);
});

afterAll(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
});

/** Runs one file of the fixture and checks what it reported against the block's comments. */
async function runAndCheck(file: string, checks: Check[]): Promise<void> {
  const { stdout, stderr } = await run(process.execPath, ['--import', './prelude.mjs', file], { cwd: fixture, timeout: 60_000 }).catch((e: { message: string; stdout: string; stderr: string }) => {
    throw new Error(`${file} failed: ${e.message}\n${e.stdout}`);
  });
  expect(stderr, 'nothing on stderr').toBe('');
  const reports: { id: number; kind: string; result: unknown }[] = [];
  const other: string[] = [];
  for (const line of stdout.split('\n').filter(Boolean)) {
    if (line.startsWith('\u0001README ')) reports.push(JSON.parse(line.slice('\u0001README '.length)));
    else other.push(line);
  }
  expect(other, 'printed without a comment showing it').toEqual([]);
  for (const check of checks) {
    const got = reports.filter((r) => r.id === check.id);
    expect(got.length, `README.md:${check.line} is reached once`).toBe(1);
    const { result } = got[0]!;
    if (check.kind === 'log') {
      expect(result, `README.md:${check.line} prints ${check.expected}`).toMatch(textPattern(check.expected));
    } else {
      const actual = (result as { undefined?: true; json?: unknown }).undefined ? undefined : (result as { json: unknown }).json;
      expect(actual, `README.md:${check.line} -> ${check.expected}`).toEqual(parsePattern(check.expected));
    }
  }
}

describe('README.md: every ts/js block runs as written', () => {
  it(`finds the blocks: the quickstart first, and some checked results; none of "${RUN_BY_TEST_RUNNERS}"`, () => {
    expect(README).toContain(`\n## ${RUN_BY_TEST_RUNNERS}\n`);
    expect(BLOCKS.map((b) => b.code).join('')).not.toMatch(/from 'vitest'|from '@jest\/globals'/);
    expect(BLOCKS.length).toBeGreaterThanOrEqual(10);
    expect(QUICKSTART.code).toContain("from 'hmac-kms'");
    expect(BLOCKS.map((b) => instrument(b).checks.length).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(10);
  });

  it.each(BLOCKS.map((b) => [b.line, b.section, b] as const))('README.md:%i (%s), as an ES module', async (_line, _section, block) => {
    const { code, checks } = instrument(block);
    const { code: js } = await transform(code, { loader: 'ts', format: 'esm', target: 'node20' });
    writeFileSync(join(fixture, `block-${block.line}.mjs`), js);
    await runAndCheck(`block-${block.line}.mjs`, checks);
  });

  it(`README.md:${QUICKSTART.line} (the quickstart), as CommonJS in a project without "type": "module"`, async () => {
    const { code, checks } = instrument(QUICKSTART);
    const { code: js } = await transform(code, { loader: 'ts', format: 'cjs', target: 'node20' });
    writeFileSync(join(fixture, 'quickstart.js'), js);
    await runAndCheck('quickstart.js', checks);
  });

  it('every block type-checks (tsc --strict; the quickstart also as CommonJS)', async () => {
    const files = BLOCKS.map((b) => `block-${b.line}.mts`);
    BLOCKS.forEach((b, i) => writeFileSync(join(fixture, files[i]!), b.code));
    writeFileSync(join(fixture, 'quickstart.cts'), QUICKSTART.code);
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom', '--types', 'node', '--skipLibCheck', ...files, 'quickstart.cts'];
    const { stdout } = await run(join(ROOT, 'node_modules/.bin/tsc'), args, { cwd: fixture }).catch((e: { stdout: string }) => e);
    expect(stdout).toBe('');
  }, 60_000);
});
