/**
 * The AWS JSON 1.1 door, independent of how bytes arrive: `POST /` with `Content-Type: application/x-amz-json-1.1` and
 * `X-Amz-Target: TrentService.<Operation>`, dispatched through the operation table. Errors are
 * `{"__type": "<Name>", "message": "..."}` (no message member when AWS sends none; SerializationException's member is
 * `Message`), with `x-amzn-RequestId` and `x-amzn-ErrorType`, HTTP 400 for client faults and 500 for server faults
 * (recorded: every KMS client error is 400). Nothing a client sends can crash it or leave half a change behind: the
 * pipeline validates everything before acting.
 */
import type { CallOrigin } from '../audit/cloudtrail.js';
import { KMSInternalException, KmsServiceException, SerializationException, UnknownOperationException } from '../errors.js';
import { assertHmacKms, INVOKE, WIRE, type HmacKms } from '../kms.js';
import { parseCaller } from '../model/principal.js';
import { partitionOf } from '../model/regions.js';
import { OPERATION_SHAPES } from '../model/kms-shapes.generated.js';
import { decodeBlobs, encodeJson } from './codec.js';
import { verifySignature, type Credentials, type SigV4Crypto, type WireRequest } from './sigv4.js';

export type { Credentials, Credential, SigV4Crypto } from './sigv4.js';

export interface WireOptions {
  /** Access keys the server accepts, each acting as a principal. Without them any signature (or none) is accepted. */
  credentials?: Credentials;
  /** Told of unexpected internal errors (answered as KMSInternalException). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * Told of every request once it is answered, for request logs: never a message, MAC, token or key material — only
   * the operation, the key or alias the request named, the caller, the HTTP status, the error name and the time taken.
   */
  onRequest?: (entry: RequestLogEntry) => void;
  /**
   * The SHA-256 and HMAC-SHA-256 that SigV4 verification uses (default: @noble/hashes, in every runtime). The Node
   * server passes node:crypto's.
   */
  sigv4Crypto?: SigV4Crypto;
}

/** One line of a request log. */
export interface RequestLogEntry {
  /** When the request arrived. */
  time: Date;
  /** The KMS operation (`GenerateMac`), or undefined when the request named none that exists. */
  operation: string | undefined;
  /** The key id, key ARN, alias name or alias ARN the request named (`KeyId`, `TargetKeyId` or `AliasName`). */
  key: string | undefined;
  /** The caller's ARN, once known (after the signature). */
  caller: string | undefined;
  region: string | undefined;
  status: number;
  /** The error's name (`__type`) when the request failed. */
  error: string | undefined;
  ms: number;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  /** The JSON text ('' for operations without output). Each door encodes it as it likes best. */
  body: string;
}

export const MAX_BODY_BYTES = 1024 * 1024;
export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'TrentService.';
const text = new TextDecoder('utf-8', { fatal: true });

/** The internal-error text: the model's description of KMSInternalException. */
const INTERNAL = 'The request was rejected because an internal exception occurred. The request can be retried.';

function respond(status: number, requestId: string, body: string, extra?: Record<string, string>): WireResponse {
  const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId };
  if (extra) Object.assign(headers, extra);
  return { status, headers, body };
}

export function errorResponse(error: KmsServiceException, requestId: string, status = error.$fault === 'server' ? 500 : 400): WireResponse {
  const body: Record<string, string> = { __type: error.name };
  if (error.message) body[error.name === 'SerializationException' ? 'Message' : 'message'] = error.message;
  return respond(status, requestId, JSON.stringify(body), { 'x-amzn-errortype': error.name });
}

/** `HmacKms` instances per (caller, Region), derived once from the one the door was given. */
function callerCache(kms: HmacKms) {
  const cache = new Map<string, HmacKms>();
  return (principal: string, region: string): HmacKms => {
    const id = `${principal}\u0000${region}`;
    let k = cache.get(id);
    if (!k) {
      k = kms.as(principal);
      if (region !== kms.region) k = k.inRegion(region);
      if (cache.size > 1024) cache.clear();
      cache.set(id, k);
    }
    return k;
  };
}

/**
 * The door: a handler of neutral requests (method, host, path, query, lower-case headers, body bytes), bound to one
 * HmacKms and its options. `createFetchHandler`, `createSdkRequestHandler` and the Node server are thin adapters
 * around it; so can be any other (an AWS Lambda handler, a test harness).
 */
export function createWireDispatcher(kms: HmacKms, options: WireOptions = {}): (req: WireRequest, origin?: Omit<CallOrigin, 'accessKeyId'>) => Promise<WireResponse> {
  const core = createWireCore(kms, options);
  return async (req, origin) => core(req, origin);
}

/**
 * The same door, answering at once when it can: without a durable store attached, a request is a synchronous
 * computation, and the Node server writes its answer without a promise in between (issue #13). A promise only when
 * the answer must wait for the disk.
 */
