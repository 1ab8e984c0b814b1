/**
 * `startServer`: hmac-kms as a local KMS endpoint on `node:http`, for the AWS CLI and the AWS SDKs of any language
 * (`--endpoint-url http://127.0.0.1:4599`). Binds 127.0.0.1 unless told otherwise; closes gracefully.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// the core through the package itself, so that the server and its users share one HmacKms class and one set of errors
import { createWireDispatcher, HmacKms, MAX_BODY_BYTES, type Credentials, type HmacKmsOptions, type SeedKeyInput, type WireOptions } from 'hmac-kms';
import { parseSeed, type SeedEntry } from './seed.js';

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
  /** Keys to seed before listening: `seedKey` inputs, or the JSON entries of `--seed FILE` (material in hex or base64). */
  seed?: readonly (SeedKeyInput | SeedEntry)[];
  onError?: WireOptions['onError'];
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly kms: HmacKms;
  /** Stops accepting connections, lets requests in flight finish, then closes idle connections. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) {
      req.resume(); // drain without keeping it
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    // a Buffer is a Uint8Array: one chunk is used as it is, several are joined once
    req.on('end', () => resolve(over ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
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

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const kms = options.kms ?? new HmacKms(options.kmsOptions);
  for (const entry of options.seed ?? []) await kms.seedKey(parseSeed(entry));
  const dispatch = createWireDispatcher(kms, { ...(options.credentials ? { credentials: options.credentials } : {}), ...(options.onError ? { onError: options.onError } : {}) });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const body = await readBody(req);
        if (!body) {
          const payload = JSON.stringify({ __type: 'RequestEntityTooLargeException', message: `The request body must not exceed ${MAX_BODY_BYTES} bytes.` });
          res.writeHead(413, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'RequestEntityTooLargeException', connection: 'close' });
          res.end(payload);
          return;
        }
        const target = req.url ?? '/';
        const q = target.indexOf('?');
        const wire = await dispatch(
          { method: req.method ?? 'GET', host: req.headers.host ?? '', path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1), headers: headersOf(req), body },
          { sourceIPAddress: req.socket.remoteAddress ?? 'unknown', ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}) },
        );
        // a string body: Node sets Content-Length and sends head and body in one write
        res.writeHead(wire.status, wire.headers);
        res.end(wire.body);
      } catch (e) {
        options.onError?.(e);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'KMSInternalException' }));
      }
    })();
  });
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4599, host, () => {
      server.off('error', reject);
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
