// The Worker of README "Deploy on Cloudflare" with its Durable Object watched, for ./cloudflare.test.ts (bundled by
// it for workerd; never part of the package). The object serving every request is the package's HmacKmsObject,
// unchanged: this subclass only hands it a view of its state that writes down every SQL statement and every other
// storage call it makes, writes down every random draw of the isolate, and answers GET /__test/storage with what its
// storage holds, read with the state's own (unwatched) SQL.
import { HmacKmsObject as PackageObject, createWorker, type DurableObjectStateLike, type HmacKmsEnv } from 'hmac-kms/cloudflare';

/** Every SQL statement and other storage call the object made since the last GET /__test/storage, in order. */
const statements: string[] = [];
/** Every random draw of this isolate, base64, in order: the material of each key created here is one of them. */
const draws: string[] = [];

// hmac-kms draws with crypto.getRandomValues at each call (src/crypto/random.ts): still the runtime's randomness,
// written down as it is drawn
const getRandomValues = crypto.getRandomValues.bind(crypto);
(crypto as { getRandomValues: (array: Uint8Array) => Uint8Array }).getRandomValues = (array) => {
  getRandomValues(array);
  let text = '';
  for (const byte of new Uint8Array(array.buffer, array.byteOffset, array.byteLength)) text += String.fromCharCode(byte);
  draws.push(btoa(text));
  return array;
};

const bound = (target: object, name: string | symbol): unknown => {
  const value: unknown = Reflect.get(target, name);
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
};

function watched(ctx: DurableObjectStateLike): DurableObjectStateLike {
  const sql = new Proxy(ctx.storage.sql, {
    get: (target, name) =>
      name === 'exec'
        ? (query: string, ...bindings: unknown[]) => {
            statements.push(query);
            return target.exec(query, ...bindings);
          }
        : bound(target, name),
  });
  const storage = new Proxy(ctx.storage, {
    get: (target, name) => {
      if (name === 'sql') return sql;
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        statements.push(`storage.${String(name)}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return new Proxy(ctx, { get: (target, name) => (name === 'storage' ? storage : bound(target, name)) });
}

/** What GET /__test/storage answers. */
export interface StorageView {
  statements: string[];
  draws: string[];
  /** The stored snapshot: the changes it includes, its MAC, and each row's length and first byte. */
  snapshot: { lsn: number; mac: string; rows: { bytes: number; first: number }[] };
  /** The stored changes after it. */
  changes: { lsn: number; sealed: string }[];
}

export class HmacKmsObject extends PackageObject {
  readonly #sql: DurableObjectStateLike['storage']['sql'];

  constructor(ctx: DurableObjectStateLike, env: HmacKmsEnv) {
    super(watched(ctx), env);
    this.#sql = ctx.storage.sql;
  }

  override async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== '/__test/storage') return super.fetch(request);
    const rows = (query: string) => this.#sql.exec(query).toArray();
    const parts = rows('SELECT bytes FROM snapshot_parts ORDER BY part').map((r) => new Uint8Array(r.bytes as ArrayBuffer));
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    const snapshot = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(joined)) as { lsn: number; mac: string };
    const view: StorageView = {
      statements: statements.splice(0),
      draws,
      snapshot: { lsn: snapshot.lsn, mac: snapshot.mac, rows: parts.map((p) => ({ bytes: p.length, first: p[0]! })) },
      changes: rows('SELECT lsn, sealed FROM changes ORDER BY lsn').map((r) => ({ lsn: Number(r.lsn), sealed: String(r.sealed) })),
    };
    return Response.json(view);
  }
}

export default createWorker({ binding: 'KMS' });
