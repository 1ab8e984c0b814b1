/**
 * The web console of `hmac-kms serve` (issue #14): a read-only page on `GET /console` showing the keys of every
 * account and Region, a key's detail, and every call live. The server hands it the GET and HEAD requests under
 * `/console` only; KMS requests (POSTs) never come here, and it answers nothing else.
 *
 *   GET /console              the page (HTML; its script and style at /console/app.js and /console/app.css)
 *   GET /console/api/keys     a page of the key list: ?offset=0&limit=50&sort=creationDate&order=asc&q=<filter>
 *   GET /console/api/key      a key's detail: ?arn=<key ARN>
 *   GET /console/events       the audit trail as Server-Sent Events (live-calls.ts)
 *
 * With credentials every request needs HTTP Basic authentication with an access key id and its secret access key
 * (access.ts). Nothing secret is ever sent: the list is the core's inventory, the detail comes from DescribeKey,
 * GetKeyPolicy, ListGrants, ListAliases and ListResourceTags copied field by field, and the stream is cut down from
 * the audit records (which hold no message, MAC, token or material in the first place).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addAuditListener, KmsServiceException, type Credentials, type HmacKms, type InventoryKey } from 'hmac-kms';
import { authenticate, createAccess, OPEN_VIEWER, type Viewer } from './access.js';
import { keyDetail } from './key-detail.js';
import { SORT_COLUMNS, type SortColumn } from './key-table.js';
import { createLiveCalls, MAX_STREAMS, STREAM_RETRY_AFTER } from './live-calls.js';
import { APP_CSS, APP_JS, pageHtml } from './page.js';

export { MAX_STREAMS, STREAM_RETRY_AFTER };

export interface ConsoleOptions {
  /** The server's access keys: the console then requires HTTP Basic authentication with one of them. */
  credentials?: Credentials;
  /** Told of unexpected errors (answered 500). */
  onError?: (error: unknown) => void;
  /**
   * Live streams (GET /console/events) open at once at most (default and upper bound MAX_STREAMS); one more is
   * answered 503 with Retry-After, so that streams, which last as long as their page, cannot hold the connections KMS
   * clients need (issue #10.15's class). startServer gives a quarter of its connection cap.
   */
  maxStreams?: number;
  /** Told of each stream as it begins (startServer lets a new client close one at its connection cap). */
  onStream?: (res: ServerResponse) => void;
  /** Live view batching (tests): milliseconds between messages, calls per message. */
  flushMs?: number;
  maxPerFlush?: number;
}

export interface WebConsole {
  /** Answers a GET or HEAD request under /console. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Ends the live streams (the server is closing). */
  close(): void;
  /** Live view clients connected (the audit subscription exists only while there are any). */
  readonly watchers: number;
}

/** Rows per page at most. */
export const MAX_PAGE = 200;

/** The page can only load what it is: its own script, style and API (a policy or description cannot inject any). */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

const REALM = 'Basic realm="hmac-kms console", charset="UTF-8"';

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A key of the list as JSON: what the viewer may see of it (the fields of a refused call are left out). */
function rowJson(key: InventoryKey, aliases: readonly string[] | undefined, refused: readonly string[]) {
  const out: Record<string, unknown> = { arn: key.arn, keyId: key.keyId, account: key.account, region: key.region, aliases: aliases ?? null };
  if (!refused.includes('DescribeKey')) {
    Object.assign(out, {
      keySpec: key.keySpec,
      keyState: key.keyState,
      description: key.description,
      multiRegion: key.multiRegion ?? null,
      creationDate: iso(key.creationDate),
      deletionDate: iso(key.deletionDate),
    });
  }
  if (!refused.includes('ListResourceTags')) out.tags = key.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
  if (!refused.includes('ListGrants')) out.grants = key.grants;
  out.refused = refused;
  return out;
}

function intParam(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null || !/^\d{1,9}$/.test(value)) return fallback;
  return Math.min(max, Math.max(min, Number(value)));
}

