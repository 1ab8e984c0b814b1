/**
 * A Map whose cost does not grow when the same key is deleted and set again and again.
 *
 * V8's Map and Set keep a deleted entry in its hash bucket until the table is rebuilt, which happens only when the
 * table is full: in a Map of 80,000 entries, deleting and setting one key 10,000 times makes that key's bucket a chain
 * of 10,000 dead entries, and every lookup of it walks them (issue #10.17: ScheduleKeyDeletion + CancelKeyDeletion
 * cycles, or CreateAlias + DeleteAlias of one name, grew from 2 µs to 30 µs). Here a delete leaves the entry in place
 * with a tombstone, so setting the key again updates it where it is; the tombstones of keys that do not come back are
 * swept out once they are as many as the living entries (an amortised O(1) rebuild).
 *
 * Unlike a Map, a key set again after a delete keeps its first place in iteration order; nothing in hmac-kms reads
 * these maps' order (listings follow creation sequence numbers).
 */
const TOMBSTONE: unique symbol = Symbol('deleted');

export class StableMap<K, V> implements Iterable<[K, V]> {
  #map = new Map<K, V | typeof TOMBSTONE>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: K): V | undefined {
    const v = this.#map.get(key);
    return v === TOMBSTONE ? undefined : v;
  }

  has(key: K): boolean {
    const v = this.#map.get(key);
    return v !== undefined && v !== TOMBSTONE;
  }

  set(key: K, value: V): this {
    const previous = this.#map.get(key);
    if (previous === undefined || previous === TOMBSTONE) this.#size++;
    this.#map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    const previous = this.#map.get(key);
    if (previous === undefined || previous === TOMBSTONE) return false;
    this.#map.set(key, TOMBSTONE);
    this.#size--;
    // sweep when the dead outnumber the living (rebuilding a fresh table resets every bucket)
    if (this.#map.size - this.#size > this.#size + 32) {
      const live = new Map<K, V | typeof TOMBSTONE>();
      for (const [k, v] of this.#map) if (v !== TOMBSTONE) live.set(k, v);
      this.#map = live;
    }
    return true;
  }

  clear(): void {
    this.#map = new Map();
    this.#size = 0;
  }

  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.#map) if (v !== TOMBSTONE) yield [k, v];
  }

  *keys(): IterableIterator<K> {
    for (const [k, v] of this.#map) if (v !== TOMBSTONE) yield k;
  }

  *values(): IterableIterator<V> {
    for (const v of this.#map.values()) if (v !== TOMBSTONE) yield v;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

/** A Set with the same guarantee (a StableMap of the value to itself). */
export class StableSet<T> implements Iterable<T> {
  readonly #map = new StableMap<T, true>();
  get size(): number {
    return this.#map.size;
  }
  has(value: T): boolean {
    return this.#map.has(value);
  }
  add(value: T): this {
    this.#map.set(value, true);
    return this;
  }
  delete(value: T): boolean {
    return this.#map.delete(value);
  }
  values(): IterableIterator<T> {
    return this.#map.keys();
  }
  [Symbol.iterator](): IterableIterator<T> {
    return this.#map.keys();
  }
}
