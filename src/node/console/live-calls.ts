/**
 * The live view's stream (issue #14): the audit trail as Server-Sent Events on `GET /console/events`.
 *
 * - Subscribed to the emulator's audit records only while at least one client is connected: an unwatched server
 *   builds no audit record for the console.
 * - Each record is cut down to a `LiveCall` — time, operation, caller, key, outcome, Region, request id, account —
 *   by naming each field it keeps: request parameters, response elements and error messages never leave (the audit
 *   record holds no message, MAC, token or material either, but nothing else of it is needed).
 * - Batched: one SSE message per client every `flushMs` (150 ms) at most, with at most `maxPerFlush` calls (the
 *   newest) and the count of every call per second by outcome (the console's own calls aside), so that a burst of
 *   10,000 calls is a few messages and the page's chart still counts them all. A client that reads slower than the server writes gets counts only
 *   until it drains.
 * - With credentials, a client sees what its principal may list (issue #14.2): the calls the principal made, and the
 *   calls on the keys its key table lists (`listed`, decided by ListKeys and ListAliases as the principal). Calls by
 *   others on keys it may not list, and others' calls on no key (ListKeys, a CreateKey refused), stay hidden.
 */
import type { ServerResponse } from 'node:http';
import type { AuditEvent } from 'hmac-kms';
import type { Viewer } from './access.js';

/** Streams open at once at most, whatever the server's connection cap (a console page holds one). */
export const MAX_STREAMS = 16;

/** Seconds a stream refused for their number is told to wait (Retry-After); the page tries again after as long. */
export const STREAM_RETRY_AFTER = 10;

/** One call as the live view shows it. */
export interface LiveCall {
  /** eventTime: ISO 8601 to the second, as CloudTrail's. */
  time: string;
  operation: string;
  /** The caller's ARN. */
  caller: string;
  /** The key ARN the call acted on, or else the key id or alias the request named. */
  key: string | undefined;
  /** `Success`, or the error code (`AccessDenied`, `NotFoundException`, ...). */
  outcome: string;
  region: string;
  requestId: string;
  /** The account whose resources the call used (recipientAccountId). */
  account: string;
  /** Made by the console itself (its listing and detail calls), not by a client of the endpoint. */
  console: boolean;
}

/** A call waiting for the next message. */
interface Pending {
  call: LiveCall;
  second: number;
  changed: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, 2048) : undefined);

/** The key a call named, from the fields of the record that name keys (never anything else of the request). */
function keyOf(e: AuditEvent): string | undefined {
  const resource = e.resources?.[0]?.ARN;
  if (resource) return resource;
  const created = (e.responseElements?.keyMetadata as { arn?: unknown } | undefined)?.arn;
  if (typeof created === 'string') return created;
  const p = e.requestParameters;
  return p ? (str(p.keyId) ?? str(p.targetKeyId) ?? str(p.aliasName)) : undefined;
}

/** The fields of an audit record the live view shows, each named. */
export function liveCall(e: AuditEvent, byConsole: boolean): LiveCall {
  return {
    time: e.eventTime,
    operation: e.eventName,
    caller: e.userIdentity.arn,
    key: keyOf(e),
    outcome: e.errorCode ?? 'Success',
    region: e.awsRegion,
    requestId: e.requestID,
    account: e.recipientAccountId,
    console: byConsole,
  };
}

interface Client {
  res: ServerResponse;
  viewer: Viewer;
  /** Writing would buffer: send counts only until 'drain'. */
  blocked: boolean;
  /** Calls not sent to this client (bursts, a slow reader) since it connected. */
  dropped: number;
}

export interface LiveCallsOptions {
  /** Adds a reader of the audit records; returns the function that removes it (`addAuditListener`). */
  subscribe: (listener: (event: AuditEvent) => void) => () => void;
  /** Milliseconds between messages (default 150). */
  flushMs?: number;
  /** Calls per message at most (default 500); the rest are counted. */
  maxPerFlush?: number;
  /** Milliseconds between keep-alive comments (default 15,000). */
  pingMs?: number;
  /** Which key ARNs a viewer with a principal may see the calls on (default: every key). */
  listed?: (viewer: Viewer) => Promise<(arn: string) => boolean>;
  /** Told of an unexpected failure while sending (the message is not sent). */
  onError?: (e: unknown) => void;
}

