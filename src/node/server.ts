/**
 * `startServer`: hmac-kms as a local KMS endpoint on `node:http`, for the AWS CLI and the AWS SDKs of any language
 * (`--endpoint-url http://127.0.0.1:4599`). Binds 127.0.0.1 unless told otherwise; closes gracefully.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
// the core through the package itself, so that the server and its users share one HmacKms class and one set of errors
import { assertHmacKms, countKeys, createWireCore, HmacKms, isStopped, MAX_BODY_BYTES, type Credentials, type HmacKmsOptions, type SeedKeyInput, type WireOptions } from 'hmac-kms';
import { nodeMacEngine, nodeSigV4Crypto } from './crypto.js';
import { VERSION } from './version.js';
import { applySeed, planSeed, type Seed, type SeedEntry } from './seed.js';
import { openStateFile, type StateFile } from './state-file.js';
import { createConsole } from './console/index.js';

export interface StartServerOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 4599; 0 picks a free port. */
  port?: number;
  /** The emulator to serve; default `new HmacKms(kmsOptions)`. */
  kms?: HmacKms;
  /** Used when `kms` is not given. */
  kmsOptions?: HmacKmsOptions;
  /** Access keys the server accepts (see createFetchHandler); without them any signature is accepted. */
  credentials?: Credentials;
  /**
   * What to create before listening (seed.ts): a list of keys (`seedKey` inputs, or `--seed FILE` entries with material
   * in hex or base64, aliases and grants), or `{ Keys, IdentityPolicies }`. With `stateFile`, only when the file is
   * created.
   */
  seed?: readonly (SeedKeyInput | SeedEntry)[] | Seed;
  /**
   * Keep the world in this file (created when missing): every change is on disk before its call is answered, and a
   * restart finds it all again (see `openStateFile`). Needs `wrappingKey`; not with `kms`.
   */
  stateFile?: string;
  /** 32 bytes: the key the state file's secrets are sealed under (`parseWrappingKey` reads the usual forms). */
  wrappingKey?: Uint8Array;
  /** With `stateFile`: write a fresh snapshot after this many changes (default 10,000). */
  compactAfter?: number;
  onError?: WireOptions['onError'];
  /** Told of every request once answered (a request log; see `RequestLogEntry`). */
  onRequest?: WireOptions['onRequest'];
  /**
   * How long a client may take, in ms (issue #10.15: Node's defaults held idle sockets ~90 s and a trickling body
   * 300 s): `headers` to send its request head (default 10,000, or `request` when that is shorter; never more than
   * `request`: a TypeError), `request` to send the whole request (30,000), `idle` between requests on a kept-alive
   * connection (5,000; Node closes the connection a second after it).
   */
  timeouts?: { headers?: number; request?: number; idle?: number };
  /**
   * Open connections at most (default: the process's open-file limit less 64, at most 4,096; 1,024 where the limit
   * cannot be read). A new connection beyond it closes the oldest connection that has no request in flight, so idle
   * or slow-to-start sockets cannot lock real clients out; when every connection has one, it closes the oldest
   * console live stream (the page reconnects), else the connection that has waited longest for the rest of its
   * request body, if that is over a second (a trickling body); else the new one is refused. Live streams are a
   * quarter of the cap at most (at least one, 16 at most): one more is answered 503 with `Retry-After: 10`.
   */
  maxConnections?: number;
  /**
   * The read-only web console on GET /console (default true; `hmac-kms serve --no-console` turns it off): keys, a
   * key's detail and the calls live. With `credentials` it asks for HTTP Basic authentication with one of them.
   */
  console?: boolean;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly kms: HmacKms;
  /** With `stateFile`: the file, and how it was found (created, or restored with so many changes replayed). */
  readonly state?: Pick<StateFile, 'path' | 'opened'>;
  /** Stops accepting connections, lets requests in flight finish, closes idle connections, then the state file. */
  close(): Promise<void>;
}

const isLoopbackAddress = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Whether a Host header names this machine's loopback (with or without a port). */
function isLoopbackHost(header: string | undefined): boolean {
  if (!header) return false;
  const name = header.startsWith('[') ? header.slice(1, header.indexOf(']')) : header.replace(/:\d+$/, '');
  return isLoopbackAddress(name.toLowerCase()) || name.toLowerCase().endsWith('.localhost');
}

/**
 * At the connection cap, a connection that has waited this long for the rest of its request body may be closed for a
 * new client: a real client sends its body right behind its head (milliseconds, even over a network), so ten sockets
 * trickling bodies cannot lock real clients out for the whole request timeout.
 */
