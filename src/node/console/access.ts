/**
 * Who looks at the console, and what they may see (issue #14). Without credentials the console is open, as the
 * endpoint is, and shows every key of every account and Region. With credentials it asks for HTTP Basic
 * authentication with one of the access keys (access key id and secret access key) and shows what that principal may
 * list, decided by the KMS API itself, as the principal — never by policy logic of the console's own:
 *
 * - the keys of a Region of its account only if ListKeys succeeds there (AWS lists only the caller's account's keys);
 * - their aliases only if ListAliases succeeds there;
 * - for each key on the page served, its metadata (spec, state, description, dates, multi-Region role) only if
 *   DescribeKey on it succeeds, its tags only if ListResourceTags does, its grant count only if ListGrants does;
 * - filtering and sorting only by what the Region-wide calls show (key id, alias, Region, account; and ListKeys'
 *   order, which is creation order), so that a filter cannot reveal a tag or state the principal may not read.
 *
 * These calls are real KMS calls, in the audit trail as the principal's (the live view marks them as the console's).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { inventory, type Credentials, type HmacKms, type Inventory, type InventoryKey } from 'hmac-kms';
import { FILTER_FIELDS, KeyTable, SORT_COLUMNS, type FilterField, type SortColumn } from './key-table.js';

/** Who is looking: with credentials, the access key and its principal; otherwise nobody in particular (open). */
export interface Viewer {
  /** The caller's ARN, or undefined when the console is open. */
  readonly principal: string | undefined;
  readonly accessKeyId: string | undefined;
  /** The principal's account, or undefined when open (every account). */
  readonly account: string | undefined;
}

export const OPEN_VIEWER: Viewer = { principal: undefined, accessKeyId: undefined, account: undefined };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The viewer an `Authorization: Basic ...` header names, when its access key id is one of `credentials` and the
 * secret matches (compared in constant time); undefined otherwise.
 */
export function authenticate(kms: HmacKms, header: string | undefined, credentials: Credentials): Viewer | undefined {
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const bytes = Buffer.from(m[1]!, 'base64');
  if (bytes.toString('base64') !== m[1]) return undefined; // only canonical base64 (Node's decoder skips what it cannot read)
  const decoded = bytes.toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = decoded.slice(0, colon);
  const credential = Object.hasOwn(credentials, id) ? credentials[id] : undefined;
  if (!credential || !timingSafeEqual(digest(decoded.slice(colon + 1)), digest(credential.secretAccessKey))) return undefined;
  const caller = kms.as(credential.principal);
  return { principal: caller.principal, accessKeyId: id, account: caller.accountId };
}

/** Runs a KMS call and says how it went: undefined on success, else the error's name. */
export type ConsoleCall = (call: () => Promise<unknown>) => Promise<string | undefined>;

/** Where the principal may not list keys or aliases, and why. */
export interface Refusal {
  readonly region: string;
  readonly operation: 'ListKeys' | 'ListAliases';
  readonly error: string;
}

/** What the key list shows a viewer: the table, and the Regions refused. */
export interface Scope {
  readonly table: KeyTable;
  readonly refused: readonly Refusal[];
  readonly inventory: Inventory;
}

/** Filters and sorts a principal may use: what ListKeys and ListAliases show, and ListKeys' (creation) order. */
const RESTRICTED_FIELDS: readonly FilterField[] = ['id', 'alias', 'region', 'account'];
const RESTRICTED_SORTS: readonly SortColumn[] = ['keyId', 'aliases', 'region', 'account', 'creationDate'];

/** Which per-key calls the viewer may make on a key of the page: the names of those refused. */
export interface RowAccess {
  readonly refused: readonly ('DescribeKey' | 'ListResourceTags' | 'ListGrants')[];
}

/**
 * The console's view of one emulator: the viewer's scope (tables kept per inventory version and permission set) and
 * the per-key checks. `call` runs each KMS call (the live view marks them as the console's own).
 */