export function createConsole(kms: HmacKms, options: ConsoleOptions = {}): WebConsole {
  const credentials = options.credentials;
  const maxStreams = Math.min(MAX_STREAMS, options.maxStreams ?? MAX_STREAMS);
  const streamsFull = `The hmac-kms console serves at most ${maxStreams} live stream${maxStreams === 1 ? '' : 's'} at once (a quarter of the server's connection cap, ${MAX_STREAMS} at most), so that KMS clients always find a connection: close another console page, or try again in ${STREAM_RETRY_AFTER} s.\n`;
  const onError = options.onError ?? ((e: unknown) => console.error('hmac-kms: console error', e));
  const live = createLiveCalls({
    subscribe: (listener) => addAuditListener(kms, listener),
    listed: (viewer) => access.listed(viewer),
    onError,
    ...(options.flushMs !== undefined ? { flushMs: options.flushMs } : {}),
    ...(options.maxPerFlush !== undefined ? { maxPerFlush: options.maxPerFlush } : {}),
  });
  /** A KMS call of the console's own, marked in the live view; resolves to its value. */
  const own = <R>(call: () => Promise<R>): Promise<R> => live.own(call);
  const access = createAccess(kms, async (call) => {
    try {
      await live.own(call);
      return undefined;
    } catch (e) {
      if (e instanceof KmsServiceException) return e.name;
      throw e;
    }
  });

  async function keysPage(viewer: Viewer, params: URLSearchParams) {
    const scope = await access.scope(viewer);
    const sortAsked = params.get('sort') as SortColumn | null;
    const query = {
      offset: intParam(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER),
      limit: intParam(params.get('limit'), 50, 1, MAX_PAGE),
      sort: sortAsked && (SORT_COLUMNS as readonly string[]).includes(sortAsked) ? sortAsked : 'creationDate',
      order: params.get('order') === 'desc' ? ('desc' as const) : ('asc' as const),
      filter: (params.get('q') ?? '').slice(0, 512),
    };
    const page = scope.table.page(query);
    const rowAccess = await access.rowAccess(viewer, page.keys);
    return {
      principal: viewer.principal ?? null,
      version: scope.inventory.version,
      offset: query.offset,
      limit: query.limit,
      sort: page.sort,
      order: query.order,
      filter: query.filter,
      total: page.total,
      all: page.all,
      filterFields: scope.table.fields,
      sortable: scope.table.sortable,
      refused: scope.refused,
      keys: page.keys.map((key, i) => rowJson(key, scope.table.aliasesOf(key), rowAccess[i]!.refused)),
    };
  }

  async function detail(viewer: Viewer, arn: string) {
    const scope = await access.scope(viewer);
    const key = scope.table.get(arn);
    if (!key) return undefined; // not a key this viewer may list
    return keyDetail(access.as(viewer.principal ?? key.account, key.region), key, own);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let viewer = OPEN_VIEWER;
    if (credentials) {
      const v = authenticate(kms, req.headers.authorization, credentials);
      if (!v) {
        send(res, 401, 'text/plain; charset=utf-8', 'The hmac-kms console needs an access key of the server\'s --credentials: its access key id as the user name and its secret access key as the password.\n', { 'www-authenticate': REALM });
        return;
      }
      viewer = v;
    }
    const url = new URL(req.url ?? '/', 'http://console');
    switch (url.pathname) {
      case '/console':
      case '/console/':
        send(res, 200, 'text/html; charset=utf-8', pageHtml(viewer.principal));
        return;
      case '/console/app.js':
        send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
        return;
      case '/console/app.css':
        send(res, 200, 'text/css; charset=utf-8', APP_CSS);
        return;
      case '/console/api/keys':
        json(res, 200, await keysPage(viewer, url.searchParams));
        return;
      case '/console/api/key': {
        const found = await detail(viewer, url.searchParams.get('arn') ?? '');
        if (found) json(res, 200, found);
        else json(res, 404, { error: 'NotFound', message: 'No key with this ARN is listed for you.' });
        return;
      }
      case '/console/events':
        if (req.method === 'HEAD') send(res, 200, 'text/event-stream; charset=utf-8', '');
        else if (live.clients >= maxStreams) {
          // the connection is closed with the answer: it is free for a KMS client at once
          send(res, 503, 'text/plain; charset=utf-8', streamsFull, { 'retry-after': String(STREAM_RETRY_AFTER), connection: 'close' });
        } else {
          live.connect(res, viewer);
          options.onStream?.(res);
        }
        return;
      default:
        send(res, 404, 'text/plain; charset=utf-8', 'Not found. The console is at /console.\n');
    }
  }

  return {
    handle(req, res) {
      route(req, res).catch((e: unknown) => {
        onError(e);
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error.\n');
        else res.end();
      });
    },
    close: () => live.close(),
    get watchers() {
      return live.clients;
    },
  };
}