const SLOW_BODY_MS = 1_000;

/** After a 413, how much more of the body is drained, for how long at most, before the connection is closed. */
const LINGER_BYTES = 2 * 1024 * 1024;
const LINGER_MS = 1_000;

/** `::ffff:127.0.0.1` (an IPv4 client of a dual-stack listener) is the IPv4 address, as AWS reports it (issue #10.7). */
export function clientAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return /^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(address) ? address.slice(7) : address;
}

/** The soft open-file limit of this process (Linux), for the default connection cap. */
function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Node's header object already has lower-case names; only repeated headers (set-cookie) come as lists. */
function headersOf(req: IncomingMessage): Record<string, string> {
  const h = req.headers;
  for (const name in h) {
    const value = h[name];
    if (Array.isArray(value)) return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
  }
  return h as Record<string, string>;
}

/** What the server keeps of one connection. */
interface Connection {
  /** A request is being answered (a connection over the cap closes the oldest that is not busy). */
  busy: boolean;
  /** Since when (performance.now()) its request, head received, waits for the rest of its body; 0 when it does not. */
  bodySince: number;
  /** A first request has begun (the idle timer of a fresh connection is then off). */
  started: boolean;
  /** It carries a console live stream (closed for a new client at the cap before any KMS request in flight). */
  stream: boolean;
  address: string | undefined;
  /** The call origins of this connection by user agent (one object per client, not per request). */
  origins: Map<string, { sourceIPAddress: string; userAgent?: string }> | undefined;
}

function originOf(conn: Connection, socket: Socket, userAgent: string | undefined): { sourceIPAddress: string; userAgent?: string } {
  const address = (conn.address ??= clientAddress(socket.remoteAddress));
  const origins = (conn.origins ??= new Map());
  const id = userAgent ?? '';
  let origin = origins.get(id);
  if (!origin) {
    if (origins.size > 8) origins.clear();
    origins.set(id, (origin = userAgent ? { sourceIPAddress: address, userAgent } : { sourceIPAddress: address }));
  }
  return origin;
}

/**
 * The timeouts with their defaults. Node refuses a headers timeout above the request timeout (ERR_OUT_OF_RANGE): the
 * default headers timeout is lowered to a shorter request timeout, and the two given inconsistently are a TypeError.
 */
