#!/usr/bin/env node
/**
 * The command line: `hmac-kms serve [flags]`, `hmac-kms --version`, `hmac-kms --help`. Every flag can also come from
 * the environment as `HMAC_KMS_<FLAG>` (`--wrapping-key-file` is `HMAC_KMS_WRAPPING_KEY_FILE`); flags win.
 */
import { createWriteStream, readFileSync, readdirSync, readlinkSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CURRENT_HMAC_UNSUPPORTED_REGIONS, DEFAULT_HMAC_UNSUPPORTED_REGIONS, type AuditEvent, type Credentials, type RequestLogEntry } from 'hmac-kms';
import { planSeed } from './seed.js';
import { startServer, type RunningServer } from './server.js';
import { parseWrappingKey } from './state-file.js';
import { VERSION } from './version.js';

const HELP = `hmac-kms ${VERSION}: AWS KMS HMAC keys, emulated. A local KMS endpoint for the AWS CLI and every AWS SDK.

usage: hmac-kms serve [flags]     run a KMS endpoint (hmac-kms serve --help for the flags)
       hmac-kms --version         print the version
       hmac-kms --help            print this help
`;

const SERVE_HELP = `usage: hmac-kms serve [flags]

Serves the AWS KMS API (AWS JSON 1.1, SigV4) for HMAC keys on http://HOST:PORT. It answers for every Region a request
names (the Region of its SigV4 credential scope); --region is the default Region for unsigned requests.

  --host HOST                 address to listen on (default 127.0.0.1, this machine only). Inside a container use
                              --host 0.0.0.0, or the endpoint cannot be reached from outside it.
  --port PORT                 port (default 4599; 0 picks a free one)
  --region REGION             default Region (default us-east-1)
  --account ACCOUNT           the account of unsigned requests and of seeded keys (default 111122223333)
  --seed FILE                 keys (with aliases and grants) and IAM identity policies to create at start-up (with
                              --state: only when the state file is created). A JSON list of keys, or
                              {"Keys": [...], "IdentityPolicies": [...]}; a key: {"KeySpec": "HMAC_256",
                              "KeyMaterial": "<hex or base64>", "KeyId": "<uuid>", "Description": "...", "Tags": [...],
                              "Policy": {...}, "MultiRegion": false, "Aliases": ["alias/app"], "Grants":
                              [{"GranteePrincipal": "arn:...", "Operations": ["GenerateMac"]}], "Account": "...",
                              "Region": "..."}; an identity policy: {"Principal": "arn:aws:iam::...:role/App",
                              "PolicyName": "kms", "PolicyDocument": {...}}
  --credentials FILE          {"<access key id>": {"secretAccessKey": "...", "principal": "<IAM ARN>"}}: every request
                              must then be SigV4-signed by one of them and runs as its principal. Without it, any
                              signature is accepted and requests run as the root of --account.
  --state FILE                keep keys, aliases, grants and policies in FILE (created when missing): every change is
                              on disk before it is answered, and a restart finds it all again. Needs a wrapping key.
  --compact-after N           with --state: write a fresh snapshot after N changes (default 10000)
  --wrapping-key-file FILE    the 32-byte key the state file's secrets are sealed under (64 hex digits or base64);
                              or set HMAC_KMS_WRAPPING_KEY. Make one: openssl rand -hex 32
  --hmac-regions seed|all     Regions with HMAC keys: seed (default) = all but af-south-1, cn-north-1,
                              cn-northwest-1, eu-central-1, us-gov-west-1 (the KMS guide of 2022); all = today's AWS,
                              all but China
  --log text|json             one line per request on stdout (default text): time, operation, key or alias, caller,
                              HTTP status, error, milliseconds (in text, a field with spaces, quotes, backslashes or
                              control characters is a JSON string). Never a message, MAC, token or key material.
  --quiet, --no-quiet         no request log (start-up lines and errors still print); --no-quiet: the log, even
                              with HMAC_KMS_QUIET=1
  --audit FILE                append one CloudTrail-shaped record per call to FILE (JSON lines)
  --no-console                no web console (by default a read-only page at http://HOST:PORT/console shows the
                              keys, a key's detail and every call live; with --credentials it asks for an access key
                              id and its secret access key). --console: the console, even with HMAC_KMS_NO_CONSOLE=1
  -h, --help                  this help

Every flag can also be set as HMAC_KMS_<FLAG> (HMAC_KMS_PORT=4600, HMAC_KMS_STATE=kms.json, HMAC_KMS_QUIET=1,
HMAC_KMS_NO_CONSOLE=1; on/off variables take 1, true, yes, on or 0, false, no, off); flags win, and a bad value is
reported under the name it was given by.

Stop with Ctrl-C or SIGTERM. Neither npx nor npm exec passes SIGTERM on (the server is left running, holding its
port): in scripts and containers start it with node itself, so that signals reach it:
  exec node node_modules/hmac-kms/dist/cli.js serve ...
`;

