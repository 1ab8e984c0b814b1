// SigV4 verification: requests signed by an independent signer (@smithy/signature-v4, the AWS SDK's), then
// tampered with in every way that matters.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../helpers/node-sha256.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFetchHandler, HmacKms } from '../../src/index.js';
import { amzDate, sha256Hex, stringToSign, signature } from '../../src/wire/sigv4.js';
import { T0 } from '../helpers/kms.js';


const CREDENTIALS = {
  AKIDEXAMPLE: { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', principal: 'arn:aws:iam::111122223333:user/Alice' },
  AKIDBOB: { secretAccessKey: 'bob-secret', principal: 'arn:aws:iam::444455556666:user/Bob' },
};
const HOST = '127.0.0.1:4599';

interface Raw {
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** A request as the AWS SDK would sign it (optionally without x-amz-content-sha256, as the AWS CLI sends it). */
async function signed(
  body: string,
  target = 'ListKeys',
  opts: { accessKeyId?: string; secret?: string; region?: string; at?: Date; contentSha?: boolean | 'UNSIGNED-PAYLOAD'; unsignable?: string[] } = {},
): Promise<Raw> {
  const signer = new SignatureV4({
    service: 'kms',
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: opts.accessKeyId ?? 'AKIDEXAMPLE', secretAccessKey: opts.secret ?? CREDENTIALS.AKIDEXAMPLE.secretAccessKey },
    sha256: Sha256 as never,
    applyChecksum: opts.contentSha !== false,
  });
  const headers: Record<string, string> = {
    host: HOST,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `TrentService.${target}`,
    'content-length': String(Buffer.byteLength(body)),
  };
  if (opts.contentSha === 'UNSIGNED-PAYLOAD') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  else if (opts.contentSha ?? true) headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
  const req = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4599, path: '/', query: {}, headers, body },
    { signingDate: opts.at ?? T0, ...(opts.unsignable ? { unsignableHeaders: new Set(opts.unsignable) } : {}) },
  );
  return { method: 'POST', headers: req.headers as Record<string, string>, body };
}

function send(handle: (r: Request) => Promise<Response>, raw: Raw, url = `http://${HOST}/`) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(raw.headers)) if (k !== 'host' && k !== 'content-length') headers.set(k, v);
  return handle(new Request(url, { method: raw.method, headers, body: raw.body }));
}

async function setup(clock = T0) {
  const kms = new HmacKms({ clock: () => clock });
  return { kms, handle: createFetchHandler(kms, { credentials: CREDENTIALS }) };
}

async function errorOf(res: Response): Promise<{ status: number; type: string; message: string | undefined }> {
  const body = (await res.json()) as { __type: string; message?: string; Message?: string };
  return { status: res.status, type: body.__type, message: body.message ?? body.Message };
}

const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

