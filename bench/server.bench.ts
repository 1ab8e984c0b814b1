// The endpoint over HTTP, measured with wrk (a C load generator: a JavaScript one shares the two cores and is the
// bottleneck itself). Each server runs in its own process pinned to core 0, wrk to core 1; 10 connections, 4 s per run.
// Every round runs the bare node:http server (a fixed JSON answer) and then each hmac-kms scenario; a scenario's figure
// is the median, over rounds, of its ratio to the bare server of the same round. Reported: req/s, p50/p99, server CPU
// µs per request (utime + stime from /proc/<pid>/stat over the run), errors and non-2xx.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTarget, fmtRatio, printTable } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const KEY_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const MATERIAL = Buffer.alloc(32, 0x2a);
const MESSAGE = Buffer.alloc(32, 7);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = 10;

function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const WRK = process.env.HMAC_KMS_WRK || which('wrk');
if (!WRK) {
  console.error('bench:server needs wrk (a C HTTP load generator): apt-get install -y wrk (Debian/Ubuntu), brew install wrk (macOS). .ci/run installs it.');
  process.exit(2);
}
const TASKSET = which('taskset');
const cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
const pin = (core: number, cmd: string[]): string[] => (TASKSET && cores >= 2 ? [TASKSET, '-c', String(core), ...cmd] : cmd);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const dir = mkdtempSync(join(tmpdir(), 'hmac-kms-bench-'));
const BARE = join(dir, 'bare.mjs');
writeFileSync(
  BARE,
  `import { createServer } from 'node:http';
const body = ${JSON.stringify(JSON.stringify({ Mac: 'q'.repeat(44), MacAlgorithm: 'HMAC_SHA_256', KeyId: `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}` }))};
createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) }); res.end(body); }); })
  .listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });
`,
);
const SEED = join(dir, 'seed.json');
writeFileSync(SEED, JSON.stringify([{ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.toString('hex'), KeyId: KEY_ID }]));
const CREDS = join(dir, 'credentials.json');
const SECRET = 'bench-secret';
writeFileSync(CREDS, JSON.stringify({ AKIDBENCH: { secretAccessKey: SECRET, principal: 'arn:aws:iam::111122223333:root' } }));

interface Server {
  child: ChildProcess;
  port: number;
}
function start(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(pin(0, [process.execPath, ...args])[0]!, pin(0, [process.execPath, ...args]).slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /port (\d+)|KMS endpoint http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1] ?? m[2]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}
const stop = (s: Server) => new Promise((r) => (s.child.once('exit', r), s.child.kill('SIGTERM')));

/** The CPU time (utime + stime) of a process so far, in µs. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

interface Request {
  target: string;
  body: string;
  headers?: Record<string, string>;
}
function luaScript(r: Request): string {
  const file = join(dir, `${r.target}-${Math.random().toString(36).slice(2)}.lua`);
  const headers = { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `TrentService.${r.target}`, ...r.headers };
  writeFileSync(file, `wrk.method = "POST"\n${Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n')}\nwrk.body = ${JSON.stringify(r.body)}\n`);
  return file;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
  errors: number;
  non2xx: number;
}
const ms = (text: string): number => {
  const m = /([\d.]+)(us|ms|s)/.exec(text)!;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
};
function load(server: Server, script: string): Run {
  const before = cpuMicros(server.child.pid!);
  const out = execFileSync(pin(1, [WRK!])[0]!, [...pin(1, [WRK!]).slice(1), '-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--timeout', '10s', '--latency', '-s', script, `http://127.0.0.1:${server.port}/`], { encoding: 'utf8' });
  const cpu = cpuMicros(server.child.pid!) - before;
  const total = Number(/(\d+) requests in/.exec(out)![1]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: ms(/ 50%\s+(\S+)/.exec(out)![1]!),
    p99: ms(/ 99%\s+(\S+)/.exec(out)![1]!),
    cpuUs: cpu / total,
    errors: sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

/** A SigV4-signed request (signed once: the emulator allows 5 minutes of skew, longer than the whole bench). */
function signed(port: number, target: string, body: string): Request {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1', host: `127.0.0.1:${port}`, 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate, 'x-amz-target': `TrentService.${target}` };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', names.map((h) => `${h}:${headers[h]}\n`).join(''), names.join(';'), payloadHash].join('\n');
  const scope = `${date}/us-east-1/kms/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = Buffer.from(`AWS4${SECRET}`);
  for (const part of [date, 'us-east-1', 'kms', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _h, 'content-type': _c, 'x-amz-target': _t, ...rest } = headers;
  return { target, body, headers: { ...rest, Authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` } };
}