export function createAccess(kms: HmacKms, call: ConsoleCall) {
  const instances = new Map<string, HmacKms>();
  /** The emulator as `principal` (an ARN or account id) in `region`. */
  const as = (principal: string, region: string): HmacKms => {
    const id = `${principal}\u0000${region}`;
    let k = instances.get(id);
    if (!k) {
      if (instances.size > 256) instances.clear();
      instances.set(id, (k = kms.inRegion(region).as(principal)));
    }
    return k;
  };
  let tables = new Map<string, KeyTable>();
  let tablesVersion = -1;
  const tableFor = (inv: Inventory, id: string, make: () => KeyTable): KeyTable => {
    if (inv.version !== tablesVersion) {
      tables = new Map();
      tablesVersion = inv.version;
    }
    let table = tables.get(id);
    if (!table) {
      if (tables.size >= 8) tables.delete(tables.keys().next().value!);
      tables.set(id, (table = make()));
    }
    return table;
  };
  let cached: Inventory | undefined;
  let builtAt = 0;
  let buildMs = 0;
  /**
   * The inventory, rebuilt only when the world changed; and on a big world that keeps changing, at most once in ten
   * times what the last build took (100,000 keys take ~100 ms: then at most once a second), so that watching the
   * console never takes more than a tenth of the server's time from the KMS requests.
   */
  const currentInventory = (): Inventory => {
    const now = performance.now();
    if (cached && buildMs > 20 && now - builtAt < 10 * buildMs) return cached;
    const next = inventory(kms, cached);
    if (next !== cached) {
      builtAt = performance.now();
      buildMs = builtAt - now;
      cached = next;
    }
    return cached;
  };

  const listedCache = new Map<string, (arn: string) => boolean>();

  return {
    as,

    /** The keys `viewer` may list, as a table. */
    async scope(viewer: Viewer): Promise<Scope> {
      const inv = currentInventory();
      if (viewer.principal === undefined) {
        return { table: tableFor(inv, '*', () => new KeyTable(inv.keys, () => true, FILTER_FIELDS, SORT_COLUMNS)), refused: [], inventory: inv };
      }
      const regions = new Set<string>();
      for (const k of inv.keys) if (k.account === viewer.account) regions.add(k.region);
      const keyRegions = new Set<string>();
      const aliasRegions = new Set<string>();
      const refused: Refusal[] = [];
      for (const region of [...regions].sort()) {
        const k = as(viewer.principal, region);
        const keys = await call(() => k.listKeys({ Limit: 1 }));
        if (keys !== undefined) {
          refused.push({ region, operation: 'ListKeys', error: keys });
          continue;
        }
        keyRegions.add(region);
        const aliases = await call(() => k.listAliases({ Limit: 1 }));
        if (aliases === undefined) aliasRegions.add(region);
        else refused.push({ region, operation: 'ListAliases', error: aliases });
      }
      const id = `${viewer.principal}\u0000${[...keyRegions].join(',')}\u0000${[...aliasRegions].join(',')}`;
      const table = tableFor(inv, id, () => {
        const visible = inv.keys.filter((k) => k.account === viewer.account && keyRegions.has(k.region));
        return new KeyTable(visible, (k) => aliasRegions.has(k.region), RESTRICTED_FIELDS, RESTRICTED_SORTS);
      });
      return { table, refused, inventory: inv };
    },

    /**
     * For the live view: whether a key ARN is one `viewer` may list — the keys of its key table, decided as `scope`
     * decides them and kept until the world changes (a change of policy, grant or key changes the world's version),
     * so that streaming asks ListKeys and ListAliases again only after a change, not at every message.
     */
    async listed(viewer: Viewer): Promise<(arn: string) => boolean> {
      if (viewer.principal === undefined) return () => true;
      const version = currentInventory().version;
      const id = `${viewer.principal}\u0000${version}`;
      let found = listedCache.get(id);
      if (!found) {
        const { table } = await this.scope(viewer);
        found = (arn: string) => table.get(arn) !== undefined;
        if (listedCache.size >= 64) listedCache.clear();
        listedCache.set(id, found);
      }
      return found;
    },

    /** For a principal: which per-key calls it may make on each key (one call of each, as the principal). */
    async rowAccess(viewer: Viewer, keys: readonly InventoryKey[]): Promise<RowAccess[]> {
      const out: RowAccess[] = [];
      for (const key of keys) {
        if (viewer.principal === undefined) {
          out.push({ refused: [] });
          continue;
        }
        const k = as(viewer.principal, key.region);
        const refused: RowAccess['refused'][number][] = [];
        if ((await call(() => k.describeKey({ KeyId: key.arn }))) !== undefined) refused.push('DescribeKey');
        if ((await call(() => k.listResourceTags({ KeyId: key.arn, Limit: 1 }))) !== undefined) refused.push('ListResourceTags');
        if ((await call(() => k.listGrants({ KeyId: key.arn, Limit: 1 }))) !== undefined) refused.push('ListGrants');
        out.push({ refused });
      }
      return out;
    },
  };
}
