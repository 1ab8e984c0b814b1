/**
 * The world every `HmacKms` derived from one constructor shares: all accounts, all Regions, all keys. Plain data
 * (Maps and objects) and pure functions over it; no clock and no randomness here.
 */
import type { CompiledPolicy } from '../policy/document.js';
import type { GrantTokenTarget } from './grant.js';
import type { KeyRecord } from './key.js';

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
  readonly keys: Map<string, KeyRecord>;
  readonly aliases: Map<string, AliasRecord>;
}

export interface World {
  /** account -> region -> resources */
  readonly accounts: Map<string, Map<string, RegionState>>;
  /** Keys waiting for deletion; `nextDeletion` is the earliest DeletionDate among them (ms), or Infinity. */
  readonly pendingDeletion: Set<KeyRecord>;
  nextDeletion: number;
  /** Creation sequence for keys, aliases and grants (list order, pagination markers). */
  seq: number;
  /** IAM identity policies by identity (`<account>:user/<name>` or `<account>:role/<name>`), then by policy name. */
  readonly identityPolicies: Map<string, IdentityPolicies>;
  /** Every grant token issued, and the grant it names. */
  readonly grantTokens: Map<string, GrantTokenTarget>;
  /** Request ids: a random prefix fixed per world and a counter. */
  /** Drawn on the first call, never at construction: Workers forbid randomness in global scope. */
  requestIdPrefix: string | undefined;
  requestCount: number;
}

export function createWorld(): World {
  return {
    accounts: new Map(),
    pendingDeletion: new Set(),
    nextDeletion: Infinity,
    seq: 0,
    identityPolicies: new Map(),
    grantTokens: new Map(),
    requestIdPrefix: undefined,
    requestCount: 0,
  };
}

/** The resources of `account` in `region`, created empty on first use. */
export function regionState(world: World, account: string, region: string): RegionState {
  let regions = world.accounts.get(account);
  if (!regions) world.accounts.set(account, (regions = new Map()));
  let state = regions.get(region);
  if (!state) regions.set(region, (state = { account, region, keys: new Map(), aliases: new Map() }));
  return state;
}

/** The resources of `account` in `region` if any exist (never creates). */
export function peekRegionState(world: World, account: string, region: string): RegionState | undefined {
  return world.accounts.get(account)?.get(region);
}

export function nextSeq(world: World): number {
  return ++world.seq;
}

/** Recomputes the earliest pending deletion. */
function refreshNextDeletion(world: World): void {
  let next = Infinity;
  for (const key of world.pendingDeletion) if (key.DeletionDate && key.DeletionDate.getTime() < next) next = key.DeletionDate.getTime();
  world.nextDeletion = next;
}

export function markPendingDeletion(world: World, key: KeyRecord): void {
  world.pendingDeletion.add(key);
  refreshNextDeletion(world);
}

export function unmarkPendingDeletion(world: World, key: KeyRecord): void {
  if (world.pendingDeletion.delete(key)) refreshNextDeletion(world);
}

/**
 * Deletes every key whose DeletionDate has come, with the aliases that point at it ("After the waiting period ends,
 * AWS KMS deletes the KMS key, its aliases, and all related AWS KMS metadata", DG deleting-keys.md). O(1) when
 * nothing is due. Returns the deleted keys (so that the caller can update what depends on them).
 */
export function purgeDeletedKeys(world: World, nowMs: number): KeyRecord[] {
  if (nowMs < world.nextDeletion) return [];
  const deleted: KeyRecord[] = [];
  for (const key of world.pendingDeletion) {
    if (key.DeletionDate && key.DeletionDate.getTime() <= nowMs) deleted.push(key);
  }
  for (const key of deleted) {
    world.pendingDeletion.delete(key);
    const state = peekRegionState(world, key.AWSAccountId, key.Region);
    if (state) {
      state.keys.delete(key.KeyId);
      for (const alias of key.aliases) state.aliases.delete(alias);
    }
    const group = key.multiRegion;
    if (group && group.primaryRegion !== key.Region) {
      group.replicaRegions = group.replicaRegions.filter((r) => r !== key.Region);
      // a primary waiting for its replicas starts its own window when the last one is gone (DG multi-region-keys-delete.md)
      const primary = peekRegionState(world, group.account, group.primaryRegion)?.keys.get(group.keyId);
      if (primary && primary.KeyState === 'PendingReplicaDeletion' && group.replicaRegions.length === 0) {
        primary.KeyState = 'PendingDeletion';
        primary.DeletionDate = new Date(key.DeletionDate!.getTime() + (primary.PendingWindowInDays ?? 30) * 86_400_000);
        world.pendingDeletion.add(primary);
      }
    }
  }
  refreshNextDeletion(world);
  // a primary whose window started in this pass may be due too
  if (deleted.length && nowMs >= world.nextDeletion) deleted.push(...purgeDeletedKeys(world, nowMs));
  return deleted;
}

/** Every key of the world, for inspection-safety tests and snapshots. */
export function* allKeys(world: World): Generator<KeyRecord> {
  for (const regions of world.accounts.values()) for (const state of regions.values()) yield* state.keys.values();
}