const generateMac: Request = { target: 'GenerateMac', body: JSON.stringify({ KeyId: KEY_ID, Message: MESSAGE.toString('base64'), MacAlgorithm: 'HMAC_SHA_256' }) };
const mac = createHmac('sha256', MATERIAL).update(MESSAGE).digest('base64');
const verifyMac: Request = { target: 'VerifyMac', body: JSON.stringify({ KeyId: KEY_ID, Message: MESSAGE.toString('base64'), Mac: mac, MacAlgorithm: 'HMAC_SHA_256' }) };
const describeKey: Request = { target: 'DescribeKey', body: JSON.stringify({ KeyId: KEY_ID }) };
const tagResource: Request = { target: 'TagResource', body: JSON.stringify({ KeyId: KEY_ID, Tags: [{ TagKey: 'bench', TagValue: 'x' }] }) };

interface Scenario {
  name: string;
  args: string[];
  env?: Record<string, string>;
  request: (port: number) => Request;
  target?: number;
}
const serve = (...extra: string[]) => [CLI, 'serve', '--port', '0', '--seed', SEED, '--quiet', ...extra];
const scenarios: Scenario[] = [
  { name: 'hmac-kms serve: GenerateMac 32 B', args: serve(), request: () => generateMac, target: 0.45 },
  { name: 'hmac-kms serve: VerifyMac 32 B', args: serve(), request: () => verifyMac },
  { name: 'hmac-kms serve: DescribeKey', args: serve(), request: () => describeKey, target: 0.55 },
  { name: 'hmac-kms serve --credentials: GenerateMac 32 B, SigV4 verified', args: serve('--credentials', CREDS), request: (port) => signed(port, 'GenerateMac', generateMac.body), target: 0.35 },
  { name: 'hmac-kms serve (request log on, to a pipe): GenerateMac 32 B', args: serve().filter((a) => a !== '--quiet'), request: () => generateMac },
  { name: 'hmac-kms serve --state: TagResource (fdatasync per write)', args: [...serve('--state', join(dir, 'kms.state')), '--compact-after', '100000'], env: { HMAC_KMS_WRAPPING_KEY: 'b'.repeat(64) }, request: () => tagResource },
  { name: 'hmac-kms serve --state: GenerateMac 32 B', args: [...serve('--state', join(dir, 'kms2.state'))], env: { HMAC_KMS_WRAPPING_KEY: 'b'.repeat(64) }, request: () => generateMac },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, { runs: Run[]; ratios: number[] }>();
const bareRuns: Run[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const bare = await start([BARE]);
    const b = load(bare, luaScript(generateMac));
    await stop(bare);
    bareRuns.push(b);
    for (const s of scenarios) {
      const server = await start(s.args, s.env);
      try {
        const request = s.request(server.port);
        const probe = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${request.target}`, ...request.headers }, body: request.body });
        if (probe.status !== 200) throw new Error(`${s.name}: probe answered ${probe.status}: ${await probe.text()}`);
        const r = load(server, luaScript(request));
        const entry = results.get(s.name) ?? { runs: [], ratios: [] };
        entry.runs.push(r);
        entry.ratios.push(r.rps / b.rps);
        results.set(s.name, entry);
      } finally {
        await stop(server);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n: number, d = 0) => n.toFixed(d);
const rowOf = (name: string, runs: Run[], ratio: string) => {
  const m = (f: (r: Run) => number) => median(runs.map(f));
  return [name, fmt(m((r) => r.rps)), fmt(m((r) => r.p50), 2), fmt(m((r) => r.p99), 2), fmt(m((r) => r.cpuUs), 1), String(runs.reduce((n, r) => n + r.errors, 0)), String(runs.reduce((n, r) => n + r.non2xx, 0)), ratio];
};
printTable(
  `The endpoint with wrk (${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds; servers on core 0, wrk on core 1; Node ${process.version}); medians over rounds`,
  ['server', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'errors', 'non-2xx', 'vs bare'],
  [rowOf('bare node:http, fixed JSON', bareRuns, '1.00×'), ...[...results].map(([name, e]) => rowOf(name, e.runs, fmtRatio(median(e.ratios))))],
);
console.log('');
for (const s of scenarios) {
  const e = results.get(s.name)!;
  if (s.target !== undefined) console.log(checkTarget(`${s.name} / bare`, median(e.ratios), s.target));
}
const errors = [...results.values()].flatMap((e) => e.runs).reduce((n, r) => n + r.errors + r.non2xx, 0);
console.log(`${errors === 0 ? 'OK  ' : 'MISS'} errors and non-2xx over every hmac-kms run: ${errors} (target 0)`);
const gmState = median(results.get('hmac-kms serve --state: GenerateMac 32 B')!.ratios) / median(results.get('hmac-kms serve: GenerateMac 32 B')!.ratios);
console.log(checkTarget('GenerateMac with --state / without (read-only calls never touch the disk)', gmState, 0.9));
