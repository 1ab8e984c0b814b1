/**
 * `createFetchHandler(kms, { credentials })`: a web-standard `(Request) => Promise<Response>` speaking AWS JSON 1.1,
 * for Cloudflare Workers (`export default { fetch }`), Deno, Bun, service workers and the Node server.
 */
import type { HmacKms } from '../kms.js';
import { createWireDispatcher, JSON_CONTENT_TYPE, MAX_BODY_BYTES, type WireOptions } from './dispatch.js';

export interface FetchHandlerOptions extends WireOptions {
  /** The client's address for audit records and `aws:SourceIp` (a runtime knows it; a plain Request does not). */
  clientIp?: (request: Request) => string | undefined;
}

const utf8 = new TextEncoder();

const tooLarge = () =>
  new Response(JSON.stringify({ __type: 'RequestEntityTooLargeException', message: `The request body must not exceed ${MAX_BODY_BYTES} bytes.` }), {
    status: 413,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-errortype': 'RequestEntityTooLargeException' },
  });

/** The body, or undefined when it is over the limit (refused from Content-Length, or as soon as the stream passes it). */
async function readBody(request: Request): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get('content-length'));
  if (declared > MAX_BODY_BYTES) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.length;
  }
  return body;
}

export function createFetchHandler(kms: HmacKms, options: FetchHandlerOptions = {}): (request: Request) => Promise<Response> {
  const dispatch = createWireDispatcher(kms, options);
  return async (request) => {
    const body = await readBody(request);
    if (!body) return tooLarge();
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    const sourceIp = options.clientIp?.(request);
    // the host the client addressed: from the URL, because browsers drop Host and workerd rewrites it
    const res = await dispatch(
      { method: request.method, host: url.host, path: url.pathname, query: url.search.slice(1), headers, body },
      sourceIp ? { sourceIPAddress: sourceIp } : {},
    );
    return new Response(res.body || null, { status: res.status, headers: { ...res.headers, 'content-length': String(utf8.encode(res.body).length) } });
  };
}
