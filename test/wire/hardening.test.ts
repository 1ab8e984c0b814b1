// Issue #10, the wire's and the Node server's share: each defect of the adversarial review with a test that fails on
// the code before the fix (SigV4 items are rows of test/wire/sigv4.test.ts).
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HmacKms, type AuditEvent } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { IDS, MATERIAL } from '../helpers/kms.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JSON_HEADERS = { 'content-type': 'application/x-amz-json-1.1' };

let server: RunningServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

function call(url: string, target: string, body: string, timeoutMs = 5_000): Promise<{ status: number; body: string; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...JSON_HEADERS, 'x-amz-target': `TrentService.${target}` }, agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, ms: performance.now() - t }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens `n` TCP connections that never send a byte. */
async function idleSockets(port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    sockets.push(s);
    await new Promise<void>((resolve) => (s.once('connect', () => resolve()), s.once('error', () => resolve()), s.once('close', () => resolve())));
  }
}

/**
 * Opens `n` connections that each send a KMS request head announcing a 100-byte body, then one byte of it (a client
 * trickling its body); resolves once the server has had time to read the heads.
 */
async function slowBodies(port: number, n: number): Promise<{ socket: Socket; closed: boolean }[]> {
  const out: { socket: Socket; closed: boolean }[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    sockets.push(s);
    const entry = { socket: s, closed: false };
    s.once('close', () => (entry.closed = true));
    out.push(entry);
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    s.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: 100\r\n\r\n{');
    await sleep(20); // in order: the first is the one waiting longest
  }
  await sleep(50);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('#10.7 aws:SourceIp sees IPv4 clients of a dual-stack listener', () => {
  it('a Deny on 127.0.0.0/8 applies when the server listens on ::, and the audit record shows the IPv4 address', async () => {
    const events: AuditEvent[] = [];
    const kms = new HmacKms({ audit: (e) => events.push(e) });
    await kms.seedKey({
      KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: 'kms:GenerateMac', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } },
      ] }),
    });
    server = await startServer({ port: 0, host: '::', kms });
    const res = await call(`http://127.0.0.1:${server.port}/`, 'GenerateMac', JSON.stringify({ KeyId: IDS.k256, Message: 'aGk=', MacAlgorithm: 'HMAC_SHA_256' }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).__type).toBe('AccessDeniedException');
    expect(events.at(-1)!.sourceIPAddress).toBe('127.0.0.1');
  });
});

