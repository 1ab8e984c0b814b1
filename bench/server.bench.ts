// GenerateMac of 32 bytes over HTTP against a bare node:http server answering a fixed JSON body, each server in its own
// process, loaded by autocannon with 10 connections for 5 s, in one run: hmac-kms serve as it starts by default (any
// signature accepted), and with --credentials (every request's SigV4 signature verified).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fmtRatio, printTable, checkTarget } from './harness.js';

const ROLE = process.env.HMAC_KMS_BENCH_ROLE;
const KEY_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const CREDENTIALS = { AKIDBENCH: { secretAccessKey: 'bench-secret', principal: 'arn:aws:iam::111122223333:root' } };

if (ROLE === 'bare') {
  const body = JSON.stringify({ KeyId: `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`, Mac: 'q'.repeat(44), MacAlgorithm: 'HMAC_SHA_256' });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as { port: number }).port}`));
} else if (ROLE === 'kms' || ROLE === 'kms-sigv4') {
  // the built package, as users run it
  const { startServer } = await import(new URL('../dist/node/index.js', import.meta.url).href);
  const server = await startServer({ port: 0, ...(ROLE === 'kms-sigv4' ? { credentials: CREDENTIALS } : {}), seed: [{ KeySpec: 'HMAC_256', KeyMaterial: '00'.repeat(32), KeyId: KEY_ID }] });
  console.log(`port ${server.port}`);
} else {
  const self = fileURLToPath(import.meta.url);
  const start = (role: string) =>
    new Promise<{ port: number; stop: () => void }>((resolve, reject) => {
      const child = spawn(process.execPath, [self], { env: { ...process.env, HMAC_KMS_BENCH_ROLE: role }, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout!.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve({ port: Number(m[1]), stop: () => child.kill('SIGTERM') });
      });
      child.on('exit', (code) => reject(new Error(`${role} server exited ${code}`)));
    });

  /** A SigV4-signed GenerateMac request (signed once; the emulator allows 5 minutes of skew). */
  function signedRequest(port: number) {
    const body = JSON.stringify({ KeyId: KEY_ID, Message: Buffer.alloc(32, 7).toString('base64'), MacAlgorithm: 'HMAC_SHA_256' });
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const payloadHash = hex(sha256(Buffer.from(body)));
    const host = `127.0.0.1:${port}`;
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.1',
      host,
      'x-amz-content-sha256': payloadHash,
      'x-amz-date': amzDate,
      'x-amz-target': 'TrentService.GenerateMac',
    };
    const signed = Object.keys(headers).sort();
    const canonical = ['POST', '/', '', signed.map((h) => `${h}:${headers[h]}\n`).join(''), signed.join(';'), payloadHash].join('\n');
    const scope = `${date}/us-east-1/kms/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(sha256(Buffer.from(canonical)))].join('\n');
    let key: Uint8Array = Buffer.from('AWS4' + CREDENTIALS.AKIDBENCH.secretAccessKey);
    for (const part of [date, 'us-east-1', 'kms', 'aws4_request']) key = hmac(sha256, key, Buffer.from(part));
    const signature = hex(hmac(sha256, key, Buffer.from(toSign)));
    const { host: _h, ...rest } = headers;
    return { body, headers: { ...rest, authorization: `AWS4-HMAC-SHA256 Credential=AKIDBENCH/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}` } };
  }

  const load = (port: number, request: { body: string; headers: Record<string, string> }) =>
    autocannon({ url: `http://127.0.0.1:${port}/`, method: 'POST', connections: 10, duration: 5, ...request });

  const bare = await start('bare');
  const kms = await start('kms');
  const kmsSigned = await start('kms-sigv4');
  try {
    for (const s of [kms, kmsSigned]) {
      const probe = await fetch(`http://127.0.0.1:${s.port}/`, { method: 'POST', ...signedRequest(s.port) });
      if (probe.status !== 200) throw new Error(`hmac-kms answered ${probe.status}: ${await probe.text()}`);
    }
    // the same signed request for all three; the bare server ignores it, the default server reads only its Region
    const b1 = await load(bare.port, signedRequest(bare.port));
    const k = await load(kms.port, signedRequest(kms.port));
    const ks = await load(kmsSigned.port, signedRequest(kmsSigned.port));
    const b2 = await load(bare.port, signedRequest(bare.port));
    const bareRps = (b1.requests.average + b2.requests.average) / 2;
    const row = (name: string, r: autocannon.Result) => [name, r.requests.average.toFixed(0), String(r.latency.p50), String(r.latency.p99), String(r.errors), String(r.non2xx), fmtRatio(r.requests.average / bareRps)];
    printTable(`GenerateMac 32 B over HTTP, 10 connections, 5 s each (Node ${process.version}; each server in its own process; bare measured before and after)`,
      ['server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'vs bare'], [
        row('hmac-kms serve (default: any signature)', k),
        row('hmac-kms serve --credentials (SigV4 verified)', ks),
        row('bare node:http, fixed JSON (before)', b1),
        row('bare node:http, fixed JSON (after)', b2),
      ]);
    console.log('');
    console.log(checkTarget('GenerateMac over HTTP (default serve) / bare node:http', k.requests.average / bareRps, 0.6));
    console.log(`     with SigV4 verification: ${fmtRatio(ks.requests.average / bareRps)}`);
    for (const [name, r] of [['default', k], ['SigV4', ks]] as const) {
      console.log(`${r.errors === 0 && r.non2xx === 0 ? 'OK  ' : 'MISS'} hmac-kms (${name}): ${r.errors} errors, ${r.non2xx} non-2xx (target 0 and 0)`);
    }
  } finally {
    bare.stop();
    kms.stop();
    kmsSigned.stop();
  }
}