interface Flags {
  host: string;
  port: string;
  region: string;
  account: string;
  seed?: string;
  credentials?: string;
  state?: string;
  'wrapping-key-file'?: string;
  'compact-after': string;
  'hmac-regions': string;
  log: string;
  quiet: boolean;
  audit?: string;
  'no-console': boolean;
}

const STRING_FLAGS = ['host', 'port', 'region', 'account', 'seed', 'credentials', 'state', 'wrapping-key-file', 'compact-after', 'hmac-regions', 'log', 'audit'] as const;
/**
 * The on/off settings: the option (given as --quiet or --no-quiet, --console or --no-console: the later one wins),
 * the setting it is printed as, and its variable (HMAC_KMS_NO_CONSOLE=1 turns the console off).
 */
const BOOLEAN_FLAGS = [
  { setting: 'quiet', option: 'quiet', variable: 'HMAC_KMS_QUIET', inverted: false },
  { setting: 'no-console', option: 'console', variable: 'HMAC_KMS_NO_CONSOLE', inverted: true },
] as const;
const DEFAULTS = { host: '127.0.0.1', port: '4599', region: 'us-east-1', account: '111122223333', 'compact-after': '10000', 'hmac-regions': 'seed', log: 'text' };
const envName = (flag: string) => `HMAC_KMS_${flag.toUpperCase().replace(/-/g, '_')}`;

class UsageError extends Error {}

/** An on/off variable: 1, true, yes, on or 0, false, no, off (or empty); anything else is refused by name. */
function envBoolean(variable: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new UsageError(`${variable} must be 1, true, yes, on, 0, false, no or off (got ${value})`);
}

/**
 * Flags, then HMAC_KMS_<FLAG>, then defaults; which settings came from the environment (for the start-up lines); and
 * how to name a setting in an error: by its variable when its value came from there, else as the flag.
 */
function configure(args: string[], env: NodeJS.ProcessEnv): { flags: Flags; fromEnv: string[]; nameOf: (flag: string) => string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])),
        ...Object.fromEntries(BOOLEAN_FLAGS.map((b) => [b.option, { type: 'boolean' as const }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: true, // --no-quiet, --console: a flag wins over the environment both ways (README)
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) throw Object.assign(new UsageError(''), { help: true });
  const fromEnv: string[] = [];
  const flags: Record<string, string | boolean | undefined> = {};
  for (const f of STRING_FLAGS) {
    const v = values[f] ?? env[envName(f)];
    if (values[f] === undefined && env[envName(f)] !== undefined) fromEnv.push(envName(f));
    flags[f] = v ?? (DEFAULTS as Record<string, string>)[f];
  }
  for (const { setting, option, variable, inverted } of BOOLEAN_FLAGS) {
    const given = values[option] as boolean | undefined;
    const e = env[variable];
    if (given !== undefined) flags[setting] = inverted ? !given : given;
    else if (e !== undefined) {
      fromEnv.push(variable);
      flags[setting] = envBoolean(variable, e);
    } else flags[setting] = false;
  }
  if (env.HMAC_KMS_WRAPPING_KEY) fromEnv.push('HMAC_KMS_WRAPPING_KEY');
  return { flags: flags as unknown as Flags, fromEnv, nameOf: (flag) => (fromEnv.includes(envName(flag)) ? envName(flag) : `--${flag}`) };
}

/** A JSON file named by a setting (`name`: the flag or the variable it came from). */
function readJson(file: string, what: string, name: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${name}: cannot read the ${what} file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name}: the ${what} file ${file} is not JSON: ${(e as Error).message}`);
  }
}

/** A word for a POSIX shell: as it is when it needs no quoting, else in single quotes. */
const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** Who holds a TCP port, on Linux (/proc): "pid 1234 (node dist/cli.js serve)", or undefined. */
function holderOfPort(port: number): string | undefined {
  try {
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1]!.split(':').pop()!, 16) === port) inodes.add(cols[9]!);
      }
    }
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m && inodes.has(m[1]!)) return `pid ${pid} (${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')})`;
        }
      } catch {
        // another user's process, or gone
      }
    }
  } catch {
    // not Linux
  }
  return undefined;
}

