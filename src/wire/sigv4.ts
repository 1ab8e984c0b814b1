/**
 * AWS Signature Version 4 verification (AWS General Reference, "Create a signed AWS API request"), on @noble/hashes so
 * that it runs in every runtime. Checks, in order: an Authorization header, its form, a known access key id, the
 * request time within 5 minutes, the credential scope (date, `kms`, `aws4_request`), a signed
 * x-amz-content-sha256 against the body, then the signature (compared in constant time).
 *
 * Pitfalls handled (TOOLCHAIN.md): the canonical request is rebuilt from SignedHeaders only, with the host the client
 * addressed (browsers and workerd drop or rewrite the Host header, so it comes from the URL) and the body's length when
 * a signed content-length was dropped; the raw body bytes are hashed, never a re-serialisation.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { MacKey } from '../crypto/mac-key.js';
import { toHex } from '../crypto/random.js';
import { isRegionName } from '../model/regions.js';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../errors.js';

/** A request as the verifier needs it, whatever door it came through. Header names are lower-case. */
export interface WireRequest {
  readonly method: string;
  /** The host (and port) the client addressed. */
  readonly host: string;
  /** The path, as sent (percent-encoded). */
  readonly path: string;
  /** The query string without `?`, as sent. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface Credential {
  readonly secretAccessKey: string;
  /** The caller the requests signed with this key act as (an IAM identity ARN, or an account id for its root). */
  readonly principal: string;
}
export type Credentials = Readonly<Record<string, Credential>>;

export interface VerifiedSignature {
  readonly accessKeyId: string;
  readonly region: string;
  readonly credential?: Credential;
}

const utf8 = new TextEncoder();
const MAX_SKEW_MS = 5 * 60 * 1000;
const AUTH = /^\s*AWS4-HMAC-SHA256\s/;
const SERVICE = 'kms';
const BAD_REGION = 'Credential should be scoped to a valid region.';

/** SHA-256 of a request body or canonical request, hex: the empty-key HMAC engine is a reusable hash state. */
const digestState = sha256.create();
let digestScratch: ReturnType<typeof sha256.create> | undefined;
const digestOut = new Uint8Array(32);
export function sha256Hex(data: Uint8Array): string {
  const s = (digestScratch = digestState._cloneInto(digestScratch));
  s.update(data);
  s.digestInto(digestOut);
  return toHex(digestOut);
}

/**
 * The hashing SigV4 verification needs: SHA-256 (hex) and a keyed HMAC-SHA-256 (hex) prepared once per signing key,
 * over bytes or text (text is hashed as UTF-8). The default is @noble/hashes (every runtime); the Node server passes
 * node:crypto's (OpenSSL), issue #13.
 */
export interface SigV4Crypto {
  sha256Hex(data: Uint8Array | string): string;
  /** HMAC-SHA-256 under `key`, prepared once and used for many messages; hex. */
  hmacSha256Hex(key: Uint8Array): (data: string) => string;
}

export const nobleSigV4Crypto: SigV4Crypto = {
  sha256Hex: (data) => sha256Hex(typeof data === 'string' ? utf8.encode(data) : data),
  hmacSha256Hex: (key) => {
    const mac = new MacKey(sha256, key);
    return (data) => toHex(mac.mac(utf8.encode(data)));
  },
};

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header. */
/** The value of `name=` in the comma-separated parameters of an Authorization header ('' when absent). */
function authParam(header: string, name: string): string {
  let at = header.indexOf(name + '=');
  while (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ',') at = header.indexOf(name + '=', at + 1);
  if (at < 0) return '';
  const start = at + name.length + 1;
  const end = header.indexOf(',', start);
  return header.slice(start, end < 0 ? undefined : end).trim();
}

