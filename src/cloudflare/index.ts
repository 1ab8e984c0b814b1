/**
 * hmac-kms/cloudflare: one emulated KMS for a whole team, as a Cloudflare Worker whose world lives in a Durable
 * Object (issue #15). A Durable Object is a single writer with transactional, durable storage, reachable from
 * anywhere: every call sees every acknowledged write.
 *
 * ```ts
 * import { HmacKmsObject, createWorker } from 'hmac-kms/cloudflare';
 * export { HmacKmsObject };
 * export default createWorker({ binding: 'KMS' });
 * ```
 *
 * - `HmacKmsObject` keeps the world in the object's SQLite-backed storage, in the format of `exportState` (material
 *   sealed under the Worker secret `HMAC_KMS_WRAPPING_KEY`, everything authenticated): a snapshot, and the changes
 *   since, each sealed and bound to the snapshot and its position — the record of changes of `hmac-kms serve --state`.
 *   A change is written before its call answers; the runtime holds the answer until the write is durable (output
 *   gates). Read-only calls write nothing. After an eviction the state is loaded once, before the first request.
 * - `createWorker` answers `GET /health` and AWS JSON 1.1 exactly as `createFetchHandler`, with SigV4 credentials from
 *   the secret `HMAC_KMS_CREDENTIALS` (the JSON of `hmac-kms serve --credentials`); every request goes to the one
 *   object of the deployment.
 */
import {
  applyChange,
  attachJournal,
  countKeys,
  createFetchHandler,
  isStopped,
  HmacKms,
  openChange,
  sealChange,
  settleDeletions,
  StateError,
  type ChangeRecord,
  type Credentials,
  type HmacKmsOptions,
  type StateSnapshot,
} from 'hmac-kms';
import { snapshotParts, snapshotText } from './parts.js';

/** The parts of a Durable Object's state this class uses (SQLite-backed storage). */
export interface DurableObjectStateLike {
  readonly storage: {
    readonly sql: { exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] } };
    transactionSync<T>(fn: () => T): T;
  };
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}

/** The Worker environment: the secrets, and the Durable Object namespace. */
export interface HmacKmsEnv {
  /** 32 bytes, as 64 hex digits or base64: the key the stored state is sealed under (`wrangler secret put`). */
  HMAC_KMS_WRAPPING_KEY?: string;
  /** The JSON of `--credentials`: `{ "<access key id>": { "secretAccessKey": "…", "principal": "arn:…" } }`. */
  HMAC_KMS_CREDENTIALS?: string;
  /**
   * `"true"`: serve without `HMAC_KMS_CREDENTIALS`, every request as the account root, signed or not (local
   * development). Otherwise a Worker without credentials refuses every request: deployed, it is reachable by anyone.
   */
  HMAC_KMS_ALLOW_UNSIGNED?: string;
  /** The default Region and account (unsigned requests, and the account without credentials). */
  HMAC_KMS_REGION?: string;
  HMAC_KMS_ACCOUNT?: string;
  /** Changes between two snapshots of the stored state (default 1,000). */
  HMAC_KMS_COMPACT_AFTER?: string;
  [binding: string]: unknown;
}

interface NamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** Changes between two snapshots of the stored state, by default. */
const COMPACT_AFTER = 1_000;
const JSON_TYPE = 'application/x-amz-json-1.1';
/** The package version, built in by tsup from package.json. */
declare const __HMAC_KMS_VERSION__: string;
const VERSION: string = __HMAC_KMS_VERSION__;

function parseWrappingKey(text: string): Uint8Array {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Uint8Array.from({ length: 32 }, (_, i) => parseInt(t.slice(2 * i, 2 * i + 2), 16));
  if (/^[A-Za-z0-9+/]{43}=$/.test(t)) {
    const bin = atob(t);
    if (bin.length === 32) return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }
  throw new StateError('MALFORMED', 'HMAC_KMS_WRAPPING_KEY must be 32 bytes as 64 hex digits or base64 (make one with: openssl rand -hex 32)');
}

/** An AWS JSON 1.1 error answer, for requests the object cannot serve. */
function failure(message: string): Response {
  return new Response(JSON.stringify({ __type: 'KMSInternalException', message }), {
    status: 500,
    headers: { 'content-type': JSON_TYPE, 'x-amzn-errortype': 'KMSInternalException' },
  });
}