describe('#10.14 a streamed body over 1 MiB is refused at the limit, not read to its end', () => {
  it('413 arrives while the client is still sending, and the connection is closed', async () => {
    server = await startServer({ port: 0 });
    const url = new URL(server.url);
    const result = await new Promise<{ status: number; sent: number; ms: number }>((resolve, reject) => {
      const t = performance.now();
      let sent = 0;
      let done = false;
      const req = request({ host: url.hostname, port: url.port, method: 'POST', headers: { ...JSON_HEADERS, 'x-amz-target': 'TrentService.ListKeys', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
        done = true;
        res.resume();
        resolve({ status: res.statusCode!, sent, ms: performance.now() - t });
      });
      req.on('error', (e) => (done ? undefined : reject(e)));
      const chunk = Buffer.alloc(64 * 1024, 32);
      const pump = () => {
        // 20 MiB at most, slowly: a server that reads to the end would answer only after 20 MiB
        while (!done && sent < 20 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', () => setTimeout(pump, 5));
        }
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(result.sent).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('#10.15 idle and slow sockets cannot starve real clients', () => {
  it('a socket that sends nothing is closed after the headers timeout', async () => {
    server = await startServer({ port: 0, timeouts: { headers: 300 } });
    const s = connect(server.port, '127.0.0.1');
    sockets.push(s);
    const closedAfter = await new Promise<number>((resolve) => {
      const t = performance.now();
      s.on('error', () => {});
      s.resume(); // read what the server sends (a 408, or nothing), so that its end is seen
      s.on('close', () => resolve(performance.now() - t));
    });
    expect(closedAfter).toBeLessThan(3_000);
  });

  it('at the connection cap, a new client closes the oldest idle connection and is served at once', async () => {
    server = await startServer({ port: 0, maxConnections: 20 });
    await idleSockets(server.port, 30);
    const res = await call(server.url, 'ListKeys', '{}', 2_000);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1_000);
  });

  it('at the cap with every connection waiting for its body, a new client closes the one waiting longest (over 1 s) and is served', async () => {
    server = await startServer({ port: 0, maxConnections: 4 });
    const slow = await slowBodies(server.port, 4);
    await sleep(1_100);
    const res = await call(server.url, 'ListKeys', '{}', 2_000);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(1_000);
    // the oldest waiter was closed, the others are still waiting
    expect(slow.map((s) => s.closed)).toEqual([true, false, false, false]);
  });

  it('at the cap, a body that began arriving less than a second ago is not cut off: the new client is refused (TCP reset)', async () => {
    server = await startServer({ port: 0, maxConnections: 4 });
    const slow = await slowBodies(server.port, 4);
    await expect(call(server.url, 'ListKeys', '{}', 2_000)).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(slow.map((s) => s.closed)).toEqual([false, false, false, false]);
  });

  it('a body trickling past the request timeout gets 408 and the connection is closed', async () => {
    server = await startServer({ port: 0, timeouts: { headers: 300, request: 800 } });
    const [slow] = await slowBodies(server.port, 1);
    const t = performance.now();
    let text = '';
    slow!.socket.on('data', (d: Buffer) => (text += d));
    await new Promise((r) => (slow!.socket.once('close', r), setTimeout(r, 3_000)));
    const ms = performance.now() - t;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    // the request timeout, not the headers timeout (the head was complete) nor Node's default of 300 s
    expect(ms).toBeGreaterThan(400);
    expect(ms).toBeLessThan(2_500);
  });

  it('a kept-alive connection is closed after the idle timeout between requests', async () => {
    server = await startServer({ port: 0, timeouts: { idle: 300 } });
    const s = connect(server.port, '127.0.0.1');
    s.on('error', () => {});
    sockets.push(s);
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    let text = '';
    let answered = 0;
    s.on('data', (d: Buffer) => {
      text += d;
      if (!answered && text.includes('\r\n\r\n{')) answered = performance.now();
    });
    s.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: 2\r\n\r\n{}');
    await new Promise((r) => s.once('close', r));
    const idle = performance.now() - answered;
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text).toMatch(/\r\nConnection: keep-alive\r\n/i); // kept alive, then closed for idleness
    // Node closes it a second after the timeout it advertises (Node 20.20's keep-alive buffer); its default is 5 s
    expect(idle).toBeGreaterThan(200);
    expect(idle).toBeLessThan(2_500);
  });

  it('a request timeout below the default headers timeout lowers it (Node refuses headers > request); both given inconsistently is a TypeError', async () => {
    server = await startServer({ port: 0, timeouts: { request: 1_500 } });
    expect((await call(server.url, 'ListKeys', '{}')).status).toBe(200);
    // a socket that sends nothing is closed after the (lowered) headers timeout, not 10 s
    const s = connect(server.port, '127.0.0.1');
    sockets.push(s);
    s.on('error', () => {});
    s.resume();
    const t = performance.now();
    await new Promise((r) => s.once('close', r));
    expect(performance.now() - t).toBeLessThan(3_000);
    await expect(startServer({ port: 0, timeouts: { headers: 2_000, request: 1_000 } })).rejects.toThrow(
      new TypeError('startServer: timeouts.headers (2000 ms) must not exceed timeouts.request (1000 ms): the headers are part of the request'),
    );
  });

  it('under a 256-descriptor limit, 300 idle sockets do not lock out a real request (hmac-kms serve)', async () => {
    const child = spawn('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" "${join(ROOT, 'dist/cli.js')}" serve --port 0`], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      await idleSockets(Number(new URL(url).port), 300);
      const res = await call(url, 'ListKeys', '{}', 3_000);
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(1_500);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('DNS rebinding: bound to loopback, only requests addressed to a loopback name are served', () => {
  it('a Host that is not localhost, 127.0.0.1 or [::1] gets 421, for KMS requests and the console alike', async () => {
    server = await startServer({ port: 0 });
    const send = (host: string, method = 'POST', path = '/') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server!.port, path, method, headers: { host, ...JSON_HEADERS, 'x-amz-target': 'TrentService.ListKeys' }, agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{}' : undefined);
      });
    for (const host of ['evil.example:80', 'attacker.test', `127.0.0.1.nip.io:${server.port}`]) {
      for (const [method, path] of [['POST', '/'], ['GET', '/console'], ['GET', '/health']] as const) {
        const res = await send(host, method, path);
        expect(res.status, `${method} ${path} Host: ${host}`).toBe(421);
        expect(JSON.parse(res.body).__type).toBe('MisdirectedRequest');
      }
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, 'localhost', `app.localhost:${server.port}`]) {
      expect((await send(host)).status, host).toBe(200);
    }
  });

  it('listening on 0.0.0.0 (a container), any name is served', async () => {
    server = await startServer({ port: 0, host: '0.0.0.0' });
    const res = await call(`http://127.0.0.1:${server.port}/`, 'ListKeys', '{}');
    expect(res.status).toBe(200);
  });
});