export function parseAuthorization(header: string): { accessKeyId: string; date: string; region: string; service: string; terminator: string; signedHeaders: string[]; signature: string } {
  if (!AUTH.test(header)) throw new IncompleteSignatureException(`Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${header}`);
  const params = { Credential: authParam(header, 'Credential'), Signature: authParam(header, 'Signature'), SignedHeaders: authParam(header, 'SignedHeaders') };
  const missing = (['Credential', 'Signature', 'SignedHeaders'] as const).filter((p) => !params[p]);
  if (missing.length) throw new IncompleteSignatureException(missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' '));
  const scope = params.Credential.split('/');
  if (scope.length !== 5) throw new IncompleteSignatureException(`Credential should have exactly 5 parts (access key id, date, region, service, aws4_request), got '${params.Credential}'.`);
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator, signedHeaders: params.SignedHeaders.split(';'), signature: params.Signature };
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~`. */
const uriEncode = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (s: string): string => {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
};

/** Non-S3 services encode each path segment twice (SigV4 reference, "canonical URI"). */
function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  return path
    .split('/')
    .map((segment) => uriEncode(uriEncode(decode(segment))))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const k = eq < 0 ? pair : pair.slice(0, eq);
      const v = eq < 0 ? '' : pair.slice(eq + 1);
      return [uriEncode(decode(k)), uriEncode(decode(v))] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** A header value as SigV4 canonicalizes it: trimmed, inner runs of whitespace as one space (a test first: most need neither). */
const trimValue = (v: string): string => (/^\s|\s$|\s\s|[\t\n\r]/.test(v) ? v.trim().replace(/\s+/g, ' ') : v);

/** `20130524T000000Z` <-> Date. */
export const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
let lastAmzDate: [string, Date | undefined] = ['', undefined];
function parseAmzDate(s: string): Date | undefined {
  if (lastAmzDate[0] === s) return lastAmzDate[1]; // the requests of one second share their X-Amz-Date
  const d = parseAmzDateOnce(s);
  lastAmzDate = [s, d];
  return d;
}
function parseAmzDateOnce(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const signingKeys = new WeakMap<SigV4Crypto, Map<string, (data: string) => string>>();
/**
 * kSigning = HMAC chain over date, Region, service, "aws4_request", cached per secret, date and Region as a prepared
 * HMAC (for noble, the pre-keyed engine that serves GenerateMac), so a signature costs one message hash.
 */
function signingKey(secret: string, date: string, region: string, c: SigV4Crypto): (data: string) => string {
  let cache = signingKeys.get(c);
  if (!cache) signingKeys.set(c, (cache = new Map()));
  const id = `${date}/${region}/${secret}`;
  let key = cache.get(id);
  if (!key) {
    const kDate = hmac(sha256, utf8.encode(`AWS4${secret}`), utf8.encode(date));
    const kRegion = hmac(sha256, kDate, utf8.encode(region));
    const kService = hmac(sha256, kRegion, utf8.encode(SERVICE));
    key = c.hmacSha256Hex(hmac(sha256, kService, utf8.encode('aws4_request')));
    if (cache.size > 256) cache.clear();
    cache.set(id, key);
  }
  return key;
}

/** The string to sign, from the request as received (exported for tests and for signing test requests). */
export function stringToSign(req: WireRequest, signedHeaders: readonly string[], amzDateValue: string, scope: string, payloadHash: string, c: SigV4Crypto = nobleSigV4Crypto): string {
  const canonicalHeaders = signedHeaders
    .map((name) => {
      let value = req.headers[name];
      if (name === 'host') value = req.host;
      else if (value === undefined && name === 'content-length') value = String(req.body.length);
      return `${name}:${trimValue(value ?? '')}\n`;
    })
    .join('');
  const canonicalRequest = [req.method.toUpperCase(), canonicalUri(req.path), canonicalQuery(req.query), canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
  return `AWS4-HMAC-SHA256\n${amzDateValue}\n${scope}\n${c.sha256Hex(canonicalRequest)}`;
}

export function signature(secret: string, date: string, region: string, toSign: string, c: SigV4Crypto = nobleSigV4Crypto): string {
  return signingKey(secret, date, region, c)(toSign);
}

/** Two hex signatures compared without an early exit on content (the lengths are public). */
function sameSignature(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  const lower = given.toLowerCase();
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ lower.charCodeAt(i);
  return diff === 0;
}

const fmt = (ms: number) => amzDate(new Date(ms));

/** `'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.`: the form of AWS's text for Host. */
const mustBeSigned = (name: string) => `'${name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())}' must be a 'SignedHeader' in the AWS Authorization.`;
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD is not accepted: 'x-amz-content-sha256' must be the SHA-256 of the request body.";

