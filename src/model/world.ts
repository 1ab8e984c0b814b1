/**
 * The world every `HmacKms` derived from one constructor shares: all accounts, all Regions, all keys. Plain data
 * (Maps, arrays and objects) and pure functions over it; no clock and no randomness here.
 *
 * Everything a call looks up is indexed, so that no call's cost grows with the size of the world (issue #10.17):
 * keys, aliases and grants by id and in creation order (markers), grants by grantee and by retiring principal, and
 * the keys waiting for deletion in a heap by DeletionDate. The maps that keys come and go from are StableMaps, whose
 * cost does not grow when one key is deleted and set again (a V8 Map's does).
 */
import type { MacKey } from '../crypto/mac-key.js';
import type { CompiledPolicy } from '../policy/document.js';
import { removeAllGrants, type GrantRecord } from './grant.js';
import type { KeyRecord } from './key.js';
import { seqAppend, seqList, seqRemoved, type SeqList } from './ordered.js';
import { StableMap, StableSet } from './stable-map.js';

/** The IAM identity policies of one user or role: by name, and compiled in one list for evaluation. */
export interface IdentityPolicies {
  readonly byName: Map<string, { readonly document: string; readonly compiled: CompiledPolicy }>;
  compiled: CompiledPolicy[];
}

export interface AliasRecord {
  readonly AliasName: string;
  TargetKeyId: string;
  readonly CreationDate: Date;
  LastUpdatedDate: Date;
  readonly seq: number;
}

/** One account in one Region: the unit of KMS resources and quotas. */
export interface RegionState {
  readonly account: string;
  readonly region: string;
  readonly keys: StableMap<string, KeyRecord>;
  /** The keys in creation order (ListKeys). */
  readonly keyOrder: SeqList<KeyRecord>;
  readonly aliases: StableMap<string, AliasRecord>;
  /** The aliases in creation order (ListAliases). */
  readonly aliasOrder: SeqList<AliasRecord>;
}

export interface World {
  /** account -> region -> resources; a Region's record exists only once something was created in it. */
  readonly accounts: Map<string, Map<string, RegionState>>;
  /** Keys waiting for deletion (state PendingDeletion or PendingReplicaDeletion). */
  readonly pendingDeletion: StableSet<KeyRecord>;
  /** Min-heap of [DeletionDate ms, key] for the keys with a DeletionDate; stale entries are skipped when popped. */
  deletionQueue: [number, KeyRecord][];
  /** Creation sequence for keys, aliases, grants and tags (list order, pagination markers). */
  seq: number;
  /** IAM identity policies by identity (`<account>:user/<name>` or `<account>:role/<name>`), then by policy name. */
  readonly identityPolicies: StableMap<string, IdentityPolicies>;
  /** Every grant by GrantId (grant tokens and RetireGrant name a grant without its key). */
  readonly grants: StableMap<string, GrantRecord>;
  /** Grants by retiring principal (`p:<ARN>`) or retiring service principal (`s:<name>`), for ListRetirableGrants. */
  readonly retirable: StableMap<string, SeqList<GrantRecord>>;
  /** The key grant tokens are MACs under; drawn with the first grant (no randomness at construction). */
  tokenKey: MacKey | undefined;
  /** Changes applied so far (successful mutating calls and identity policy settings): the journal's positions. */
  lsn: number;
  /** Request ids: a random prefix fixed per world (drawn on the first call, never at construction: Workers forbid
   * randomness in global scope) and a counter. */
  requestIdPrefix: string | undefined;
  requestCount: number;
  /** The prefix and the counter's digits but its last two, for `requestCount` (derived, not saved). */
  requestIdHead?: string | undefined;
}

export function createWorld(): World {
  return {
    accounts: new Map(),
    pendingDeletion: new StableSet(),
    deletionQueue: [],
    seq: 0,
    identityPolicies: new StableMap(),
    grants: new StableMap(),
    retirable: new StableMap(),
    tokenKey: undefined,
    lsn: 0,
    requestIdPrefix: undefined,
    requestCount: 0,
  };
}

/** The resources of `account` in `region`, created empty on first use: only where something is about to be stored. */
export function regionState(world: World, account: string, region: string): RegionState {
  let regions = world.accounts.get(account);
  if (!regions) world.accounts.set(account, (regions = new Map()));
  let state = regions.get(region);
  if (!state) regions.set(region, (state = { account, region, keys: new StableMap(), keyOrder: seqList(), aliases: new StableMap(), aliasOrder: seqList() }));
  return state;
}

/** The resources of `account` in `region` if any exist (never creates: reads and failed calls leave no trace). */
export function peekRegionState(world: World, account: string, region: string): RegionState | undefined {
  return world.accounts.get(account)?.get(region);
}

export function nextSeq(world: World): number {
  return ++world.seq;
}

// ---------------------------------------------------------------- IAM identity policies

export function setIdentityPolicy(world: World, id: string, name: string, document: string, compiled: CompiledPolicy): void {
  let entry = world.identityPolicies.get(id);
  if (!entry) world.identityPolicies.set(id, (entry = { byName: new Map(), compiled: [] }));
  entry.byName.set(name, { document, compiled });
  entry.compiled = [...entry.byName.values()].map((p) => p.compiled);
}

export function removeIdentityPolicy(world: World, id: string, name: string): boolean {
  const entry = world.identityPolicies.get(id);
  if (!entry || !entry.byName.delete(name)) return false;
  entry.compiled = [...entry.byName.values()].map((p) => p.compiled);
  if (entry.byName.size === 0) world.identityPolicies.delete(id);
  return true;
}