/** The stream's hub: clients, the audit subscription while there are any, and the batching. */
export function createLiveCalls(options: LiveCallsOptions) {
  const flushMs = options.flushMs ?? 150;
  const maxPerFlush = options.maxPerFlush ?? 500;
  const pingMs = options.pingMs ?? 15_000;
  const clients = new Set<Client>();
  let pending: Pending[] = [];
  let unsubscribe: (() => void) | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  /** Set while the console makes a call of its own: the audit record arrives synchronously within the call. */
  let consoleCalling = false;

  const onEvent = (e: AuditEvent) => {
    const call = liveCall(e, consoleCalling);
    const second = Math.floor(Date.parse(e.eventTime) / 1000);
    pending.push({ call, second, changed: !e.readOnly && e.errorCode === undefined });
    flushTimer ??= setTimeout(flush, flushMs);
  };

  const listed = options.listed ?? (async () => () => true);
  const onError = options.onError ?? (() => {});
  /** A flush is under way (deciding a viewer's keys may call KMS): the next one waits for it. */
  let flushing = false;

  async function flush(): Promise<void> {
    flushTimer = undefined;
    if (flushing) {
      flushTimer = setTimeout(flush, flushMs);
      return;
    }
    flushing = true;
    try {
      const batch = pending;
      pending = [];
      for (const client of [...clients]) {
        if (clients.has(client)) await flushTo(client, batch);
      }
    } catch (e) {
      onError(e);
    } finally {
      flushing = false;
    }
  }

  async function flushTo(client: Client, batch: readonly Pending[]): Promise<void> {
    const principal = client.viewer.principal;
    let sees: (p: Pending) => boolean = () => true;
    if (principal !== undefined) {
      const has = await listed(client.viewer);
      sees = (p) => p.call.caller === principal || (p.call.key !== undefined && has(p.call.key));
    }
    const counts = new Map<number, [number, number]>();
    const calls: LiveCall[] = [];
    let changed = false;
    for (const p of batch) {
      if (!sees(p)) continue;
      // the chart counts the endpoint's calls: the console's own reads are listed (marked), never counted
      if (!p.call.console) {
        let c = counts.get(p.second);
        if (!c) counts.set(p.second, (c = [0, 0]));
        c[p.call.outcome === 'Success' ? 0 : 1]++;
      }
      calls.push(p.call);
      changed ||= p.changed;
    }
    if (calls.length === 0) return;
    const sent = client.blocked ? [] : calls.slice(-maxPerFlush);
    client.dropped += calls.length - sent.length;
    const message = { calls: sent, counts: [...counts].map(([s, [ok, err]]) => [s, ok, err]), dropped: client.dropped, changed };
    write(client, `event: calls\ndata: ${JSON.stringify(message)}\n\n`);
  }

  function write(client: Client, text: string): void {
    if (client.res.writableEnded || client.res.destroyed) return;
    if (!client.res.write(text)) {
      client.blocked = true;
      client.res.once('drain', () => (client.blocked = false));
    }
  }

  function remove(client: Client): void {
    if (!clients.delete(client)) return;
    if (clients.size === 0) {
      unsubscribe?.();
      unsubscribe = undefined;
      clearInterval(pingTimer);
      pingTimer = undefined;
      clearTimeout(flushTimer);
      flushTimer = undefined;
      pending = [];
    }
  }

  return {
    /** Connected clients. */
    get clients(): number {
      return clients.size;
    },

    /** Serves the stream to one client until it goes (or `close`). */
    connect(res: ServerResponse, viewer: Viewer): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // one long response per connection: closing the stream closes the connection, so the server can stop
        connection: 'close',
      });
      res.flushHeaders();
      const client: Client = { res, viewer, blocked: false, dropped: 0 };
      clients.add(client);
      res.once('close', () => remove(client));
      unsubscribe ??= options.subscribe(onEvent);
      pingTimer ??= setInterval(() => {
        for (const c of clients) write(c, ': ping\n\n');
      }, pingMs).unref();
      write(client, `retry: 2000\nevent: hello\ndata: ${JSON.stringify({ principal: viewer.principal ?? null })}\n\n`);
    },

    /** Runs a call of the console's own: its audit record is marked as such. */
    own<T>(call: () => T): T {
      consoleCalling = true;
      try {
        return call();
      } finally {
        consoleCalling = false;
      }
    },

    /** Ends every stream (the server is closing) and unsubscribes. */
    close(): void {
      for (const c of [...clients]) {
        c.res.end();
        remove(c);
      }
    },
  };
}