describe('SigV4', () => {
  it('a request signed by the AWS SDK signer is accepted and runs as the credential principal', async () => {
    const { handle } = await setup();
    const res = await send(handle, await signed('{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}', 'CreateKey'));
    // Alice has no IAM policy: the request was authenticated and authorized as Alice
    expect(await errorOf(res)).toEqual({ status: 400, type: 'AccessDeniedException', message: 'User: arn:aws:iam::111122223333:user/Alice is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action' });
  });

  it('CLI-style: no x-amz-content-sha256 header, the payload hash is computed', async () => {
    const { kms, handle } = await setup();
    kms.putIdentityPolicy('arn:aws:iam::111122223333:user/Alice', 'all', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }));
    const raw = await signed('{ "Limit": 5 }', 'ListKeys', { contentSha: false });
    expect(raw.headers['x-amz-content-sha256']).toBeUndefined();
    const res = await send(handle, raw);
    expect(res.status).toBe(200);
  });

  it('the Region is the one of the credential scope', async () => {
    const { kms, handle } = await setup();
    kms.putIdentityPolicy('arn:aws:iam::111122223333:user/Alice', 'all', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }));
    const res = await send(handle, await signed('{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}', 'CreateKey', { region: 'ap-northeast-1' }));
    const body = (await res.json()) as { KeyMetadata: { Arn: string } };
    expect(body.KeyMetadata.Arn).toMatch(/^arn:aws:kms:ap-northeast-1:111122223333:key\//);
  });

  const REFUSALS: [label: string, make: () => Promise<Raw>, type: string, message: string | RegExp][] = [
    ['a tampered body', async () => ({ ...(await signed('{"Limit":5}', 'ListKeys', { contentSha: false })), body: '{"Limit":6}' }), 'InvalidSignatureException', MISMATCH],
    ['a tampered body under a signed x-amz-content-sha256', async () => ({ ...(await signed('{"Limit":5}')), body: '{"Limit":6}' }), 'InvalidSignatureException',
      "The provided 'x-amz-content-sha256' header does not match what was computed."],
    ['a tampered signed header', async () => {
      const r = await signed('{}', 'ListKeys');
      return { ...r, headers: { ...r.headers, 'x-amz-target': 'TrentService.ListAliases' } };
    }, 'InvalidSignatureException', MISMATCH],
    ['a wrong secret', () => signed('{}', 'ListKeys', { secret: 'not-the-secret' }), 'InvalidSignatureException', MISMATCH],
    ['an unknown access key', () => signed('{}', 'ListKeys', { accessKeyId: 'AKIDUNKNOWN' }), 'UnrecognizedClientException', 'The security token included in the request is invalid.'],
    ['no Authorization header', async () => {
      const r = await signed('{}');
      const { authorization: _a, ...headers } = r.headers;
      return { ...r, headers };
    }, 'MissingAuthenticationTokenException', 'Missing Authentication Token'],
    ['6 minutes of skew into the past', () => signed('{}', 'ListKeys', { at: new Date(T0.getTime() - 6 * 60_000) }), 'InvalidSignatureException',
      'Signature expired: 20251231T235400Z is now earlier than 20251231T235500Z (20260101T000000Z - 5 min.)'],
    ['6 minutes of skew into the future', () => signed('{}', 'ListKeys', { at: new Date(T0.getTime() + 6 * 60_000) }), 'InvalidSignatureException',
      'Signature not yet current: 20260101T000600Z is still later than 20260101T000500Z (20260101T000000Z + 5 min.)'],
    ['a malformed Authorization header', async () => {
      const r = await signed('{}');
      return { ...r, headers: { ...r.headers, authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/kms/aws4_request' } };
    }, 'IncompleteSignatureException', "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."],
    ['a scope for another service', async () => {
      const r = await signed('{}');
      return { ...r, headers: { ...r.headers, authorization: r.headers.authorization!.replace('/kms/', '/sqs/') } };
    }, 'InvalidSignatureException', "Credential should be scoped to correct service: 'kms'."],
    ['a scope date that is not the request date', async () => {
      const r = await signed('{}');
      return { ...r, headers: { ...r.headers, authorization: r.headers.authorization!.replace('/20260101/', '/20251231/') } };
    }, 'InvalidSignatureException', "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from '20260101T000000Z'."],
    // issue #10.4: a signature must cover the operation and the body
    ['a DescribeKey signature replayed as ScheduleKeyDeletion (X-Amz-Target left unsigned)', async () => {
      const r = await signed('{"KeyId":"11111111-1111-4111-8111-111111111111"}', 'DescribeKey', { unsignable: ['x-amz-target'] });
      expect(r.headers.authorization).not.toContain('x-amz-target');
      return { ...r, headers: { ...r.headers, 'x-amz-target': 'TrentService.ScheduleKeyDeletion' } };
    }, 'InvalidSignatureException', "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."],
    ['any other x-amz-* header left unsigned', async () => {
      const r = await signed('{}', 'ListKeys');
      return { ...r, headers: { ...r.headers, 'x-amz-security-token': 'injected' } };
    }, 'InvalidSignatureException', "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."],
    ['UNSIGNED-PAYLOAD with the body swapped', async () => ({ ...(await signed('{"Limit":5}', 'ListKeys', { contentSha: 'UNSIGNED-PAYLOAD' })), body: '{"Limit":6}' }),
      'InvalidSignatureException', "UNSIGNED-PAYLOAD is not accepted: 'x-amz-content-sha256' must be the SHA-256 of the request body."],
    // issue #10.13: a scope Region that is no Region name is a 400, not a 500
    ...['foo', 'us-east-1-', 'US-EAST-1'].map((region) => [`the scope Region ${region}`, async () => {
      const r = await signed('{}');
      return { ...r, headers: { ...r.headers, authorization: r.headers.authorization!.replace('/us-east-1/', `/${region}/`) } };
    }, 'InvalidSignatureException', 'Credential should be scoped to a valid region.'] as [string, () => Promise<Raw>, string, string]),
    ['no X-Amz-Date', async () => {
      const r = await signed('{}');
      const { 'x-amz-date': _d, ...headers } = r.headers;
      return { ...r, headers };
    }, 'IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."],
  ];

  it.each(REFUSALS)('refuses %s', async (_label, make, type, message) => {
    const { handle } = await setup();
    const e = await errorOf(await send(handle, await make()));
    expect(e.status).toBe(400);
    expect(e.type).toBe(type);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });

  it('4 minutes of skew is fine', async () => {
    const { kms, handle } = await setup();
    kms.putIdentityPolicy('arn:aws:iam::111122223333:user/Alice', 'all', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }));
    expect((await send(handle, await signed('{}', 'ListKeys', { at: new Date(T0.getTime() - 4 * 60_000) }))).status).toBe(200);
    expect((await send(handle, await signed('{}', 'ListKeys', { at: new Date(T0.getTime() + 4 * 60_000) }))).status).toBe(200);
  });

  it('the Host the client signed is taken from the URL (browsers drop Host, workerd rewrites it)', async () => {
    const { kms, handle } = await setup();
    kms.putIdentityPolicy('arn:aws:iam::111122223333:user/Alice', 'all', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }));
    const raw = await signed('{}');
    expect((await send(handle, raw)).status).toBe(200);
    expect((await errorOf(await send(handle, raw, 'http://127.0.0.1:9999/'))).message).toBe(MISMATCH);
  });

  it('the signature derivation matches the AWS documentation example (GET iam ListUsers, 20150830)', () => {
    // AWS General Reference, "Signature Version 4 test suite" / "Examples of the complete Signature Version 4 signing
    // process": the canonical request, string to sign and signature of the IAM ListUsers example
    const req = {
      method: 'GET',
      host: 'iam.amazonaws.com',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-amz-date': '20150830T123600Z' },
      body: new Uint8Array(0),
    };
    const toSign = stringToSign(req, ['content-type', 'host', 'x-amz-date'], '20150830T123600Z', '20150830/us-east-1/iam/aws4_request', sha256Hex(req.body));
    expect(toSign).toBe('AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
    expect(amzDate(new Date('2015-08-30T12:36:00Z'))).toBe('20150830T123600Z');
    expect(signature).toBeTypeOf('function');
  });

  it('without credentials, unsigned requests are accepted as the account root', async () => {
    const kms = new HmacKms({ clock: () => T0 });
    const handle = createFetchHandler(kms);
    const res = await handle(new Request(`http://${HOST}/`, { method: 'POST', body: '{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.CreateKey' } }));
    expect(res.status).toBe(200);
  });

  it('without credentials, a scope Region that is no Region name is a 400 too', async () => {
    const handle = createFetchHandler(new HmacKms({ clock: () => T0 }));
    for (const region of ['foo', 'us-east-1-']) {
      const res = await handle(new Request(`http://${HOST}/`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys', authorization: `AWS4-HMAC-SHA256 Credential=AKID/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=00` } }));
      expect(await errorOf(res)).toEqual({ status: 400, type: 'InvalidSignatureException', message: 'Credential should be scoped to a valid region.' });
    }
  });

  it('a credentials table that names no valid principal is a programming error', () => {
    expect(() => createFetchHandler(new HmacKms(), { credentials: { X: { secretAccessKey: 's', principal: 'bob' } } })).toThrow(TypeError);
  });
});