// ---------------------------------------------------------------- keys

/** Stores a new key (its seq is the newest of the world). */
export function storeKey(world: World, key: KeyRecord): void {
  const state = regionState(world, key.AWSAccountId, key.Region);
  state.keys.set(key.KeyId, key);
  seqAppend(state.keyOrder, key);
}

export const isLiveKey = (state: RegionState) => (key: KeyRecord) => state.keys.get(key.KeyId) === key;

// ---------------------------------------------------------------- aliases

export function storeAlias(state: RegionState, alias: AliasRecord): void {
  state.aliases.set(alias.AliasName, alias);
  seqAppend(state.aliasOrder, alias);
}

export const isLiveAlias = (state: RegionState) => (alias: AliasRecord) => state.aliases.get(alias.AliasName) === alias;

export function deleteAlias(state: RegionState, name: string): void {
  if (state.aliases.delete(name)) seqRemoved(state.aliasOrder, isLiveAlias(state));
}

// ---------------------------------------------------------------- scheduled deletion

const heapLess = (q: [number, KeyRecord][], i: number, j: number) => q[i]![0] < q[j]![0];
function heapPush(q: [number, KeyRecord][], entry: [number, KeyRecord]): void {
  q.push(entry);
  for (let i = q.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (!heapLess(q, i, parent)) break;
    [q[i], q[parent]] = [q[parent]!, q[i]!];
    i = parent;
  }
}
function heapPop(q: [number, KeyRecord][]): void {
  const last = q.pop()!;
  if (q.length === 0) return;
  q[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < q.length && heapLess(q, l, m)) m = l;
    if (r < q.length && heapLess(q, r, m)) m = r;
    if (m === i) break;
    [q[i], q[m]] = [q[m]!, q[i]!];
    i = m;
  }
}

/** Whether a heap entry still describes its key: pending, with that DeletionDate, and still stored. */
const entryIsCurrent = ([ms, key]: [number, KeyRecord]) => key.DeletionDate?.getTime() === ms && key.KeyState === 'PendingDeletion';

/** Marks a key as waiting for deletion; `DeletionDate` set or not (a primary waiting for its replicas has none). */
export function markPendingDeletion(world: World, key: KeyRecord): void {
  world.pendingDeletion.add(key);
  if (key.DeletionDate) heapPush(world.deletionQueue, [key.DeletionDate.getTime(), key]);
}

/** CancelKeyDeletion: the heap entry goes stale; the heap is rebuilt when stale entries outnumber the live. */
export function unmarkPendingDeletion(world: World, key: KeyRecord): void {
  world.pendingDeletion.delete(key);
  const q = world.deletionQueue;
  if (q.length > 32 && q.length > 2 * world.pendingDeletion.size) {
    const live = q.filter(entryIsCurrent);
    world.deletionQueue = [];
    for (const e of live) heapPush(world.deletionQueue, e);
  }
}

/** The earliest DeletionDate still waiting (ms), or Infinity. Pops stale entries on the way. */
function nextDeletion(world: World): number {
  const q = world.deletionQueue;
  while (q.length && !(entryIsCurrent(q[0]!) && world.pendingDeletion.has(q[0]![1]))) heapPop(q);
  return q.length ? q[0]![0] : Infinity;
}

/**
 * Deletes every key whose DeletionDate has come, with the aliases that point at it and its grants ("After the
 * waiting period ends, AWS KMS deletes the KMS key, its aliases, and all related AWS KMS metadata", DG
 * deleting-keys.md). O(1) when nothing is due. Returns the deleted keys.
 */
export function purgeDeletedKeys(world: World, nowMs: number): KeyRecord[] {
  const deleted: KeyRecord[] = [];
  while (nextDeletion(world) <= nowMs) {
    const key = world.deletionQueue[0]![1];
    heapPop(world.deletionQueue);
    world.pendingDeletion.delete(key);
    deleted.push(key);
    const state = peekRegionState(world, key.AWSAccountId, key.Region);
    if (state && state.keys.get(key.KeyId) === key) {
      state.keys.delete(key.KeyId);
      seqRemoved(state.keyOrder, isLiveKey(state));
      for (const alias of key.aliases) deleteAlias(state, alias);
    }
    removeAllGrants(world, key);
    const group = key.multiRegion;
    if (group && group.primaryRegion !== key.Region) {
      group.replicaRegions = group.replicaRegions.filter((r) => r !== key.Region);
      // a primary waiting for its replicas starts its own window when the last one is gone (DG multi-region-keys-delete.md)
      const primary = peekRegionState(world, group.account, group.primaryRegion)?.keys.get(group.keyId);
      if (primary && primary.KeyState === 'PendingReplicaDeletion' && group.replicaRegions.length === 0) {
        primary.KeyState = 'PendingDeletion';
        primary.DeletionDate = new Date(key.DeletionDate!.getTime() + (primary.PendingWindowInDays ?? 30) * 86_400_000);
        markPendingDeletion(world, primary); // may be due in this same pass
      }
    }
  }
  return deleted;
}

/** Every key of the world, for inspection-safety tests and snapshots. */
export function* allKeys(world: World): Generator<KeyRecord> {
  for (const regions of world.accounts.values()) for (const state of regions.values()) yield* state.keys.values();
}
