/**
 * Grants (DG grants.md; kms-authz.md §5): a grant lets a grantee principal perform some operations with one key. It
 * only ever allows; it never denies. Ids are 64 lower-case hex digits (as in the API examples).
 *
 * A key's grants are indexed for every lookup a call makes (issue #10.17): by id, in creation order (ListGrants
 * markers), by the request that made a named grant (CreateGrant's idempotency), and by grantee and operation (the
 * authorization of a grantee's call). The world indexes every grant by id (tokens, RetireGrant) and by retiring
 * principal (ListRetirableGrants).
 */
import type { GrantListEntry } from './kms-types.generated.js';
import type { KeyRecord } from './key.js';
import { seqAppend, seqIndexAppend, seqIndexRemoved, seqList, seqRemoved, type SeqList } from './ordered.js';
import { StableMap, StableSet } from './stable-map.js';
import type { World } from './world.js';

export interface GrantRecord {
  readonly GrantId: string;
  /** The key ARN. */
  readonly KeyId: string;
  readonly Name?: string;
  readonly createdMs: number;
  readonly GranteePrincipal?: string;
  readonly RetiringPrincipal?: string;
  readonly GranteeServicePrincipal?: string;
  readonly RetiringServicePrincipal?: string;
  /** `arn:aws:iam::<account>:root` of the account that created the grant. */
  readonly IssuingAccount: string;
  readonly Operations: readonly string[];
  readonly Constraints?: { readonly SourceArn?: string };
  /** Identity of the request that made it, for CreateGrant's idempotency by Name. */
  readonly fingerprint: string;
  readonly seq: number;
}

/** The grants of one key and their indexes (created with the key's first grant: most keys have none). */
export interface KeyGrants {
  readonly byId: StableMap<string, GrantRecord>;
  readonly order: SeqList<GrantRecord>;
  /** Named grants by the fingerprint of the request that made them. */
  readonly byFingerprint: StableMap<string, GrantRecord>;
  /** Grants that can allow something (no SourceArn constraint), by grantee id (`granteeId`) and operation. */
  readonly byGrantee: StableMap<string, StableMap<string, StableSet<GrantRecord>>>;
  /** Every grant by its grantee as written (`granteeListId`), in creation order: ListGrants' grantee filters. */
  readonly byGranteeAsWritten: StableMap<string, SeqList<GrantRecord>>;
}

export const GRANT_ID = /^[0-9a-f]{64}$/;

/**
 * The identity of a CreateGrant request for idempotency: "identical parameters" with the same Name (API CreateGrant
 * Name), operations in any order.
 */
export function grantFingerprint(
  keyArn: string,
  issuer: string,
  g: { Name?: string; GranteePrincipal?: string; RetiringPrincipal?: string; GranteeServicePrincipal?: string; RetiringServicePrincipal?: string; Operations: readonly string[]; SourceArn?: string },
): string {
  return JSON.stringify([keyArn, issuer, g.Name, g.GranteePrincipal, g.RetiringPrincipal, g.GranteeServicePrincipal, g.RetiringServicePrincipal, [...g.Operations].sort(), g.SourceArn ?? null]);
}

/** HMAC keys support only these grant operations (DG grants.md "Grant operations", hmac.md). */
export const HMAC_GRANT_OPERATIONS: readonly string[] = ['GenerateMac', 'VerifyMac', 'DescribeKey', 'CreateGrant', 'RetireGrant'];

const ROOT_ARN = /^arn:[^:]+:iam::(\d{12}):root$/;
const ROLE_ARN = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/**
 * How a grant's principal is filed: an account's root ARN stands for the account (`root:<account>`); a role ARN,
 * whatever its path, for every session of the role (`<account>:role/<name>`, as `Caller.iamId`); anything else is
 * matched exactly (kms-authz.md §5.4, F13).
 */
export function granteeId(principal: string): string {
  const root = ROOT_ARN.exec(principal);
  if (root) return `root:${root[1]}`;
  const role = ROLE_ARN.exec(principal);
  if (role) return `${role[1]}:role/${role[2]}`;
  return principal;
}

export const retiringPrincipalId = (principal: string) => `p:${principal}`;
export const retiringServiceId = (service: string) => `s:${service}`;
/** A principal or a service principal as one index key (`p:` or `s:` before it). */
const principalOrService = (principal: string | undefined, service: string | undefined): string | undefined =>
  principal !== undefined ? retiringPrincipalId(principal) : service !== undefined ? retiringServiceId(service) : undefined;