/**
 * Verifies a request's SigV4 signature against `credentials`. Without credentials any signature (or none) is
 * accepted and only the Region of the credential scope is read.
 */
export function verifySignature(req: WireRequest, credentials: Credentials | undefined, now: Date, defaultRegion: string, c: SigV4Crypto = nobleSigV4Crypto): VerifiedSignature {
  const header = req.headers.authorization;
  if (!credentials) {
    // any signature: only the access key id and the Region of the credential scope matter; a Region that is no
    // Region name is refused as a signed request's would be (issue #10.13: `foo` or `us-east-1-` made a 500)
    const scope = header ? authParam(header, 'Credential').split('/') : [];
    const region = scope[2];
    if (region !== undefined && !isRegionName(region)) throw new InvalidSignatureException(BAD_REGION);
    return { accessKeyId: scope[0] ?? '', region: region ?? defaultRegion };
  }
  // Texts: kinesalite and real KMS reports (docs/aws-error-texts.md §12)
  if (!header) throw new MissingAuthenticationTokenException('Missing Authentication Token');
  const auth = parseAuthorization(header);
  const credential = Object.prototype.hasOwnProperty.call(credentials, auth.accessKeyId) ? credentials[auth.accessKeyId] : undefined;
  if (!credential) throw new UnrecognizedClientException('The security token included in the request is invalid.');
  const dateHeader = req.headers['x-amz-date'];
  const when = dateHeader === undefined ? undefined : parseAmzDate(dateHeader);
  if (!when) throw new IncompleteSignatureException("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const t = now.getTime();
  if (when.getTime() < t - MAX_SKEW_MS) {
    throw new InvalidSignatureException(`Signature expired: ${dateHeader} is now earlier than ${fmt(t - MAX_SKEW_MS)} (${fmt(t)} - 5 min.)`);
  }
  if (when.getTime() > t + MAX_SKEW_MS) {
    throw new InvalidSignatureException(`Signature not yet current: ${dateHeader} is still later than ${fmt(t + MAX_SKEW_MS)} (${fmt(t)} + 5 min.)`);
  }
  if (auth.date !== dateHeader!.slice(0, 8)) {
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${dateHeader!.slice(0, 8)}', from '${dateHeader}'.`,
    );
  }
  if (auth.service !== SERVICE) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${SERVICE}'.`);
  if (!isRegionName(auth.region)) throw new InvalidSignatureException(BAD_REGION); // the model's RegionType
  if (auth.terminator !== 'aws4_request') throw new InvalidSignatureException("Credential should be scoped with a valid terminator: 'aws4_request'.");
  if (!auth.signedHeaders.includes('host')) throw new InvalidSignatureException(mustBeSigned('host'));
  // the signature must cover the operation and everything else AWS-specific the request carries: an unsigned
  // X-Amz-Target let a DescribeKey signature be replayed as ScheduleKeyDeletion (issue #10.4)
  for (const name in req.headers) {
    if (name.startsWith('x-amz-') && !auth.signedHeaders.includes(name)) throw new InvalidSignatureException(mustBeSigned(name));
  }
  const actualHash = c.sha256Hex(req.body);
  const declared = req.headers['x-amz-content-sha256'];
  // an unsigned payload would let the body be swapped under a valid signature: KMS requests are small, sign them
  if (declared === 'UNSIGNED-PAYLOAD') throw new InvalidSignatureException(UNSIGNED_PAYLOAD);
  if (declared !== undefined && declared.toLowerCase() !== actualHash) {
    throw new InvalidSignatureException("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  const payloadHash = declared ?? actualHash; // the canonical request carries the header as sent
  const scope = `${auth.date}/${auth.region}/${SERVICE}/aws4_request`;
  const expected = signature(credential.secretAccessKey, auth.date, auth.region, stringToSign(req, auth.signedHeaders, dateHeader!, scope, payloadHash, c), c);
  if (!sameSignature(expected, auth.signature)) {
    throw new InvalidSignatureException(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { accessKeyId: auth.accessKeyId, region: auth.region, credential };
}