function serverTimeouts(given: StartServerOptions['timeouts'] = {}): { headers: number; request: number; idle: number } {
  const request = given.request ?? 30_000;
  const idle = given.idle ?? 5_000;
  if (given.headers === undefined) return { headers: request > 0 ? Math.min(10_000, request) : 10_000, request, idle };
  if (request > 0 && given.headers > request) {
    throw new TypeError(`startServer: timeouts.headers (${given.headers} ms) must not exceed timeouts.request (${request} ms): the headers are part of the request`);
  }
  return { headers: given.headers, request, idle };
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  if (options.kms !== undefined) assertHmacKms(options.kms); // before seeding it: one of another copy is refused at once
  if (options.seed !== undefined) planSeed(options.seed); // a bad seed is refused before anything starts
  const seed = async (kms: HmacKms) => {
    if (options.seed !== undefined) await applySeed(kms, options.seed);
  };
  let state: StateFile | undefined;
  let kms: HmacKms;
  if (options.stateFile !== undefined) {
    if (options.kms) throw new TypeError('startServer: give either kms or stateFile (the state file makes the emulator)');
    if (!options.wrappingKey) throw new TypeError('startServer: stateFile needs a wrappingKey (32 bytes)');
    state = await openStateFile(options.stateFile, {
      wrappingKey: options.wrappingKey,
      kmsOptions: { macEngine: nodeMacEngine, ...options.kmsOptions },
      ...(options.compactAfter !== undefined ? { compactAfter: options.compactAfter } : {}),
      initialize: seed,
    });
    kms = state.kms;
  } else {
    kms = options.kms ?? new HmacKms({ macEngine: nodeMacEngine, ...options.kmsOptions });
    await seed(kms);
  }
  const dispatch = createWireCore(kms, {
    sigv4Crypto: nodeSigV4Crypto, // OpenSSL for SigV4's SHA-256 and HMAC (issue #13)
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
  const onError = options.onError;

  const timeouts = serverTimeouts(options.timeouts);
  const limit = openFileLimit();
  const maxConnections = options.maxConnections ?? (limit ? Math.max(16, Math.min(4096, limit - 64)) : 1024);
  /** Open connections, oldest first: whether each has a request in flight, and what a call learns of the client. */
  const open = new Map<Socket, Connection>();

  // The console's live streams last as long as their page: a quarter of the connections at most (and MAX_STREAMS),
  // and at the cap the first closed for a new client after idle connections (issue #10.15's class: four streams
  // under a cap of four reset every KMS client, for good).
  const webConsole =
    options.console === false
      ? undefined
      : createConsole(kms, {
          ...(options.credentials ? { credentials: options.credentials } : {}),
          ...(onError ? { onError } : {}),
          maxStreams: Math.max(1, Math.floor(maxConnections / 4)),
          onStream: (res) => {
            const conn = open.get(res.socket!);
            if (conn) conn.stream = true;
          },
        });

  const host = options.host ?? '127.0.0.1';
  const loopbackOnly = isLoopbackAddress(host);
  const misdirected = JSON.stringify({
    __type: 'MisdirectedRequest',
    message: `This endpoint listens on ${host} and answers only requests addressed to localhost, 127.0.0.1 or [::1] (DNS rebinding protection); serve other names with --host 0.0.0.0.`,
  });
  const tooLarge = JSON.stringify({ __type: 'RequestEntityTooLargeException', message: `The request body must not exceed ${MAX_BODY_BYTES} bytes.` });
  const EMPTY = new Uint8Array(0);

  /**
   * The request path, kept free of promises and closures where it can be (issue #13: the profile showed them, the
   * chunked writev and GC): the body is collected by two listeners, the answer computed synchronously when no durable
   * store must be waited for, and written with its Content-Length as one write of head and body.
   */
  const server = createServer(
    { headersTimeout: timeouts.headers, requestTimeout: timeouts.request, keepAliveTimeout: timeouts.idle, connectionsCheckingInterval: Math.min(1_000, timeouts.headers) },
    (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      const conn = open.get(socket) ?? { busy: false, bodySince: 0, started: false, stream: false, address: undefined, origins: undefined };
      conn.busy = true;
      if (!conn.started) {
        conn.started = true;
        socket.setTimeout(0); // the first request has begun: Node's headers and request timeouts take over
      }
      const url = req.url ?? '/';
      // DNS rebinding: a web page whose name was made to resolve to 127.0.0.1 would talk to this endpoint (and read the
      // console) as its own origin. Bound to loopback, only requests addressed to a loopback name are served.
      if (loopbackOnly && !isLoopbackHost(req.headers.host)) {
        finish(conn, res, 421, ['content-type', 'application/x-amz-json-1.1', 'x-amzn-errortype', 'MisdirectedRequest'], misdirected);
        return;
      }
      if (req.method === 'GET' && (url === '/health' || url.startsWith('/health?'))) {
        // for container health checks and scripts: up, which version, how many keys (never a KMS request); 503 once
        // a change could not be written to the state file (every call is refused then: restart it)
        const stopped = isStopped(kms);
        finish(conn, res, stopped ? 503 : 200, ['content-type', 'application/json'], JSON.stringify({ status: stopped ? 'stopped' : 'ok', version: VERSION, keys: countKeys(kms) }));
        return;
      }
      // ---- the web console (issue #14, console/): GET and HEAD under /console only. KMS requests are POSTs: they
      // never reach it, and it answers nothing else. Its responses may be long (the live stream).
      if (webConsole && (req.method === 'GET' || req.method === 'HEAD') && (url === '/console' || url.startsWith('/console/') || url.startsWith('/console?'))) {
        res.once('close', () => (conn.busy = false));
        webConsole.handle(req, res);
        return;
      }
      // ---- end of the web console's branch
      if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
        refuseTooLarge(conn, req, res);
        return;
      }
      let first: Buffer | undefined;
      let more: Buffer[] | undefined;
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        // a streamed body is refused as soon as it passes the limit, never read to its end (issue #10.14)
        if (size > MAX_BODY_BYTES) {
          req.off('data', onData);
          req.off('end', onEnd);
          req.pause();
          first = undefined;
          more = undefined;
          refuseTooLarge(conn, req, res);
          return;
        }
        if (!first) first = chunk;
        else (more ??= [first]).push(chunk);
      };
      const onEnd = () => {
        conn.bodySince = 0;
        const body = more ? Buffer.concat(more, size) : (first ?? EMPTY);
        const q = url.indexOf('?');
        let answer;
        try {
          answer = dispatch(
            { method: req.method ?? 'GET', host: req.headers.host ?? '', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: headersOf(req), body },
            originOf(conn, socket, req.headers['user-agent']),
          );
        } catch (e) {
          fail(conn, res, e);
          return;
        }
        if (answer instanceof Promise) answer.then((w) => reply(conn, res, w), (e: unknown) => fail(conn, res, e));
        else reply(conn, res, answer);
      };
      if (!req.complete) conn.bodySince = performance.now();
      req.on('data', onData);
      req.on('end', onEnd);
    },
  );

  function finish(conn: Connection, res: ServerResponse, status: number, headers: string[], body: string): void {
    headers.push('content-length', String(Buffer.byteLength(body))); // as AWS sends it: never chunked
    res.writeHead(status, headers);
    res.end(body); // a string after writeHead: Node sends head and body in one write
    conn.busy = false;
  }
  function reply(conn: Connection, res: ServerResponse, w: { status: number; headers: Record<string, string>; body: string }): void {
    const headers: string[] = [];
    for (const name in w.headers) headers.push(name, w.headers[name]!);
    finish(conn, res, w.status, headers, w.body);
  }
  function fail(conn: Connection, res: ServerResponse, e: unknown): void {
    onError?.(e);
    if (res.headersSent) {
      res.end();
      conn.busy = false;
    } else finish(conn, res, 500, ['content-type', 'application/x-amz-json-1.1', 'x-amzn-errortype', 'KMSInternalException'], JSON.stringify({ __type: 'KMSInternalException' }));
  }
  /**
   * 413 at the limit. The rest of the body is not read to its end (issue #10.14): after the answer, what keeps
   * arriving is drained for a moment only (closing a socket with unread data makes TCP reset it, and the client would
   * lose the answer), then the connection is closed.
   */
  function refuseTooLarge(conn: Connection, req: IncomingMessage, res: ServerResponse): void {
    // no `Connection: close`: Node would close the socket as soon as the answer is out, with the body still arriving
    res.writeHead(413, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'RequestEntityTooLargeException', 'content-length': String(tooLarge.length) });
    res.end(tooLarge);
    conn.busy = false;
    conn.bodySince = 0;
    const socket = req.socket;
    let drained = 0;
    const close = () => socket.destroy();
    const timer = setTimeout(close, LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
    req.on('data', (chunk: Buffer) => {
      if ((drained += chunk.length) > LINGER_BYTES) close();
    });
    req.resume();
  }

  /**
   * The connection to close for a new one at the cap: the oldest with no request in flight; else the oldest console
   * live stream (its page reconnects by itself); else the one that has waited longest, over SLOW_BODY_MS, for the rest
   * of its request body; else none.
   */
  function evictable(): Socket | undefined {
    let stream: Socket | undefined;
    let slowest: Socket | undefined;
    let since = performance.now() - SLOW_BODY_MS;
    for (const [s, c] of open) {
      if (!c.busy) return s;
      if (c.stream) stream ??= s;
      else if (c.bodySince !== 0 && c.bodySince < since) {
        slowest = s;
        since = c.bodySince;
      }
    }
    return stream ?? slowest;
  }

  server.on('connection', (socket: Socket) => {
    if (open.size >= maxConnections) {
      const victim = evictable();
      if (!victim) {
        socket.destroy(); // every connection is serving a request: refuse rather than queue
        return;
      }
      open.delete(victim);
      victim.destroy();
    }
    open.set(socket, { busy: false, bodySince: 0, started: false, stream: false, address: undefined, origins: undefined });
    socket.once('close', () => open.delete(socket));
    // Node's headersTimeout starts with the first byte: a connection that sends nothing would stay open forever
    socket.setTimeout(timeouts.headers, () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (e: Error) => {
      // the state file (and its lock) closed before the caller hears of it: a CLI exits right after
      const closed = state ? state.close().catch(() => {}) : Promise.resolve();
      void closed.then(() => reject(e));
    };
    server.once('error', failed);
    server.listen(options.port ?? 4599, host, () => {
      server.off('error', failed); // only a failure to listen is start-up's business
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    kms,
    ...(state ? { state: { path: state.path, opened: state.opened } } : {}),
    close: async () => {
      webConsole?.close(); // ends the live streams, which would otherwise hold the server open
      try {
        await new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeIdleConnections();
        });
      } finally {
        await state?.close();
      }
    },
  };
}
