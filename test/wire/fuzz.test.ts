// Issue #10, "keep them fixed": random and mutated AWS JSON 1.1 requests — bodies, headers, signatures — against the
// fetch handler (with and without credentials) and the Node server. Every answer is a well-formed AWS error or
// success: never a 500 caused by input, never a hang. Bounded in count and time; fast-check prints the seed.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../helpers/node-sha256.js';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchHandler, HmacKms } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { OPERATION_SHAPES } from '../../src/model/kms-shapes.generated.js';
import { IDS, MATERIAL, T0 } from '../helpers/kms.js';
import { propertyOptions } from '../helpers/property.js';


const CREDENTIALS = { AKIDFUZZ: { secretAccessKey: 'fuzz-secret', principal: 'arn:aws:iam::111122223333:root' } };
const OPERATIONS = Object.keys(OPERATION_SHAPES);
const HOST = '127.0.0.1:4599';

interface Req {
  method: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

const json = fc.jsonValue({ maxDepth: 3 });
/** Plausible members with wrong, odd or hostile values. */
const member = fc.oneof(
  fc.constant(IDS.k256),
  fc.constant('alias/fuzz'),
  fc.constant(`arn:aws:kms:us-east-1:111122223333:key/${IDS.k256}`),
  fc.constant('HMAC_SHA_256'),
  fc.constant('aGVsbG8='),
  fc.constant('not base64!'),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 3000, maxLength: 9000 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  json,
);
const memberName = fc.constantFrom('KeyId', 'Message', 'Mac', 'MacAlgorithm', 'GrantTokens', 'Tags', 'Policy', 'Limit', 'Marker', 'AliasName', 'TargetKeyId', 'Operations', 'GranteePrincipal', 'KeySpec', 'KeyUsage', 'DryRun', '__proto__', 'constructor', 'Description');

const body = fc.oneof(
  fc.dictionary(memberName, member, { maxKeys: 5 }).map((o) => new TextEncoder().encode(JSON.stringify(o))),
  json.map((v) => new TextEncoder().encode(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 300 }), // not UTF-8, not JSON
  fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
  fc.constant(new TextEncoder().encode('{"KeyId": "' + IDS.k256 + '", "Message": "aGk=", "MacAlgorithm": "HMAC_SHA_256"')), // cut short
  fc.constant(new TextEncoder().encode(`{"a":${'['.repeat(5000)}`)), // deep nesting
);

const request_ = fc.record({
  method: fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', 'PATCH') }),
  contentType: fc.oneof({ weight: 8, arbitrary: fc.constant('application/x-amz-json-1.1') }, { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', '', 'application/x-amz-json-1.1; charset=utf-8', 'APPLICATION/X-AMZ-JSON-1.1') }),
  target: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...OPERATIONS).map((o) => `TrentService.${o}`) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: fc.constantFrom('TrentService.', 'TrentService.SeedKey', 'TrentService.constructor', 'TrentService.__proto__', 'TrentService.toString') }),
  body,
  extra: fc.dictionary(fc.constantFrom('authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'x-amz-user-agent', 'content-encoding'), fc.oneof(fc.string({ maxLength: 60 }), fc.constant('AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00'), fc.constant('AWS4-HMAC-SHA256 Credential=a/b/c'), fc.constant('UNSIGNED-PAYLOAD')), { maxKeys: 3 }),
});

function toReq(r: typeof request_ extends fc.Arbitrary<infer T> ? T : never): Req {
  const headers: Record<string, string> = { 'x-amz-target': r.target, ...r.extra };
  if (r.contentType) headers['content-type'] = r.contentType;
  return { method: r.method, headers, body: r.body };
}

/** A request signed by the AWS SDK's signer, then mutated: one header value, one body byte, or the signature. */
const signedMutation = fc.record({ op: fc.constantFrom('ListKeys', 'GenerateMac', 'DescribeKey', 'CreateKey'), mutate: fc.nat(5), at: fc.nat(), value: fc.string({ maxLength: 20 }) });

async function signedRequest(m: { op: string; mutate: number; at: number; value: string }): Promise<Req> {
  const text = m.op === 'GenerateMac' ? JSON.stringify({ KeyId: IDS.k256, Message: 'aGk=', MacAlgorithm: 'HMAC_SHA_256' }) : m.op === 'CreateKey' ? '{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}' : m.op === 'DescribeKey' ? JSON.stringify({ KeyId: IDS.k256 }) : '{}';
  const signer = new SignatureV4({ service: 'kms', region: 'us-east-1', credentials: { accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz-secret' }, sha256: Sha256 as never });
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4599, path: '/', query: {}, headers: { host: HOST, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${m.op}`, 'x-amz-content-sha256': createHash('sha256').update(text).digest('hex') }, body: text },
    { signingDate: T0 },
  );
  const headers = { ...(signed.headers as Record<string, string>) };
  let bytes = new TextEncoder().encode(text);
  const names = Object.keys(headers);
  switch (m.mutate) {
    case 0:
      break; // intact: must succeed
    case 1:
      headers[names[m.at % names.length]!] = m.value;
      break;
    case 2:
      bytes = bytes.map((b, i) => (i === m.at % bytes.length ? b ^ 0x20 : b));
      break;
    case 3:
      headers.authorization = headers.authorization!.replace(/Signature=[0-9a-f]+/, `Signature=${m.value}`);
      break;
    case 4:
      headers.authorization = headers.authorization!.slice(0, m.at % headers.authorization!.length);
      break;
    case 5:
      delete headers[names[m.at % names.length]!];
      break;
  }
  return { method: 'POST', headers, body: bytes };
}

/** What every answer must be: 200 with JSON (or nothing), or an AWS error of a client status with `__type`. */
function expectWellFormed(status: number, headers: Record<string, string>, text: string, what: string): void {
  expect([200, 400, 404, 405, 413], `${what}: status ${status} ${text.slice(0, 200)}`).toContain(status);
  if (status === 200) {
    if (text) expect(() => JSON.parse(text), what).not.toThrow();
    return;
  }
  const parsed = JSON.parse(text) as { __type?: unknown; message?: unknown; Message?: unknown };
  expect(typeof parsed.__type, `${what}: ${text}`).toBe('string');
  expect(headers['x-amzn-errortype'], what).toBe(parsed.__type);
  if (parsed.message !== undefined) expect(typeof parsed.message).toBe('string');
}

async function world() {
  const kms = new HmacKms({ clock: () => T0 });
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 });
  await kms.createAlias({ AliasName: 'alias/fuzz', TargetKeyId: IDS.k256 });
  return kms;
}

const internalErrors: unknown[] = [];
const onError = (e: unknown) => internalErrors.push(e);

describe('wire fuzz: the fetch handler', () => {
  it.each([['without credentials', undefined], ['with credentials', CREDENTIALS]] as const)('random requests %s: well-formed answers, no 500, no hang', async (_label, credentials) => {
    const handle = createFetchHandler(await world(), { ...(credentials ? { credentials } : {}), onError });
    await fc.assert(
      fc.asyncProperty(request_, async (r) => {
        const q = toReq(r);
        const hasBody = q.method !== 'GET' && q.method !== 'HEAD';
        const res = await withTimeout(handle(new Request(`http://${HOST}/`, { method: q.method, headers: q.headers, ...(hasBody ? { body: q.body as unknown as BodyInit } : {}) })), 2_000);
        const headers = Object.fromEntries(res.headers);
        expectWellFormed(res.status, headers, await res.text(), `${q.method} ${q.headers['x-amz-target']}`);
      }),
      propertyOptions(400),
    );
    expect(internalErrors).toEqual([]);
  });

  it('signed requests, then mutated: the intact ones succeed, every other answer is a well-formed refusal', async () => {
    const handle = createFetchHandler(await world(), { credentials: CREDENTIALS, onError });
    await fc.assert(
      fc.asyncProperty(signedMutation, async (m) => {
        const q = await signedRequest(m);
        const headers = new Headers();
        for (const [k, v] of Object.entries(q.headers)) if (k !== 'host' && k !== 'content-length') headers.set(k, v);
        const res = await withTimeout(handle(new Request(`http://${HOST}/`, { method: 'POST', headers, body: q.body as unknown as BodyInit })), 2_000);
        const text = await res.text();
        expectWellFormed(res.status, Object.fromEntries(res.headers), text, `${m.op} mutation ${m.mutate}`);
        if (m.mutate === 0) expect(res.status, text).toBe(200);
      }),
      propertyOptions(200),
    );
    expect(internalErrors).toEqual([]);
  });
});

describe('wire fuzz: the Node server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, kms: await world(), onError });
  });
  afterAll(() => server.close());

  it('random requests over HTTP: well-formed answers, no 500, no hang', async () => {
    await fc.assert(
      fc.asyncProperty(request_, async (r) => {
        const q = toReq(r);
        const res = await withTimeout(send(server.port, q), 3_000);
        expectWellFormed(res.status, res.headers, res.body, `${q.method} ${q.headers['x-amz-target']}`);
      }),
      propertyOptions(150),
    );
    expect(internalErrors).toEqual([]);
  });
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms: a hang`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)));
  });
}

function send(port: number, q: Req): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(q.headers)) if (/^[\x21-\x7e]*$/.test(v) && !/[\r\n]/.test(v)) headers[k] = v; // what Node lets a client send
    const req = request({ host: '127.0.0.1', port, method: q.method, path: '/', headers: { ...headers, 'content-length': String(q.body.length) }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: text }));
    });
    req.on('error', reject);
    req.end(q.body);
  });
}
