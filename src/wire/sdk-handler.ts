/**
 * `createSdkRequestHandler(kms, opts)`: plug hmac-kms into a real `KMSClient` in-process, with no socket:
 * `new KMSClient({ region, requestHandler: createSdkRequestHandler(kms) })`. The SDK's request is verified as the SDK
 * built it (its own headers: a browser `Request` would drop `host` and `content-length`, which the SDK signs), and the
 * response body is a `Uint8Array`, as the SDK's deserializers need.
 */
import type { HmacKms } from '../kms.js';
import { createWireDispatcher, type WireOptions } from './dispatch.js';

/** The parts of `@smithy/protocol-http` HttpRequest the handler reads. */
export interface SdkHttpRequest {
  method: string;
  protocol?: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null | undefined>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

const utf8 = new TextEncoder();

function queryString(query: SdkHttpRequest['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) parts.push(item === null || item === undefined ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(item)}`);
  }
  return parts.join('&');
}

function bodyBytes(body: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return utf8.encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('hmac-kms: the SDK request body must be a string or bytes');
}

export function createSdkRequestHandler(kms: HmacKms, options: WireOptions = {}) {
  const dispatch = createWireDispatcher(kms, options);
  return {
    async handle(request: SdkHttpRequest): Promise<{ response: SdkHttpResponse }> {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const host = headers.host ?? (request.port ? `${request.hostname}:${request.port}` : request.hostname);
      const res = await dispatch({ method: request.method, host, path: request.path || '/', query: queryString(request.query), headers, body: bodyBytes(request.body) });
      const body = utf8.encode(res.body);
      return { response: { statusCode: res.status, headers: { ...res.headers, 'content-length': String(body.length) }, body } };
    },
    updateHttpClientConfig(): void {},
    httpHandlerConfigs(): Record<string, never> {
      return {};
    },
    destroy(): void {},
  };
}