export function createWireCore(kms: HmacKms, options: WireOptions = {}): (req: WireRequest, origin?: Omit<CallOrigin, 'accessKeyId'>) => WireResponse | Promise<WireResponse> {
  assertHmacKms(kms); // an HmacKms of another copy of hmac-kms (its other build) is refused here, saying what to do
  const { credentials, sigv4Crypto } = options;
  const onError = options.onError ?? ((e: unknown) => console.error('hmac-kms: internal error', e));
  if (credentials) {
    for (const [id, c] of Object.entries(credentials)) {
      if (!c || typeof c.secretAccessKey !== 'string' || typeof c.principal !== 'string' || !parseCaller(c.principal)) {
        throw new TypeError(`credentials[${JSON.stringify(id)}] must be { secretAccessKey: string, principal: <IAM identity ARN or account id> }`);
      }
    }
  }
  const wire = kms[WIRE];
  const instanceFor = callerCache(kms);
  const defaultPrincipal = `arn:${partitionOf(kms.region)}:iam::${kms.accountId}:root`;
  const internal = (e: unknown, requestId: () => string): WireResponse => {
    if (e instanceof KmsServiceException) return errorResponse(e, e.$metadata.requestId ?? requestId());
    onError(e);
    return errorResponse(new KMSInternalException(INTERNAL), requestId());
  };

  const onRequest = options.onRequest;
  if (onRequest) {
    return function loggedDispatch(req, origin = {}) {
      const time = wire.now();
      const start = performance.now();
      const seen: Seen = {};
      const log = (res: WireResponse): WireResponse => {
        const error = res.status !== 200 ? res.headers['x-amzn-errortype'] : undefined;
        try {
          onRequest({ time, operation: seen.operation, key: seen.key, caller: seen.caller, region: seen.region, status: res.status, error, ms: performance.now() - start });
        } catch (e) {
          onError(e);
        }
        return res;
      };
      const res = dispatch(req, origin, seen);
      return res instanceof Promise ? res.then(log) : log(res);
    };
  }
  return dispatch;

  function dispatch(req: WireRequest, origin: Omit<CallOrigin, 'accessKeyId'> = {}, seen?: Seen): WireResponse | Promise<WireResponse> {
    // an id of our own only for answers made before the pipeline (which draws its own): none on the success path
    let ownId: string | undefined;
    const requestId = () => (ownId ??= wire.requestId());
    let operation: string;
    try {
      if (req.method !== 'POST' && req.method.toUpperCase() !== 'POST') {
        return respond(405, requestId(), JSON.stringify({ __type: 'UnknownOperationException', message: `Only POST is supported (got ${req.method}).` }), { allow: 'POST', 'x-amzn-errortype': 'UnknownOperationException' });
      }
      const rawType = req.headers['content-type'] ?? '';
      const contentType = rawType === JSON_CONTENT_TYPE ? rawType : rawType.split(';')[0]!.trim().toLowerCase();
      if (contentType !== JSON_CONTENT_TYPE) {
        // AWS answers 404 UnknownOperationException to a request that is not AWS JSON (measured on other JSON 1.1 services)
        return respond(404, requestId(), JSON.stringify({ __type: 'UnknownOperationException', message: `Content-Type must be ${JSON_CONTENT_TYPE} (got ${contentType || 'none'}).` }), { 'x-amzn-errortype': 'UnknownOperationException' });
      }
      const signed = verifySignature(req, credentials, wire.now(), kms.region, sigv4Crypto);
      const target = req.headers['x-amz-target'] ?? '';
      operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      if (!wire.hasOperation(operation)) return errorResponse(new UnknownOperationException(''), requestId());
      if (seen) {
        seen.operation = operation;
        seen.region = signed.region;
      }
      let json: unknown;
      try {
        json = JSON.parse(text.decode(req.body));
      } catch {
        return errorResponse(new SerializationException(''), requestId()); // AWS sends no message for an unparsable body
      }
      const input = decodeBlobs(OPERATION_SHAPES[operation as keyof typeof OPERATION_SHAPES][0], json);
      const target_ = instanceFor(signed.credential?.principal ?? defaultPrincipal, signed.region);
      if (seen) {
        seen.caller = target_.principal;
        const named = json !== null && typeof json === 'object' ? ((json as Record<string, unknown>).KeyId ?? (json as Record<string, unknown>).TargetKeyId ?? (json as Record<string, unknown>).AliasName) : undefined;
        if (typeof named === 'string') seen.key = named;
      }
      const userAgent = req.headers['user-agent'];
      const callOrigin: CallOrigin = userAgent || signed.accessKeyId ? { ...origin, ...(userAgent ? { userAgent } : {}), ...(signed.accessKeyId ? { accessKeyId: signed.accessKeyId } : {}) } : origin;
      const output = target_[INVOKE](operation, input, callOrigin);
      if (output instanceof Promise) return output.then((o) => answer(o, operation, requestId), (e: unknown) => internal(e, requestId));
      return answer(output, operation, requestId);
    } catch (e) {
      return internal(e, requestId);
    }
  }

  function answer(output: Record<string, unknown>, operation: string, requestId: () => string): WireResponse {
    const requestIdOut = (output.$metadata as { requestId?: string } | undefined)?.requestId ?? requestId();
    return respond(200, requestIdOut, wire.hasOutput(operation) ? encodeJson(output) : '');
  }
}

/** What a logged request revealed about itself on the way in. */
interface Seen {
  operation?: string;
  key?: string;
  caller?: string;
  region?: string;
}
