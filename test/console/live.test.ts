// Issue #14: the live view's stream, GET /console/events — subscribed to the audit records only while watched, each
// call cut down to the fields the page shows, batched so that a burst of 10,000 calls is a handful of messages that
// still count every call, scoped with credentials to the principal's own calls and the calls on keys its key table
// lists (issue #14.2: it "shows only what that principal may list"), and ended when the server closes.
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { createLiveCalls } from '../../src/node/console/live-calls.js';
import { OPEN_VIEWER } from '../../src/node/console/access.js';
import { basic, callsOf, countedOf, get, openStream, sleep } from './helpers.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const LIST_KEYS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:ListKeys', 'kms:ListAliases'], Resource: '*' }] };
/** The calls of the endpoint's clients received (the console's own calls aside). */
const endpointCalls = (events: Parameters<typeof callsOf>[0]) => callsOf(events).filter((c) => c.console === false);
const mac = { Message: new TextEncoder().encode('live'), MacAlgorithm: 'HMAC_SHA_256' as const };

let server: RunningServer | undefined;
let plain: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await new Promise<void>((r) => (plain ? plain.close(() => r()) : r()));
  plain = undefined;
});

describe('the stream hub', () => {
  it('subscribes to the audit records with the first client and unsubscribes when the last one goes (an unwatched server pays nothing)', async () => {
    const log: string[] = [];
    let listener: ((e: AuditEvent) => void) | undefined;
    const hub = createLiveCalls({
      subscribe: (l) => {
        log.push('subscribe');
        listener = l;
        return () => {
          log.push('unsubscribe');
          listener = undefined;
        };
      },
      flushMs: 10,
    });
    plain = createServer((_req, res) => hub.connect(res, OPEN_VIEWER));
    await new Promise<void>((r) => plain!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;
    expect(log).toEqual([]);
    const one = await openStream(url);
    const two = await openStream(url);
    await one.until((events) => events.some((e) => e.event === 'hello'));
    expect(log).toEqual(['subscribe']);
    expect(hub.clients).toBe(2);
    one.close();
    await sleep(50);
    expect(log).toEqual(['subscribe']);
    two.close();
    await sleep(50);
    expect(log).toEqual(['subscribe', 'unsubscribe']);
    expect(listener).toBeUndefined();
    expect(hub.clients).toBe(0);
  });
});

describe('GET /console/events', () => {
  it('streams each call with time, operation, caller, key, outcome, Region, request id and account — nothing else', async () => {
    server = await startServer({ port: 0 });
    const { KeyMetadata } = await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const stream = await openStream(`${server.url}/console/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await stream.until((events) => events.some((e) => e.event === 'hello'));
    const ok = await server.kms.generateMac({ KeyId: KeyMetadata!.KeyId!, ...mac });
    const denied = await server.kms.as(`arn:aws:iam::${ACCOUNT}:user/Nobody`).generateMac({ KeyId: KeyMetadata!.KeyId!, ...mac }).catch((e: { $metadata: { requestId: string } }) => e);
    await server.kms.generateMac({ KeyId: 'alias/missing', ...mac }).catch(() => {});
    await stream.until((events) => callsOf(events).length === 3);
    const calls = callsOf(stream.events);
    expect(calls[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), operation: 'GenerateMac', caller: `arn:aws:iam::${ACCOUNT}:root`, key: KeyMetadata!.Arn,
      outcome: 'Success', region: 'us-east-1', requestId: ok.$metadata.requestId, account: ACCOUNT, console: false,
    });
    expect(calls[1]).toMatchObject({ caller: `arn:aws:iam::${ACCOUNT}:user/Nobody`, outcome: 'AccessDenied', requestId: (denied as { $metadata: { requestId: string } }).$metadata.requestId });
    expect(calls[2]).toMatchObject({ key: 'alias/missing', outcome: 'NotFoundException' });
    expect(countedOf(stream.events)).toBe(3);
    stream.close();
  });

  it('a change tells the page to refresh its list; the console\'s own reads are marked and not counted', async () => {
    server = await startServer({ port: 0 });
    const stream = await openStream(`${server.url}/console/events`);
    await stream.until((events) => events.some((e) => e.event === 'hello'));
    const { KeyMetadata } = await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await stream.until((events) => events.some((e) => e.event === 'calls' && e.data.changed === true));
    expect(callsOf(stream.events)).toMatchObject([{ operation: 'CreateKey', key: KeyMetadata!.Arn, console: false }]);
    await get(`${server.url}/console/api/key?arn=${encodeURIComponent(KeyMetadata!.Arn!)}`);
    await stream.until((events) => callsOf(events).length === 6);
    const own = callsOf(stream.events).slice(1);
    expect(own.map((c) => c.operation)).toEqual(['DescribeKey', 'GetKeyPolicy', 'ListGrants', 'ListAliases', 'ListResourceTags']);
    expect(own.every((c) => c.console === true)).toBe(true);
    expect(countedOf(stream.events)).toBe(1);
    expect(stream.events.filter((e) => e.event === 'calls').slice(1).every((e) => e.data.changed === false)).toBe(true);
    stream.close();
  });

  it('a burst of 10,000 calls arrives as a few batched messages, at most maxPerFlush calls each, every call counted', async () => {
    server = await startServer({ port: 0 });
    const { KeyMetadata } = await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const stream = await openStream(`${server.url}/console/events`);
    await stream.until((events) => events.some((e) => e.event === 'hello'));
    const kms = server.kms;
    let last = '';
    for (let i = 0; i < 10_000; i++) {
      last = (await kms.generateMac({ KeyId: KeyMetadata!.KeyId!, ...mac })).$metadata.requestId!;
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let the server breathe, as a real client would
    }
    await stream.until((events) => countedOf(events) === 10_000, 10_000);
    const messages = stream.events.filter((e) => e.event === 'calls');
    expect(messages.length).toBeLessThan(100);
    expect(Math.max(...messages.map((m) => m.data.calls.length))).toBeLessThanOrEqual(500);
    const sent = callsOf(stream.events).length;
    expect(messages.at(-1)!.data.dropped).toBe(10_000 - sent);
    // the newest calls are the ones sent: the last call made is the last one received
    expect(callsOf(stream.events).at(-1)!.requestId).toBe(last);
    stream.close();
  }, 30_000);

  it('with credentials: a principal that may list keys sees the calls on its own account\'s keys only', async () => {
    server = await startServer({
      port: 0,
      credentials: { A: { secretAccessKey: 'a', principal: `arn:aws:iam::${ACCOUNT}:user/Watcher` }, B: { secretAccessKey: 'b', principal: OTHER } },
      seed: { IdentityPolicies: [{ Principal: `arn:aws:iam::${ACCOUNT}:user/Watcher`, PolicyName: 'list', PolicyDocument: LIST_KEYS }] },
    });
    expect((await openStream(`${server.url}/console/events`)).status).toBe(401);
    const mine = await openStream(`${server.url}/console/events`, { authorization: basic('A', 'a') });
    const theirs = await openStream(`${server.url}/console/events`, { authorization: basic('B', 'b') });
    await mine.until((events) => events.some((e) => e.event === 'hello' && e.data.principal === `arn:aws:iam::${ACCOUNT}:user/Watcher`));
    await theirs.until((events) => events.some((e) => e.event === 'hello'));
    await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'mine' });
    await server.kms.as(OTHER).createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'theirs' });
    await mine.until((events) => callsOf(events).length >= 1);
    await theirs.until((events) => callsOf(events).length >= 1);
    await sleep(300);
    expect(endpointCalls(mine.events).map((c) => c.account)).toEqual([ACCOUNT]);
    expect(endpointCalls(theirs.events).map((c) => c.account)).toEqual([OTHER]);
    mine.close();
    theirs.close();
  });

  it('with credentials: a principal without KMS permissions sees only its own calls; one that may list keys sees the calls on them, not others\' key-less calls', async () => {
    const lister = `arn:aws:iam::${ACCOUNT}:user/Lister`;
    const nobody = `arn:aws:iam::${ACCOUNT}:user/Nobody`;
    server = await startServer({
      port: 0,
      credentials: { L: { secretAccessKey: 'l', principal: lister }, N: { secretAccessKey: 'n', principal: nobody } },
      seed: { IdentityPolicies: [{ Principal: lister, PolicyName: 'list', PolicyDocument: LIST_KEYS }] },
    });
    const listing = await openStream(`${server.url}/console/events`, { authorization: basic('L', 'l') });
    const blind = await openStream(`${server.url}/console/events`, { authorization: basic('N', 'n') });
    await listing.until((events) => events.some((e) => e.event === 'hello'));
    await blind.until((events) => events.some((e) => e.event === 'hello'));
    const { KeyMetadata } = await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'the account\'s' });
    await server.kms.generateMac({ KeyId: KeyMetadata!.KeyId!, ...mac });
    await server.kms.as(nobody).generateMac({ KeyId: KeyMetadata!.Arn!, ...mac }).catch(() => {}); // AccessDenied
    await server.kms.as(`arn:aws:iam::${ACCOUNT}:user/Other`).listKeys({}).catch(() => {}); // on no key
    await listing.until((events) => endpointCalls(events).length >= 3);
    await blind.until((events) => endpointCalls(events).length >= 1);
    await sleep(300);
    expect(endpointCalls(listing.events).map((c) => [c.operation, c.caller, c.key, c.outcome])).toEqual([
      ['CreateKey', `arn:aws:iam::${ACCOUNT}:root`, KeyMetadata!.Arn, 'Success'],
      ['GenerateMac', `arn:aws:iam::${ACCOUNT}:root`, KeyMetadata!.Arn, 'Success'],
      ['GenerateMac', nobody, KeyMetadata!.Arn, 'AccessDenied'],
    ]);
    // the principal with no permission: its own call only — no key ARN, caller or operation of anyone else
    expect(endpointCalls(blind.events).map((c) => [c.operation, c.caller, c.outcome])).toEqual([['GenerateMac', nobody, 'AccessDenied']]);
    expect(callsOf(blind.events).every((c) => c.caller === nobody)).toBe(true);
    expect(countedOf(blind.events)).toBe(1);
    expect(blind.raw()).not.toContain(`:root`);
    // once it may list keys (a change of the world), it sees the calls on them
    server.kms.putIdentityPolicy(nobody, 'list', JSON.stringify(LIST_KEYS));
    await server.kms.describeKey({ KeyId: KeyMetadata!.KeyId! });
    await blind.until((events) => endpointCalls(events).some((c) => c.operation === 'DescribeKey'));
    expect(endpointCalls(blind.events).at(-1)).toMatchObject({ operation: 'DescribeKey', caller: `arn:aws:iam::${ACCOUNT}:root`, key: KeyMetadata!.Arn });
    listing.close();
    blind.close();
  });

  it('a stream outlives the server\'s request, headers and idle timeouts (it is one long response)', async () => {
    server = await startServer({ port: 0, timeouts: { headers: 300, request: 300, idle: 200 } });
    const stream = await openStream(`${server.url}/console/events`);
    await stream.until((events) => events.some((e) => e.event === 'hello'));
    await sleep(1200);
    await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await stream.until((events) => callsOf(events).length === 1);
    stream.close();
  });

  it('closing the server ends the streams at once (they would hold it open)', async () => {
    server = await startServer({ port: 0 });
    const stream = await openStream(`${server.url}/console/events`);
    await stream.until((events) => events.some((e) => e.event === 'hello'));
    const t = performance.now();
    await server.close();
    server = undefined;
    await stream.ended;
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

/** ListKeys over its own connection (as a new client would); rejects on a reset or after `ms`. */
function listKeysCall(url: string, ms = 3_000): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, timeout: ms, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - t }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms} ms`)));
    req.on('error', reject);
    req.end('{}');
  });
}