const retiringId = (g: GrantRecord) => principalOrService(g.RetiringPrincipal, g.RetiringServicePrincipal);
/** The key of `World.retirable`: a retiring principal's grants on the keys of one Region (ListRetirableGrants is per Region). */
export const retirableIn = (id: string, region: string) => `${id}\u0000${region}`;
/** The key of `KeyGrants.byGranteeAsWritten` for a grant, and for ListGrants' filter members. */
export const granteeListId = (g: { GranteePrincipal?: string | undefined; GranteeServicePrincipal?: string | undefined }) =>
  principalOrService(g.GranteePrincipal, g.GranteeServicePrincipal);

export const isLiveGrant = (world: World) => (g: GrantRecord) => world.grants.get(g.GrantId) === g;
const isLiveKeyGrant = (grants: KeyGrants) => (g: GrantRecord) => grants.byId.get(g.GrantId) === g;

/** Stores a new grant of `key` in every index. */
export function storeGrant(world: World, key: KeyRecord, grant: GrantRecord): void {
  const grants = (key.grants ??= { byId: new StableMap(), order: seqList(), byFingerprint: new StableMap(), byGrantee: new StableMap(), byGranteeAsWritten: new StableMap() });
  grants.byId.set(grant.GrantId, grant);
  seqAppend(grants.order, grant);
  const gid = granteeListId(grant);
  if (gid !== undefined) seqIndexAppend(grants.byGranteeAsWritten, gid, grant);
  if (grant.Name !== undefined) grants.byFingerprint.set(grant.fingerprint, grant);
  if (grant.GranteePrincipal !== undefined && grant.Constraints?.SourceArn === undefined) {
    const id = granteeId(grant.GranteePrincipal);
    let byOperation = grants.byGrantee.get(id);
    if (!byOperation) grants.byGrantee.set(id, (byOperation = new StableMap()));
    for (const op of grant.Operations) {
      let set = byOperation.get(op);
      if (!set) byOperation.set(op, (set = new StableSet()));
      set.add(grant);
    }
  }
  world.grants.set(grant.GrantId, grant);
  const rid = retiringId(grant);
  if (rid !== undefined) seqIndexAppend(world.retirable, retirableIn(rid, key.Region), grant);
}

/** Removes a grant of `key` from every index (RetireGrant, RevokeGrant). */
export function removeGrant(world: World, key: KeyRecord, grant: GrantRecord): void {
  const grants = key.grants;
  if (!grants || grants.byId.get(grant.GrantId) !== grant) return;
  grants.byId.delete(grant.GrantId);
  seqRemoved(grants.order, isLiveKeyGrant(grants));
  const gid = granteeListId(grant);
  if (gid !== undefined) seqIndexRemoved(grants.byGranteeAsWritten, gid, isLiveKeyGrant(grants));
  if (grants.byFingerprint.get(grant.fingerprint) === grant) grants.byFingerprint.delete(grant.fingerprint);
  if (grant.GranteePrincipal !== undefined) {
    const id = granteeId(grant.GranteePrincipal);
    const byOperation = grants.byGrantee.get(id);
    if (byOperation) {
      for (const op of grant.Operations) {
        const set = byOperation.get(op);
        if (set?.delete(grant) && set.size === 0) byOperation.delete(op);
      }
      if (byOperation.size === 0) grants.byGrantee.delete(id);
    }
  }
  if (grants.byId.size === 0) key.grants = undefined;
  world.grants.delete(grant.GrantId);
  const rid = retiringId(grant);
  if (rid !== undefined) seqIndexRemoved(world.retirable, retirableIn(rid, key.Region), isLiveGrant(world));
}

/** Removes every grant of a deleted key. */
export function removeAllGrants(world: World, key: KeyRecord): void {
  if (key.grants) for (const g of [...key.grants.byId.values()]) removeGrant(world, key, g);
}

export function toGrantListEntry(g: GrantRecord): GrantListEntry {
  const e: GrantListEntry = { KeyId: g.KeyId, GrantId: g.GrantId };
  if (g.Name !== undefined) e.Name = g.Name;
  e.CreationDate = new Date(g.createdMs);
  if (g.GranteePrincipal !== undefined) e.GranteePrincipal = g.GranteePrincipal;
  if (g.RetiringPrincipal !== undefined) e.RetiringPrincipal = g.RetiringPrincipal;
  e.IssuingAccount = g.IssuingAccount;
  e.Operations = [...g.Operations] as GrantListEntry['Operations'];
  if (g.Constraints) e.Constraints = { ...g.Constraints };
  if (g.GranteeServicePrincipal !== undefined) e.GranteeServicePrincipal = g.GranteeServicePrincipal;
  if (g.RetiringServicePrincipal !== undefined) e.RetiringServicePrincipal = g.RetiringServicePrincipal;
  return e;
}
