// The AWS JSON 1.1 protocol through createFetchHandler, byte by byte: every error path, and what comes back.
import { describe, expect, it, vi } from 'vitest';
import { createFetchHandler, HmacKms } from '../../src/index.js';
import { IDS, MATERIAL, T0 } from '../helpers/kms.js';
import { seededRandom } from '../helpers/seeded-random.js';

const URL_ = 'http://127.0.0.1:4599/';
const JSON_TYPE = 'application/x-amz-json-1.1';

async function setup(options: Parameters<typeof createFetchHandler>[1] = {}) {
  const kms = new HmacKms({ clock: () => T0, random: seededRandom(3) });
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 });
  return { kms, handle: createFetchHandler(kms, options) };
}

const call = (handle: (r: Request) => Promise<Response>, target: string | undefined, body: string | Uint8Array, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  handle(
    new Request(URL_, {
      method: 'POST',
      body: body as BodyInit,
      ...init,
      headers: { 'content-type': JSON_TYPE, ...(target ? { 'x-amz-target': `TrentService.${target}` } : {}), ...init.headers },
    }),
  );

/** A body that never ends, in 64 KiB chunks, counting how many were pulled. */
function endlessStream() {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new Uint8Array(64 * 1024));
    },
  });
  return { stream, pulled: () => pulled };
}