describe('#10.15\'s class: live streams cannot take the connections KMS clients need', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });
  const hello = (events: Parameters<typeof callsOf>[0]) => events.some((e) => e.event === 'hello');

  it('streams are capped at a quarter of the connection cap: more get 503 with Retry-After and their connection closed; KMS calls are served', async () => {
    // without the stream cap, four streams held the four connections for good and every KMS client was reset
    server = await startServer({ port: 0, maxConnections: 4 });
    const allowed = await openStream(`${server.url}/console/events`);
    expect(allowed.status).toBe(200);
    await allowed.until(hello);
    const extra = await Promise.all([1, 2, 3].map(() => openStream(`${server!.url}/console/events`)));
    for (const refused of extra) {
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.headers.connection).toBe('close');
      await refused.ended; // the server closes it: the connection is free again
      expect(refused.raw()).toContain('at most 1 live stream');
    }
    const answers = await Promise.all([1, 2, 3].map(() => listKeysCall(server!.url)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1_000);
    await allowed.until((events) => endpointCalls(events).filter((c) => c.operation === 'ListKeys').length === 3); // still live
    allowed.close();
  });

  it('at most 16 streams, however high the connection cap', async () => {
    server = await startServer({ port: 0, maxConnections: 1_000 });
    const streams = await Promise.all(Array.from({ length: 17 }, () => openStream(`${server!.url}/console/events`)));
    expect(streams.map((s) => s.status).sort()).toEqual([...Array<number>(16).fill(200), 503]);
    for (const s of streams) s.close();
  });

  it('at the connection cap with every other connection busy, a new KMS client closes a stream rather than being refused', async () => {
    server = await startServer({ port: 0, maxConnections: 4 });
    const stream = await openStream(`${server.url}/console/events`);
    await stream.until(hello);
    // three KMS requests whose bodies have just begun arriving: busy, and not yet slow enough to be closed
    for (let i = 0; i < 3; i++) {
      const s = connect(server.port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: TrentService.ListKeys\r\nContent-Length: 100\r\n\r\n{');
    }
    await sleep(50);
    const answer = await listKeysCall(server.url);
    expect(answer.status).toBe(200);
    await stream.ended; // the page's EventSource reconnects by itself
    expect(sockets.map((s) => s.destroyed)).toEqual([false, false, false]);
  });
});