/**
 * The Durable Object class holding one world. Export it from the Worker module under the class name its binding
 * names (`new_sqlite_classes = ["HmacKmsObject"]` in wrangler.toml).
 */
export class HmacKmsObject {
  readonly #ctx: DurableObjectStateLike;
  readonly #env: HmacKmsEnv;
  #handle: ((request: Request) => Promise<Response>) | undefined;
  #kms: HmacKms | undefined;
  /** Why the object cannot serve (a wrong wrapping key, altered storage): every request is told, nothing is written. */
  #broken: string | undefined;
  #storeId = '';
  #sinceSnapshot = 0;
  #compactAfter = COMPACT_AFTER;

  constructor(ctx: DurableObjectStateLike, env: HmacKmsEnv) {
    this.#ctx = ctx;
    this.#env = env;
    void ctx.blockConcurrencyWhile(() => this.#loadOrBreak());
  }

  async #loadOrBreak(): Promise<void> {
    try {
      await this.#load(this.#env);
    } catch (e) {
      this.#broken = e instanceof StateError ? e.message : `hmac-kms cannot load its state: ${(e as Error).message}`;
    }
  }

  async fetch(request: Request): Promise<Response> {
    // a change that could not be stored stopped the world in memory (it holds what storage does not): start again
    // from storage, as a restarted object would
    if (this.#kms && isStopped(this.#kms)) {
      this.#kms = this.#handle = undefined;
      await this.#ctx.blockConcurrencyWhile(() => this.#loadOrBreak());
    }
    if (this.#broken !== undefined || !this.#handle || !this.#kms) return failure(this.#broken ?? 'hmac-kms is not loaded');
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/health') {
      return Response.json({ status: 'ok', version: VERSION, keys: countKeys(this.#kms) });
    }
    return this.#handle(request);
  }

  #sql(query: string, ...bindings: unknown[]): Record<string, unknown>[] {
    return this.#ctx.storage.sql.exec(query, ...bindings).toArray();
  }

  async #load(env: HmacKmsEnv): Promise<void> {
    if (!env.HMAC_KMS_WRAPPING_KEY) {
      throw new StateError('MALFORMED', 'HMAC_KMS_WRAPPING_KEY is not set: hmac-kms never stores key material unsealed (wrangler secret put HMAC_KMS_WRAPPING_KEY; make one with: openssl rand -hex 32)');
    }
    const wrappingKey = parseWrappingKey(env.HMAC_KMS_WRAPPING_KEY);
    if (env.HMAC_KMS_COMPACT_AFTER) this.#compactAfter = Math.max(1, Number(env.HMAC_KMS_COMPACT_AFTER) || COMPACT_AFTER);
    if (!env.HMAC_KMS_CREDENTIALS && env.HMAC_KMS_ALLOW_UNSIGNED !== 'true') {
      throw new StateError(
        'MALFORMED',
        'HMAC_KMS_CREDENTIALS is not set: a deployed Worker is reachable by anyone, so hmac-kms/cloudflare serves signed requests only (wrangler secret put HMAC_KMS_CREDENTIALS, the JSON of hmac-kms serve --credentials); HMAC_KMS_ALLOW_UNSIGNED=true serves without (local development)',
      );
    }
    let credentials: Credentials | undefined;
    try {
      credentials = env.HMAC_KMS_CREDENTIALS ? (JSON.parse(env.HMAC_KMS_CREDENTIALS) as Credentials) : undefined;
    } catch {
      throw new StateError('MALFORMED', 'HMAC_KMS_CREDENTIALS is not JSON: it takes the JSON of hmac-kms serve --credentials, {"<access key id>": {"secretAccessKey": "…", "principal": "arn:…"}}');
    }
    const options: HmacKmsOptions = {
      ...(env.HMAC_KMS_REGION ? { region: env.HMAC_KMS_REGION } : {}),
      ...(env.HMAC_KMS_ACCOUNT ? { accountId: env.HMAC_KMS_ACCOUNT } : {}),
    };
    this.#sql('CREATE TABLE IF NOT EXISTS snapshot_parts (part INTEGER PRIMARY KEY, bytes BLOB NOT NULL)');
    this.#sql('CREATE TABLE IF NOT EXISTS changes (lsn INTEGER PRIMARY KEY, sealed TEXT NOT NULL)');
    const parts = this.#sql('SELECT bytes FROM snapshot_parts ORDER BY part');
    let kms: HmacKms;
    if (parts.length === 0) {
      kms = new HmacKms(options);
      this.#writeSnapshot(kms, wrappingKey);
    } else {
      let snapshot: StateSnapshot;
      try {
        snapshot = JSON.parse(snapshotText(parts.map((p) => p.bytes as ArrayBuffer))) as StateSnapshot;
      } catch {
        throw new StateError('MALFORMED', 'the stored state is not an hmac-kms snapshot');
      }
      kms = HmacKms.fromState(snapshot, { wrappingKey, ...options }); // a wrong wrapping key stops here, storage untouched
      this.#storeId = snapshot.mac;
      let lsn = snapshot.lsn;
      for (const row of this.#sql('SELECT lsn, sealed FROM changes WHERE lsn > ? ORDER BY lsn', lsn)) {
        const record = openChange(wrappingKey, this.#storeId, lsn + 1, row.sealed as string);
        if (!record || Number(row.lsn) !== lsn + 1) throw new StateError('TAMPERED', `the stored change ${lsn + 1} does not open: the stored state has been altered`);
        applyChange(kms, record);
        lsn = record.lsn;
        this.#sinceSnapshot++;
      }
    }
    // each change written before its call answers (the runtime's output gate holds the answer until it is durable)
    attachJournal(kms, {
      append: (record: ChangeRecord) => {
        this.#sql('INSERT INTO changes (lsn, sealed) VALUES (?, ?)', record.lsn, sealChange(wrappingKey, this.#storeId, record));
        if (++this.#sinceSnapshot >= this.#compactAfter) this.#writeSnapshot(kms, wrappingKey);
        return Promise.resolve();
      },
      pending: () => undefined,
    });
    await settleDeletions(kms); // deletions that came due while the object was asleep
    this.#kms = kms;
    this.#handle = createFetchHandler(kms, { ...(credentials ? { credentials } : {}), onError: (e) => console.error('hmac-kms: internal error', e) });
  }

  /** The world now as the stored snapshot, and no changes after it: one transaction. */
  #writeSnapshot(kms: HmacKms, wrappingKey: Uint8Array): void {
    const snapshot = kms.exportState({ wrappingKey });
    const parts = snapshotParts(JSON.stringify(snapshot));
    this.#ctx.storage.transactionSync(() => {
      this.#sql('DELETE FROM snapshot_parts');
      parts.forEach((part, i) => this.#sql('INSERT INTO snapshot_parts (part, bytes) VALUES (?, ?)', i, part));
      this.#sql('DELETE FROM changes');
    });
    this.#storeId = snapshot.mac;
    this.#sinceSnapshot = 0;
  }
}

export interface WorkerOptions {
  /** The name of the Durable Object binding (wrangler.toml `[[durable_objects.bindings]] name`). */
  binding: string;
  /** The object's name: one world per deployment (default `hmac-kms`). */
  name?: string;
}

/**
 * The Worker: every request (AWS JSON 1.1 KMS calls and `GET /health`) goes to the deployment's one `HmacKmsObject`,
 * which verifies SigV4 with `HMAC_KMS_CREDENTIALS` and answers as `createFetchHandler` does.
 */
export function createWorker(options: WorkerOptions): { fetch(request: Request, env: HmacKmsEnv): Promise<Response> } {
  if (!options || typeof options.binding !== 'string') throw new TypeError("createWorker: { binding: '<Durable Object binding name>' } is required");
  const name = options.name ?? 'hmac-kms';
  return {
    async fetch(request, env) {
      const namespace = env[options.binding] as NamespaceLike | undefined;
      if (!namespace || typeof namespace.idFromName !== 'function') return failure(`the Durable Object binding ${options.binding} is missing: see the README, "Deploy on Cloudflare"`);
      return namespace.get(namespace.idFromName(name)).fetch(request);
    },
  };
}

