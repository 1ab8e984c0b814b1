/**
 * The console's key list, paged, sorted and filtered on the server (issue #14: fast with 100,000 keys). It works on
 * the core's `inventory` (plain rows, nothing secret) without copying them, and keeps what it derives — each sort
 * order, the last filter's result — for as long as the inventory it was made from, so that turning pages is a slice.
 * Sorting is stable over the inventory's order (each Region's keys in creation order), so ties never reorder.
 */
import type { InventoryKey } from 'hmac-kms';

/** Columns the list sorts by. */
export const SORT_COLUMNS = ['keyId', 'aliases', 'keySpec', 'keyState', 'multiRegion', 'description', 'tags', 'grants', 'region', 'account', 'creationDate', 'deletionDate'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

/** Fields a filter term may name (`state:Enabled`); a bare term matches any of them. */
export const FILTER_FIELDS = ['id', 'alias', 'tag', 'state', 'region', 'account', 'spec', 'description'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export interface TableQuery {
  offset: number;
  limit: number;
  sort: SortColumn;
  order: 'asc' | 'desc';
  filter: string;
}

export interface TablePage {
  /** The column sorted by (creationDate when the one asked for is not sortable for this viewer). */
  sort: SortColumn;
  /** Keys that match the filter. */
  total: number;
  /** Keys before filtering. */
  all: number;
  keys: InventoryKey[];
}

/** A term of a filter: `field:value` or a bare value, in lower case and as a case-insensitive pattern. */
export interface Term {
  field: FilterField | undefined;
  value: string;
  pattern: RegExp;
}

const term = (field: FilterField | undefined, value: string): Term => ({ field, value, pattern: new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i') });

/** Splits a filter into terms; a word is a field term only when a known field name comes before its first colon. */
export function parseFilter(filter: string): Term[] {
  const terms: Term[] = [];
  for (const word of filter.toLowerCase().split(/\s+/)) {
    if (!word) continue;
    const colon = word.indexOf(':');
    const field = colon > 0 ? word.slice(0, colon) : undefined;
    // ARNs hold colons: `arn:aws:kms:...` is a bare term
    if (field !== undefined && (FILTER_FIELDS as readonly string[]).includes(field)) terms.push(term(field as FilterField, word.slice(colon + 1)));
    else terms.push(term(undefined, word));
  }
  return terms;
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class KeyTable {
  /** What this viewer may filter by. */
  readonly fields: readonly FilterField[];
  /** What this viewer may sort by. */
  readonly sortable: readonly SortColumn[];
  readonly #keys: readonly InventoryKey[];
  readonly #aliasesVisible: (key: InventoryKey) => boolean;
  #byArn: Map<string, InventoryKey> | undefined;
  readonly #sorted = new Map<SortColumn, readonly InventoryKey[]>();
  #last: { sort: SortColumn; order: 'asc' | 'desc'; filter: string; keys: readonly InventoryKey[] } | undefined;

  /**
   * `keys`: the keys the viewer may list; `aliasesVisible`: whether it may list a key's aliases (its Region's
   * ListAliases); `fields` and `sortable`: what it may filter and sort by.
   */
  constructor(keys: readonly InventoryKey[], aliasesVisible: (key: InventoryKey) => boolean, fields: readonly FilterField[] = FILTER_FIELDS, sortable: readonly SortColumn[] = SORT_COLUMNS) {
    this.#keys = keys;
    this.#aliasesVisible = aliasesVisible;
    this.fields = fields;
    this.sortable = sortable;
  }

  get size(): number {
    return this.#keys.length;
  }

  /** The key's aliases as the viewer may see them; undefined when it may not list them. */
  aliasesOf(key: InventoryKey): readonly string[] | undefined {
    return this.#aliasesVisible(key) ? key.aliases : undefined;
  }

  get(arn: string): InventoryKey | undefined {
    this.#byArn ??= new Map(this.#keys.map((k) => [k.arn, k]));
    return this.#byArn.get(arn);
  }

  #compare(column: SortColumn): (a: InventoryKey, b: InventoryKey) => number {
    switch (column) {
      case 'keyId':
        return (a, b) => text(a.keyId, b.keyId);
      case 'aliases':
        // keys without a (visible) alias last
        return (a, b) => text(this.aliasesOf(a)?.[0] ?? '\uffff', this.aliasesOf(b)?.[0] ?? '\uffff');
      case 'keySpec':
        return (a, b) => text(a.keySpec, b.keySpec);
      case 'keyState':
        return (a, b) => text(a.keyState, b.keyState);
      case 'multiRegion':
        return (a, b) => text(a.multiRegion ?? '', b.multiRegion ?? '');
      case 'description':
        return (a, b) => text(a.description, b.description);
      case 'tags':
        return (a, b) => a.tags.length - b.tags.length;
      case 'grants':
        return (a, b) => a.grants - b.grants;
      case 'region':
        return (a, b) => text(a.region, b.region);
      case 'account':
        return (a, b) => text(a.account, b.account);
      case 'creationDate':
        return (a, b) => a.creationDate - b.creationDate;
      case 'deletionDate':
        return (a, b) => (a.deletionDate ?? Infinity) - (b.deletionDate ?? Infinity);
    }
  }

  #sortedBy(column: SortColumn): readonly InventoryKey[] {
    let sorted = this.#sorted.get(column);
    if (!sorted) {
      const compare = this.#compare(column);
      const keys = this.#keys;
      let inOrder = true; // creation order usually is (one account and Region): no copy, no sort
      for (let i = 1; i < keys.length && inOrder; i++) inOrder = compare(keys[i - 1]!, keys[i]!) <= 0;
      sorted = inOrder ? keys : [...keys].sort(compare); // stable: ties keep the inventory's order
      this.#sorted.set(column, sorted);
    }
    return sorted;
  }

  /** Whether one field of the key matches a term (ids, ARNs, Regions and accounts are lower case already). */
  #matches(key: InventoryKey, field: FilterField, t: Term): boolean {
    switch (field) {
      case 'id':
        return key.keyId.includes(t.value) || key.arn.includes(t.value);
      case 'alias': {
        const aliases = this.aliasesOf(key);
        return aliases !== undefined && aliases.length > 0 && aliases.some((a) => t.pattern.test(a));
      }
      case 'tag':
        return key.tags.length > 0 && key.tags.some((tag) => t.pattern.test(`${tag.TagKey}=${tag.TagValue}`));
      case 'state':
        return t.pattern.test(key.keyState);
      case 'region':
        return key.region.includes(t.value);
      case 'account':
        return key.account.includes(t.value);
      case 'spec':
        return t.pattern.test(key.keySpec);
      case 'description':
        return t.pattern.test(key.description);
    }
  }

  /** Whether a key matches every term (a term naming a field the viewer may not filter by matches nothing). */
  matches(key: InventoryKey, terms: readonly Term[]): boolean {
    const fields = this.fields;
    for (const t of terms) {
      if (t.field !== undefined) {
        if (!fields.includes(t.field) || !this.#matches(key, t.field, t)) return false;
        continue;
      }
      let any = false;
      for (const f of fields) if ((any = this.#matches(key, f, t))) break;
      if (!any) return false;
    }
    return true;
  }

  page(q: TableQuery): TablePage {
    const sort = this.sortable.includes(q.sort) ? q.sort : 'creationDate';
    let keys: readonly InventoryKey[];
    const last = this.#last;
    if (last && last.sort === sort && last.order === q.order && last.filter === q.filter) keys = last.keys;
    else {
      const sorted = this.#sortedBy(sort);
      const terms = parseFilter(q.filter);
      keys = terms.length ? sorted.filter((k) => this.matches(k, terms)) : sorted;
      if (q.order === 'desc') keys = [...keys].reverse();
      this.#last = { sort, order: q.order, filter: q.filter, keys };
    }
    return { sort, total: keys.length, all: this.#keys.length, keys: keys.slice(q.offset, q.offset + q.limit) };
  }
}