/**
 * A field of a text log line: a plain word as it is; anything else — whitespace, quotes, backslashes, control
 * characters, empty, or "-" (which means no value) — as a JSON string, with C1 controls and the Unicode line and
 * paragraph separators escaped too, so that a KeyId cannot forge a log line or shift the fields after it.
 */
function logField(value: string | undefined): string {
  if (value === undefined) return '-';
  if (value !== '' && value !== '-' && !/[\s"\\\u0000-\u001f\u007f-\u009f]/.test(value)) return value;
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Whether stdout can still be written. It can go away under a running server: `hmac-kms serve | head -1` closes the
 * pipe once head has its line (EPIPE), a file on a full disk fails (ENOSPC). Node reports a failed write as an
 * 'error' event, which ends the process when no one listens (review: the second request after `| head -1` killed the
 * server). From the first failure on, nothing more is written there; the server goes on. A closed pipe is not worth a
 * word (no one reads it any more); another failure is said once on stderr. A failure of stderr is not said at all.
 */
let stdoutOpen = true;
function watchOutputs(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (!stdoutOpen) return;
    stdoutOpen = false;
    if (e.code !== 'EPIPE') console.error(`hmac-kms: cannot write to stdout: ${e.message}; nothing more is written there (the server goes on)`);
  });
  process.stderr.on('error', () => {});
}

/** A line on stdout, while it can be written. */
function say(line: string): void {
  if (stdoutOpen) console.log(line);
}

/** Request log lines, written in batches so that logging does not slow the server down; none once stdout failed. */
function requestLog(format: 'text' | 'json'): (e: RequestLogEntry) => void {
  let buffer: string[] = [];
  const flush = () => {
    const text = buffer.join('');
    buffer = [];
    if (stdoutOpen) process.stdout.write(text);
  };
  return (e) => {
    if (!stdoutOpen) return;
    const ms = Math.round(e.ms * 10) / 10;
    buffer.push(
      format === 'json'
        ? `${JSON.stringify({ time: e.time.toISOString(), operation: e.operation ?? null, key: e.key ?? null, caller: e.caller ?? null, region: e.region ?? null, status: e.status, error: e.error ?? null, ms })}\n`
        : `${e.time.toISOString()} ${logField(e.operation)} ${logField(e.key)} ${logField(e.caller)} ${e.status} ${logField(e.error)} ${ms}ms\n`,
    );
    if (buffer.length === 1) setImmediate(flush);
  };
}

async function serve(args: string[]): Promise<void> {
  watchOutputs();
  // a bad value is named as the user gave it: the flag, or the variable it came from (HMAC_KMS_PORT=abc)
  const { flags, fromEnv, nameOf } = configure(args, process.env);
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65535) throw new UsageError(`${nameOf('port')} must be 0..65535 (got ${flags.port})`);
  if (!/^\d{12}$/.test(flags.account)) throw new UsageError(`${nameOf('account')} must be 12 digits (got ${flags.account})`);
  if (flags['hmac-regions'] !== 'seed' && flags['hmac-regions'] !== 'all') throw new UsageError(`${nameOf('hmac-regions')} must be seed or all (got ${flags['hmac-regions']})`);
  if (flags.log !== 'text' && flags.log !== 'json') throw new UsageError(`${nameOf('log')} must be text or json (got ${flags.log})`);
  const compactAfter = Number(flags['compact-after']);
  if (!/^\d+$/.test(flags['compact-after']) || compactAfter < 1) throw new UsageError(`${nameOf('compact-after')} must be a positive whole number (got ${flags['compact-after']})`);
  const seed = flags.seed === undefined ? undefined : readJson(flags.seed, 'seed', nameOf('seed'));
  if (seed !== undefined) {
    try {
      planSeed(seed);
    } catch (e) {
      throw new UsageError(`${nameOf('seed')} ${flags.seed}: ${(e as Error).message}`);
    }
  }
  const credentials = flags.credentials === undefined ? undefined : (readJson(flags.credentials, 'credentials', nameOf('credentials')) as Credentials);
  let wrappingKey: Uint8Array | undefined;
  if (flags['wrapping-key-file'] !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags['wrapping-key-file'], 'utf8');
    } catch (e) {
      throw new UsageError(`${nameOf('wrapping-key-file')}: cannot read the wrapping key file: ${(e as Error).message}`);
    }
    wrappingKey = parseWrappingKey(text, `${nameOf('wrapping-key-file')} ${flags['wrapping-key-file']}`);
  } else if (process.env.HMAC_KMS_WRAPPING_KEY) {
    wrappingKey = parseWrappingKey(process.env.HMAC_KMS_WRAPPING_KEY, 'HMAC_KMS_WRAPPING_KEY');
  }
  if (flags.state !== undefined && !wrappingKey) {
    throw new UsageError(
      `${nameOf('state')} needs a wrapping key: the state's key material is sealed under it, never written in the clear, and without it the file cannot be opened again.
Make one and keep it:  openssl rand -hex 32 > kms-wrapping.key   (or: node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")
then:                  hmac-kms serve --state ${flags.state} --wrapping-key-file kms-wrapping.key   (or set HMAC_KMS_WRAPPING_KEY)`,
    );
  }
  let audit: WriteStream | undefined;
  let auditFailed = false;
  if (flags.audit !== undefined) {
    const file = flags.audit;
    audit = createWriteStream(file, { flags: 'a', mode: 0o600 });
    await new Promise<void>((resolve, reject) => audit!.once('open', () => resolve()).once('error', (e) => reject(new UsageError(`cannot open ${nameOf('audit')} ${file}: ${e.message}`))));
    // a write that fails later (a full disk) must not kill the server with an unhandled 'error': said once, and the
    // calls stand, as when an audit sink fails (README "Audit trail")
    audit.on('error', (e) => {
      if (auditFailed) return;
      auditFailed = true;
      console.error(`hmac-kms: cannot write the audit file ${file}: ${e.message}; the calls stand, and no more records are written to it`);
    });
  }
  const log = flags.quiet ? undefined : requestLog(flags.log as 'text' | 'json');
  let server: RunningServer;
  try {
    server = await startServer({
      host: flags.host,
      port,
      kmsOptions: {
        region: flags.region,
        accountId: flags.account,
        hmacRegions: flags['hmac-regions'] as 'seed' | 'all',
        ...(audit ? { audit: (e: AuditEvent) => void (auditFailed || audit!.write(`${JSON.stringify(e)}\n`)) } : {}),
      },
      ...(seed !== undefined ? { seed: seed as never } : {}),
      ...(credentials ? { credentials } : {}),
      ...(flags.state !== undefined ? { stateFile: flags.state, wrappingKey: wrappingKey!, compactAfter } : {}),
      ...(log ? { onRequest: log } : {}),
      console: !flags['no-console'],
      onError: (e) => console.error(`hmac-kms: internal error (answered as KMSInternalException)\n${(e as Error)?.stack ?? String(e)}`),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      const holder = holderOfPort(port);
      throw new Error(
        `port ${port} on ${flags.host} is already in use${holder ? ` by ${holder}` : ''}. Stop it (${holder ? `kill ${holder.split(' ')[1]}` : `lsof -i :${port} or fuser ${port}/tcp shows who holds it`}), or choose another port with --port. ` +
          `(An "npx hmac-kms serve" or "npm exec -- hmac-kms serve" stopped with SIGTERM leaves its server running: neither passes the signal on. ` +
          `In scripts and containers start it as: exec node node_modules/hmac-kms/dist/cli.js serve ...)`,
      );
    }
    throw e;
  }

  // start-up lines: where, what, and a first command that works as it is
  const region = flags.region;
  say(`hmac-kms ${VERSION}: KMS endpoint ${server.url} (Region ${region}, account ${flags.account}, ${credentials ? `SigV4 required: ${Object.keys(credentials).length} access key(s)` : 'any signature accepted, requests run as the account root'})`);
  const shown = STRING_FLAGS.map((f) => `${f}=${(flags as unknown as Record<string, string | undefined>)[f] ?? '-'}`);
  say(`  configuration: ${shown.join(' ')} quiet=${flags.quiet} no-console=${flags['no-console']}${fromEnv.length ? ` (from the environment: ${fromEnv.map((n) => (n === 'HMAC_KMS_WRAPPING_KEY' ? `${n}=<redacted>` : n)).join(', ')})` : ''}`);
  if (server.state) {
    const o = server.state.opened;
    say(`  state: ${server.state.path}: ${o.keys} key(s), ${o.created ? 'created' : `restored${o.replayed ? `, ${o.replayed} change(s) replayed` : ''}`}`);
    if (o.droppedTornChange) say('  state: the last change in the file was cut short by a crash (it was never acknowledged): dropped');
    if (!o.created && seed !== undefined) say(`  seed: ${flags.seed} not applied: the state file already exists (seeds apply when it is created)`);
  }
  if (!flags['no-console']) say(`  console: ${server.url}/console (read-only${credentials ? '; sign in with an access key id and its secret access key' : ''})`);
  const unsupported = flags['hmac-regions'] === 'all' ? CURRENT_HMAC_UNSUPPORTED_REGIONS : DEFAULT_HMAC_UNSUPPORTED_REGIONS;
  for (const [id, c] of Object.entries(credentials ?? {})) {
    const account = /^\d{12}$/.test(c.principal) ? c.principal : c.principal.split(':')[4];
    if (account && account !== flags.account) {
      console.warn(`hmac-kms: warning: credential ${id} acts as ${c.principal}, of account ${account}, not --account ${flags.account}: it sees only account ${account}'s keys (key ids and aliases are per account; seeded keys are in ${flags.account})`);
    }
  }
  if (unsupported.includes(region)) {
    console.warn(`hmac-kms: warning: ${region} has no HMAC keys with --hmac-regions ${flags['hmac-regions']} (CreateKey answers UnsupportedOperationException)${flags['hmac-regions'] === 'seed' ? '; --hmac-regions all offers them everywhere but China' : ''}`);
  } else {
    // a command that runs as it is (issue #11.4), on a machine without AWS configuration too. With --credentials: the
    // first access key of an account root if there is one (a user or role needs an identity policy to create keys),
    // and the secret read from the credentials file by the command itself: it is never printed
    const ids = Object.keys(credentials ?? {});
    const id = ids.find((k) => /^(\d{12}|arn:[\w-]+:iam::\d{12}:root)$/.test(credentials![k]!.principal)) ?? ids[0];
    const env =
      id !== undefined
        ? `AWS_ACCESS_KEY_ID=${shellWord(id)} AWS_SECRET_ACCESS_KEY="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]].secretAccessKey' ${shellWord(resolve(flags.credentials!))} ${shellWord(id)})"`
        : 'AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test';
    say(`  try: ${env} aws kms create-key --key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC --region ${region} --endpoint-url ${server.url}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`hmac-kms: ${signal}, closing`);
    server.close().then(
      () => (audit ? audit.end(() => process.exit(0)) : process.exit(0)),
      (e: Error) => {
        console.error(`hmac-kms: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(VERSION);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'serve') {
    console.error(`hmac-kms: unknown command ${command}\n\n${HELP}`);
    return 2;
  }
  try {
    await serve(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      if ((e as { help?: boolean }).help) {
        process.stdout.write(SERVE_HELP);
        return 0;
      }
      console.error(`hmac-kms: ${e.message}\n(hmac-kms serve --help lists the flags)`);
      return 2;
    }
    throw e;
  }
  return undefined; // serving
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (e: Error) => {
    console.error(`hmac-kms: ${e.message}`);
    process.exit(1);
  },
);