async function json(res: Response): Promise<unknown> {
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

describe('successful calls', () => {
  it('blobs are base64, timestamps epoch seconds, the request id in x-amzn-RequestId', async () => {
    const { handle } = await setup();
    const res = await call(handle, 'GenerateMac', JSON.stringify({ KeyId: IDS.k256, Message: Buffer.from('hi').toString('base64'), MacAlgorithm: 'HMAC_SHA_256' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(JSON_TYPE);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await json(res)) as { Mac: string; KeyId: string; MacAlgorithm: string };
    expect(Object.keys(body).sort()).toEqual(['KeyId', 'Mac', 'MacAlgorithm']);
    const { createHmac } = await import('node:crypto');
    expect(body.Mac).toBe(createHmac('sha256', MATERIAL.HMAC_256).update('hi').digest('base64'));
    const described = (await json(await call(handle, 'DescribeKey', JSON.stringify({ KeyId: IDS.k256 })))) as { KeyMetadata: { CreationDate: number } };
    expect(described.KeyMetadata.CreationDate).toBe(T0.getTime() / 1000);
  });

  it('operations without output answer 200 with an empty body', async () => {
    const { handle } = await setup();
    const res = await call(handle, 'DisableKey', JSON.stringify({ KeyId: IDS.k256 }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('content-length')).toBe('0');
  });

  it('the JSON of the AWS CLI (spaces, unknown members) is fine; nulls are absent members', async () => {
    const { handle } = await setup();
    const res = await call(handle, 'DescribeKey', `{ "KeyId" : "${IDS.k256}", "GrantTokens" : null, "Unknown" : 1 }`);
    expect(res.status).toBe(200);
  });
});

describe('errors', () => {
  const CASES: [label: string, target: string | undefined, body: string, init: Record<string, unknown>, status: number, expected: unknown][] = [
    ['a modelled error: lower-case message', 'DescribeKey', JSON.stringify({ KeyId: 'fake-key-id' }), {}, 400, { __type: 'NotFoundException', message: "Invalid keyId 'fake-key-id'" }],
    ['an error without text: no message member (recorded)', 'VerifyMac', JSON.stringify({ KeyId: IDS.k256, Message: 'aGk=', Mac: 'AAAA', MacAlgorithm: 'HMAC_SHA_256' }), {}, 400, { __type: 'KMSInvalidMacException' }],
    ['ValidationException', 'GenerateRandom', JSON.stringify({ NumberOfBytes: 0 }), {}, 400,
      { __type: 'ValidationException', message: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1" }],
    ['unknown target: no message (measured)', 'FrobnicateKey', '{}', {}, 400, { __type: 'UnknownOperationException' }],
    ['no target', undefined, '{}', {}, 400, { __type: 'UnknownOperationException' }],
    ['another service target', undefined, '{}', { headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' } }, 400, { __type: 'UnknownOperationException' }],
    ['an emulator-only operation is not on the wire', 'SeedKey', '{}', {}, 400, { __type: 'UnknownOperationException' }],
    ['unparsable JSON: no message (measured)', 'DescribeKey', '{"KeyId":', {}, 400, { __type: 'SerializationException' }],
    ['an empty body', 'ListKeys', '', {}, 400, { __type: 'SerializationException' }],
    ['not UTF-8', 'ListKeys', '\uFFFD', { body: new Uint8Array([0x7b, 0xff, 0x7d]) }, 400, { __type: 'SerializationException' }],
    ['a JSON list: Coral text, capital Message', 'ListKeys', '[]', {}, 400, { __type: 'SerializationException', Message: 'Start of list found where not expected' }],
    ['a wrong JSON type: capital Message (measured)', 'DescribeKey', JSON.stringify({ KeyId: 5 }), {}, 400, { __type: 'SerializationException', Message: 'NUMBER_VALUE can not be converted to a String' }],
    ['a blob that is not base64', 'GenerateMac', JSON.stringify({ KeyId: IDS.k256, Message: 'not base64!', MacAlgorithm: 'HMAC_SHA_256' }), {}, 400,
      { __type: 'SerializationException', Message: 'Base64 encoded value for member Message is not valid base64.' }],
    ['unpadded base64 is refused too', 'GenerateMac', JSON.stringify({ KeyId: IDS.k256, Message: 'aGk', MacAlgorithm: 'HMAC_SHA_256' }), {}, 400,
      { __type: 'SerializationException', Message: 'Base64 encoded value for member Message is not valid base64.' }],
    ['a blob of the wrong type', 'GenerateMac', JSON.stringify({ KeyId: IDS.k256, Message: 7, MacAlgorithm: 'HMAC_SHA_256' }), {}, 400,
      { __type: 'SerializationException', Message: 'NUMBER_VALUE can not be converted to a Blob' }],
  ];

  it.each(CASES)('%s', async (_label, target, body, init, status, expected) => {
    const { handle } = await setup();
    const res = await call(handle, target, (init.body as Uint8Array | undefined) ?? body, init as RequestInit & { headers?: Record<string, string> });
    expect(res.status).toBe(status);
    expect(await json(res)).toEqual(expected);
    expect(res.headers.get('x-amzn-errortype')).toBe((expected as { __type: string }).__type);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('content-type')).toBe(JSON_TYPE);
  });

  it('wrong method: 405 with Allow: POST', async () => {
    const { handle } = await setup();
    const res = await handle(new Request(URL_, { method: 'GET' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await json(res)).toEqual({ __type: 'UnknownOperationException', message: 'Only POST is supported (got GET).' });
  });

  it.each([['application/json'], ['text/plain']])('wrong content type %j: 404 UnknownOperationException (as AWS answers non-JSON requests)', async (type) => {
    const { handle } = await setup();
    const res = await handle(new Request(URL_, { method: 'POST', body: '{}', headers: { 'content-type': type, 'x-amz-target': 'TrentService.ListKeys' } }));
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ __type: 'UnknownOperationException', message: `Content-Type must be application/x-amz-json-1.1 (got ${type}).` });
  });

  it('no content type at all', async () => {
    const { handle } = await setup();
    const res = await handle(new Request(URL_, { method: 'POST', body: new Uint8Array([123, 125]), headers: { 'x-amz-target': 'TrentService.ListKeys' } }));
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ __type: 'UnknownOperationException', message: 'Content-Type must be application/x-amz-json-1.1 (got none).' });
  });

  it('a body over 1 MiB is refused from its Content-Length, without reading it', async () => {
    const { handle } = await setup();
    const { stream, pulled } = endlessStream();
    const res = await handle(new Request(URL_, { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': JSON_TYPE, 'content-length': String(2 * 1024 * 1024) } } as RequestInit));
    expect(res.status).toBe(413);
    expect(await json(res)).toEqual({ __type: 'RequestEntityTooLargeException', message: 'The request body must not exceed 1048576 bytes.' });
    expect(pulled()).toBeLessThanOrEqual(1);
  });

  it('a streamed body over 1 MiB is cut off as soon as it passes the limit', async () => {
    const { handle } = await setup();
    const { stream, pulled } = endlessStream();
    const res = await handle(new Request(URL_, { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': JSON_TYPE } } as RequestInit));
    expect(res.status).toBe(413);
    expect(pulled()).toBeLessThan(20); // 1 MiB is 16 chunks: the rest of the endless stream is never read
  });

  it('an internal failure is KMSInternalException (500), reported to onError, and the handler survives', async () => {
    let broken = true;
    const kms = new HmacKms({
      clock: () => {
        if (broken) throw new Error('clock on fire');
        return T0;
      },
    });
    const onError = vi.fn();
    const handle = createFetchHandler(kms, { onError });
    const res = await call(handle, 'ListKeys', '{}');
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({
      __type: 'KMSInternalException',
      message: 'The request was rejected because an internal exception occurred. The request can be retried.',
    });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'clock on fire' }));
    broken = false;
    expect((await call(handle, 'ListKeys', '{}')).status).toBe(200);
  });

  it('hostile input never changes state half-way: a failed call leaves every key as it was', async () => {
    const { kms, handle } = await setup();
    const before = JSON.stringify(await kms.describeKey({ KeyId: IDS.k256 }), (k, v) => (k === '$metadata' ? undefined : v));
    for (const body of ['{"KeyId":"' + IDS.k256 + '","Tags":[{"TagKey":"a","TagValue":"b"},{"TagKey":"aws:x","TagValue":"c"}]}', '{"KeyId":"' + IDS.k256 + '","Tags":"x"}', '{"KeyId":"' + IDS.k256 + '","Tags":[null]}']) {
      const res = await call(handle, 'TagResource', body);
      expect(res.status).toBe(400);
    }
    expect((await kms.listResourceTags({ KeyId: IDS.k256 })).Tags).toEqual([]);
    expect(JSON.stringify(await kms.describeKey({ KeyId: IDS.k256 }), (k, v) => (k === '$metadata' ? undefined : v))).toBe(before);
  });
});
