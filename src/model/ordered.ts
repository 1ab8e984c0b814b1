/**
 * Items in creation order (their `seq`), for listings whose markers name a position: keys, aliases, grants. Appends
 * are O(1) (every new item has the highest seq of the world); a listing from a marker finds its start by binary
 * search instead of walking from the front (issue #10.17: a ListKeys page at the end of 100,000 keys scanned them
 * all). Removal is lazy: the owner's map says what is still alive, and the dead are swept out once they are as many
 * as the living.
 */
export interface SeqList<T extends { readonly seq: number }> {
  items: T[];
  dead: number;
}

export const seqList = <T extends { readonly seq: number }>(items: T[] = []): SeqList<T> => ({ items, dead: 0 });

/** Appends an item whose seq is higher than every other's. */
export function seqAppend<T extends { readonly seq: number }>(list: SeqList<T>, item: T): void {
  list.items.push(item);
}

/** Records that an item left (its owner no longer holds it); sweeps when half the list is dead. */
export function seqRemoved<T extends { readonly seq: number }>(list: SeqList<T>, isLive: (item: T) => boolean): void {
  if (++list.dead > 16 && list.dead * 2 > list.items.length) {
    list.items = list.items.filter(isLive);
    list.dead = 0;
  }
}

/** A map of keys to lists of items (`World.retirable`, `KeyGrants.byGranteeAsWritten`). */
interface SeqIndex<K, T extends { readonly seq: number }> {
  get(key: K): SeqList<T> | undefined;
  set(key: K, list: SeqList<T>): unknown;
  delete(key: K): unknown;
}

/** Appends `item` to the list filed under `key`, making the list when there is none. */
export function seqIndexAppend<K, T extends { readonly seq: number }>(index: SeqIndex<K, T>, key: K, item: T): void {
  let list = index.get(key);
  if (!list) index.set(key, (list = seqList()));
  seqAppend(list, item);
}

/** Records that an item left the list filed under `key`; the list goes once none of its items is alive. */
export function seqIndexRemoved<K, T extends { readonly seq: number }>(index: SeqIndex<K, T>, key: K, isLive: (item: T) => boolean): void {
  const list = index.get(key);
  if (!list) return;
  seqRemoved(list, isLive);
  if (list.items.length === list.dead) index.delete(key);
}

/** The live items with seq >= `from`, in order. */
export function* seqFrom<T extends { readonly seq: number }>(list: SeqList<T>, from: number, isLive: (item: T) => boolean): Generator<T> {
  const items = list.items;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.seq < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < items.length; i++) if (isLive(items[i]!)) yield items[i]!;
}
