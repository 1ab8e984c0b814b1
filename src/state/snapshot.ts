/**
 * Snapshots of a world (`kms.exportState({ wrappingKey })`, `HmacKms.fromState(snapshot, { wrappingKey })`): a
 * JSON-serialisable plain object holding every account and Region, every key in every state with its tags, policy,
 * grants and aliases, the multi-Region groups, the IAM identity policies and the counters that make ids and markers
 * unique — so that a restored world answers every operation exactly as the original would.
 *
 * Secrets are sealed (crypto/seal.ts): each key's material bound to its key ARN, the grant token key bound to its role.
 * The whole snapshot is authenticated: an HMAC over its canonical JSON (keys sorted), so that changing any value
 * anywhere — a policy, a grantee, a key state, a tag — is refused, and nothing is half-restored: the world is built
 * only after every check passed.
 */
import { HMAC_KEY_SPECS, isHmacKeySpec } from '../crypto/key-specs.js';
import { exportMacKeyMaterial, MacKey, type MacEngine } from '../crypto/mac-key.js';
import { stateKeys, type StateKeys } from '../crypto/seal.js';
import { grantFingerprint, storeGrant, type GrantRecord } from '../model/grant.js';
import { keyArn } from '../model/identifiers.js';
import type { KeyRecord, KeyTag, MultiRegionGroup } from '../model/key.js';
import type { KeyState } from '../model/kms-types.generated.js';
import { seqFrom } from '../model/ordered.js';
import { isAccountId, isRegionName } from '../model/regions.js';
import { createWorld, isLiveAlias, isLiveKey, markPendingDeletion, regionState, storeAlias, storeKey, type World } from '../model/world.js';
import { compilePolicy, compilePolicyOnce } from '../policy/document.js';
import { tokenKeyFrom } from '../operations/grant-tokens.js';

export const STATE_FORMAT = 'hmac-kms/state';
/** The snapshot format this version writes and reads. A test pins a snapshot of each format as a fixture. */
export const STATE_VERSION = 1;

/** Why a snapshot was refused. */
export type StateErrorCode = 'MALFORMED' | 'UNSUPPORTED_VERSION' | 'WRONG_WRAPPING_KEY' | 'TAMPERED';

/** A snapshot (or state file) hmac-kms refuses to restore; `code` says why. Nothing was restored. */
export class StateError extends Error {
  override readonly name = 'StateError';
  readonly code: StateErrorCode;
  constructor(code: StateErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface SnapshotGrant {
  GrantId: string;
  GranteePrincipal: string | undefined;
  GranteeServicePrincipal: string | undefined;
  IssuingAccount: string;
  Name: string | undefined;
  Operations: string[];
  RetiringPrincipal: string | undefined;
  RetiringServicePrincipal: string | undefined;
  SourceArn: string | undefined;
  createdMs: number;
  seq: number;
}

export interface SnapshotKey {
  DeletionDateMs: number | undefined;
  Description: string;
  KeyId: string;
  KeySpec: string;
  KeyState: string;
  MultiRegion: boolean;
  PendingWindowInDays: number | undefined;
  createdMs: number;
  seq: number;
  /** [TagKey, TagValue, seq] in order. */
  tags: [string, string, number][];
  /** Its key policy: an index into `world.policies` (most keys of an account share the default policy's text). */
  policy: number;
  grants: SnapshotGrant[];
  /** XChaCha20-Poly1305 of the material, bound to the key ARN. */
  sealedMaterial: string;
}

export interface SnapshotAlias {
  AliasName: string;
  TargetKeyId: string;
  createdMs: number;
  updatedMs: number;
  seq: number;
}

export interface SnapshotRegion {
  account: string;
  region: string;
  /** In creation order. */
  keys: SnapshotKey[];
  aliases: SnapshotAlias[];
}

export interface SnapshotMultiRegionKey {
  account: string;
  keyId: string;
  primaryRegion: string;
  replicaRegions: string[];
}

/** What `exportState` returns: plain JSON. */
export interface StateSnapshot {
  format: typeof STATE_FORMAT;
  version: number;
  /** Which wrapping key sealed it (a fingerprint, not the key). */
  keyCheck: string;
  /** The changes it includes (the position a journal continues from). */
  lsn: number;
  world: {
    seq: number;
    requestIdPrefix: string | null;
    requestCount: number;
    sealedTokenKey: string | null;
    identityPolicies: [identity: string, policies: [name: string, document: string][]][];
    /** Every distinct key policy text, verbatim. */
    policies: string[];
    multiRegionKeys: SnapshotMultiRegionKey[];
    regions: SnapshotRegion[];
  };
  /** HMAC-SHA-256 of the canonical JSON of every other member. */
  mac: string;
}

/** JSON with object members sorted by name at every depth: the form the MAC covers, whatever order a copy keeps. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

const TOKEN_KEY_AAD = 'hmac-kms grant token key';

/** Sealed materials, reused while the key and the wrapping key stay the same (a compaction re-seals nothing). */
const sealedCache = new WeakMap<MacKey, Map<string, string>>();
/** What a restored key's material is sealed as, known without opening it: the next snapshot re-seals nothing. */
function primeSealed(keys: StateKeys, material: MacKey, owner: string, sealed: string): void {
  let byKey = sealedCache.get(material);
  if (!byKey) sealedCache.set(material, (byKey = new Map()));
  byKey.set(`${keys.check}\u0000${owner}`, sealed);
}

function sealMaterial(keys: StateKeys, material: MacKey, arn: string): string {
  let byKey = sealedCache.get(material);
  if (!byKey) sealedCache.set(material, (byKey = new Map()));
  const id = `${keys.check}\u0000${arn}`;
  let sealed = byKey.get(id);
  if (sealed === undefined) byKey.set(id, (sealed = keys.seal(exportMacKeyMaterial(material), arn)));
  return sealed;
}

/*
 * Every object below is built with its members in sorted order (UTF-16 code units, as Array#sort orders them), absent
 * ones as undefined: then JSON.stringify of the snapshot is already its canonical JSON, and the MAC costs one native
 * stringify instead of a walk (100,000 keys). A test holds the exporter to it.
 */
function exportKey(keys: StateKeys, key: KeyRecord, policyIndex: (text: string) => number): SnapshotKey {
  const grants: SnapshotGrant[] = [];
  const g_ = key.grants;
  if (g_) {
    for (const g of seqFrom(g_.order, 0, (x) => g_.byId.get(x.GrantId) === x)) {
      grants.push({
        GrantId: g.GrantId,
        GranteePrincipal: g.GranteePrincipal,
        GranteeServicePrincipal: g.GranteeServicePrincipal,
        IssuingAccount: g.IssuingAccount,
        Name: g.Name,
        Operations: [...g.Operations],
        RetiringPrincipal: g.RetiringPrincipal,
        RetiringServicePrincipal: g.RetiringServicePrincipal,
        SourceArn: g.Constraints?.SourceArn,
        createdMs: g.createdMs,
        seq: g.seq,
      });
    }
  }
  return {
    DeletionDateMs: key.DeletionDate?.getTime(),
    Description: key.Description,
    KeyId: key.KeyId,
    KeySpec: key.KeySpec,
    KeyState: key.KeyState,
    MultiRegion: key.multiRegion !== undefined,
    PendingWindowInDays: key.PendingWindowInDays,
    createdMs: key.createdMs,
    grants,
    policy: policyIndex(key.policy),
    sealedMaterial: sealMaterial(keys, key.material, key.Arn),
    seq: key.seq,
    tags: key.tags.map((t) => [t.TagKey, t.TagValue, t.seq]),
  };
}

/** The snapshot of a world, sealed and authenticated under `wrappingKey`: the same world and key give the same snapshot. */
export function exportWorld(world: World, wrappingKey: Uint8Array): StateSnapshot {
  const keys = stateKeys(wrappingKey);
  const regions: SnapshotRegion[] = [];
  const groups = new Set<MultiRegionGroup>();
  const policies: string[] = [];
  const policyIds = new Map<string, number>();
  const policyIndex = (text: string): number => {
    let i = policyIds.get(text);
    if (i === undefined) policyIds.set(text, (i = policies.push(text) - 1));
    return i;
  };
  for (const byRegion of world.accounts.values()) {
    for (const state of byRegion.values()) {
      if (state.keys.size === 0 && state.aliases.size === 0) continue;
      const r: SnapshotRegion = { account: state.account, aliases: [], keys: [], region: state.region };
      for (const key of seqFrom(state.keyOrder, 0, isLiveKey(state))) {
        r.keys.push(exportKey(keys, key, policyIndex));
        if (key.multiRegion) groups.add(key.multiRegion);
      }
      for (const a of seqFrom(state.aliasOrder, 0, isLiveAlias(state))) {
        r.aliases.push({ AliasName: a.AliasName, TargetKeyId: a.TargetKeyId, createdMs: a.CreationDate.getTime(), seq: a.seq, updatedMs: a.LastUpdatedDate.getTime() });
      }
      regions.push(r);
    }
  }
  const body: Omit<StateSnapshot, 'mac'> = {
    format: STATE_FORMAT,
    keyCheck: keys.check,
    lsn: world.lsn,
    version: STATE_VERSION,
    world: {
      identityPolicies: [...world.identityPolicies].map(([id, p]) => [id, [...p.byName].map(([name, v]) => [name, v.document] as [string, string])]),
      multiRegionKeys: [...groups].map((g) => ({ account: g.account, keyId: g.keyId, primaryRegion: g.primaryRegion, replicaRegions: [...g.replicaRegions] })),
      policies,
      regions,
      requestCount: world.requestCount,
      requestIdPrefix: world.requestIdPrefix ?? null,
      sealedTokenKey: world.tokenKey ? sealMaterial(keys, world.tokenKey, TOKEN_KEY_AAD) : null,
      seq: world.seq,
    },
  };
  const mac = keys.mac(JSON.stringify(body)); // already canonical: see above
  return { format: body.format, keyCheck: body.keyCheck, lsn: body.lsn, mac, version: body.version, world: body.world };
}

// ---------------------------------------------------------------- restore

const malformed = (what: string) => new StateError('MALFORMED', `the state snapshot is truncated or malformed: ${what}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a snapshot's envelope, wrapping key and MAC, in that order, so that each failure has its own clear error.
 * Returns the state keys once the snapshot is known to be authentic.
 */
export function authenticateSnapshot(snapshot: unknown, wrappingKey: Uint8Array): { keys: StateKeys; snapshot: StateSnapshot } {
  if (!isObject(snapshot) || snapshot.format !== STATE_FORMAT) throw new StateError('MALFORMED', `not an hmac-kms state snapshot (expected format "${STATE_FORMAT}")`);
  if (typeof snapshot.version !== 'number') throw malformed('no format version');
  if (snapshot.version !== STATE_VERSION) {
    throw new StateError('UNSUPPORTED_VERSION', `state format version ${JSON.stringify(snapshot.version)} is not supported: this hmac-kms reads version ${STATE_VERSION}`);
  }
  if (typeof snapshot.keyCheck !== 'string' || typeof snapshot.mac !== 'string' || !isObject(snapshot.world) || typeof snapshot.lsn !== 'number') {
    throw malformed('members are missing');
  }
  const keys = stateKeys(wrappingKey);
  if (snapshot.keyCheck !== keys.check) throw new StateError('WRONG_WRAPPING_KEY', 'the wrapping key does not open this state: it was sealed with another wrapping key');
  const { mac, ...body } = snapshot;
  // the snapshot as written is canonical already; a copy whose members were reordered is checked in canonical form
  if (!keys.macEquals(JSON.stringify(body), mac) && !keys.macEquals(canonicalJson(body), mac)) {
    throw new StateError('TAMPERED', 'the state snapshot has been altered: its authentication code does not match its content');
  }
  return { keys, snapshot: snapshot as unknown as StateSnapshot };
}

/** A check of the authenticated content (which only hmac-kms itself can have written): a clear error, never a TypeError. */
function must(ok: unknown, what: string): asserts ok {
  if (!ok) throw malformed(what);
}

const KEY_STATES: ReadonlySet<string> = new Set(['Creating', 'Enabled', 'Disabled', 'PendingDeletion', 'PendingImport', 'PendingReplicaDeletion', 'Unavailable', 'Updating']);

/** Builds the world a snapshot describes; throws StateError, and builds nothing, when it cannot be restored whole. */
export function importWorld(input: unknown, wrappingKey: Uint8Array, engine?: MacEngine): World {
  const { keys, snapshot } = authenticateSnapshot(input, wrappingKey);
  const w = snapshot.world;
  const world = createWorld();
  try {
    must(Array.isArray(w.regions) && Array.isArray(w.multiRegionKeys) && Array.isArray(w.identityPolicies) && Array.isArray(w.policies), 'world lists');
    world.seq = w.seq;
    world.lsn = snapshot.lsn;
    world.requestCount = w.requestCount;
    world.requestIdPrefix = w.requestIdPrefix ?? undefined;
    if (w.sealedTokenKey !== null) {
      const bytes = keys.open(w.sealedTokenKey, TOKEN_KEY_AAD);
      if (!bytes) throw new StateError('TAMPERED', 'the sealed grant token key does not open');
      world.tokenKey = tokenKeyFrom(bytes);
      primeSealed(keys, world.tokenKey, TOKEN_KEY_AAD, w.sealedTokenKey);
    }
    for (const [id, policies] of w.identityPolicies) {
      const byName = new Map<string, { document: string; compiled: ReturnType<typeof compilePolicy> }>();
      for (const [name, document] of policies) byName.set(name, { document, compiled: compilePolicy(document, 'identity') });
      world.identityPolicies.set(id, { byName, compiled: [...byName.values()].map((p) => p.compiled) });
    }
    const groups = new Map<string, MultiRegionGroup>();
    for (const g of w.multiRegionKeys) {
      groups.set(`${g.account}/${g.keyId}`, { keyId: g.keyId, account: g.account, primaryRegion: g.primaryRegion, replicaRegions: [...g.replicaRegions] });
    }
    /** The one MacKey of each multi-Region key: replicas share their material (and must agree on it). */
    const shared = new Map<string, MacKey>();
    const grants: [KeyRecord, GrantRecord][] = [];
    for (const r of w.regions) {
      must(isAccountId(r.account) && isRegionName(r.region), 'a Region record');
      for (const k of r.keys) importKey(world, keys, r, k, groups, shared, grants, w.policies, engine);
      const state = regionState(world, r.account, r.region);
      for (const a of r.aliases) {
        const target = state.keys.get(a.TargetKeyId);
        must(target, `alias ${a.AliasName} names no key`);
        storeAlias(state, { AliasName: a.AliasName, TargetKeyId: a.TargetKeyId, CreationDate: new Date(a.createdMs), LastUpdatedDate: new Date(a.updatedMs), seq: a.seq });
        target.aliases.push(a.AliasName);
      }
    }
    // the world's grant indexes keep creation order across keys and Regions
    grants.sort((a, b) => a[1].seq - b[1].seq);
    for (const [key, grant] of grants) storeGrant(world, key, grant);
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw malformed((e as Error).message);
  }
  return world;
}

function importKey(
  world: World,
  keys: StateKeys,
  r: SnapshotRegion,
  k: SnapshotKey,
  groups: Map<string, MultiRegionGroup>,
  shared: Map<string, MacKey>,
  grants: [KeyRecord, GrantRecord][],
  policies: readonly string[],
  engine: MacEngine | undefined,
): void {
  const policy = policies[k.policy];
  must(typeof policy === 'string', `key ${k.KeyId}: its policy`);
  must(isHmacKeySpec(k.KeySpec), `key ${k.KeyId}: key spec`);
  must(KEY_STATES.has(k.KeyState), `key ${k.KeyId}: key state`);
  const info = HMAC_KEY_SPECS[k.KeySpec];
  const arn = keyArn(r.region, r.account, k.KeyId);
  const open = (): Uint8Array => {
    const bytes = keys.open(k.sealedMaterial, arn);
    if (!bytes || bytes.length !== info.keyLength) throw new StateError('TAMPERED', `the sealed material of ${arn} does not open`);
    return bytes;
  };
  const group = k.MultiRegion ? groups.get(`${r.account}/${k.KeyId}`) : undefined;
  must(!k.MultiRegion || group, `key ${k.KeyId}: its multi-Region group`);
  let material: MacKey;
  if (group) {
    // replicas share one material, and must agree on it: opened now
    const bytes = open();
    const sharedMaterial = shared.get(`${r.account}/${k.KeyId}`);
    if (sharedMaterial) {
      must(equalMaterial(sharedMaterial, bytes), `the replicas of ${k.KeyId} disagree on their material`);
      material = sharedMaterial;
    } else {
      material = new MacKey(info.hash, bytes, engine);
      shared.set(`${r.account}/${k.KeyId}`, material);
    }
    bytes.fill(0);
  } else {
    // opened when first used: the snapshot is authenticated whole, so it opens (and 100,000 keys load fast)
    material = new MacKey(info.hash, open, engine);
  }
  primeSealed(keys, material, arn, k.sealedMaterial);
  const key: KeyRecord = {
    // the field order of createKeyRecord (operations/keys.ts): one object layout for created and restored keys
    KeyId: k.KeyId,
    Arn: arn,
    AWSAccountId: r.account,
    KeyState: k.KeyState as KeyState,
    MacAlgorithm: info.MacAlgorithm,
    material,
    compiledPolicy: compilePolicyOnce(policy, 'key'),
    Region: r.region,
    createdMs: k.createdMs,
    Description: k.Description,
    KeySpec: k.KeySpec,
    ...(k.DeletionDateMs !== undefined ? { DeletionDate: new Date(k.DeletionDateMs) } : {}),
    ...(k.PendingWindowInDays !== undefined ? { PendingWindowInDays: k.PendingWindowInDays } : {}),
    Origin: 'AWS_KMS',
    ...(group ? { multiRegion: group } : {}),
    tags: k.tags.map(([TagKey, TagValue, seq]): KeyTag => ({ TagKey, TagValue, seq })),
    aliases: [],
    policy,
    seq: k.seq,
  };
  storeKey(world, key);
  if (key.KeyState === 'PendingDeletion' || key.KeyState === 'PendingReplicaDeletion') markPendingDeletion(world, key);
  for (const g of k.grants) {
    const grant: GrantRecord = {
      GrantId: g.GrantId,
      KeyId: arn,
      ...(g.Name !== undefined ? { Name: g.Name } : {}),
      createdMs: g.createdMs,
      ...(g.GranteePrincipal !== undefined ? { GranteePrincipal: g.GranteePrincipal } : {}),
      ...(g.RetiringPrincipal !== undefined ? { RetiringPrincipal: g.RetiringPrincipal } : {}),
      ...(g.GranteeServicePrincipal !== undefined ? { GranteeServicePrincipal: g.GranteeServicePrincipal } : {}),
      ...(g.RetiringServicePrincipal !== undefined ? { RetiringServicePrincipal: g.RetiringServicePrincipal } : {}),
      IssuingAccount: g.IssuingAccount,
      Operations: [...g.Operations],
      ...(g.SourceArn !== undefined ? { Constraints: { SourceArn: g.SourceArn } } : {}),
      fingerprint: grantFingerprint(arn, g.IssuingAccount, g),
      seq: g.seq,
    };
    grants.push([key, grant]);
  }
}

function equalMaterial(a: MacKey, b: Uint8Array): boolean {
  const x = exportMacKeyMaterial(a);
  const same = x.length === b.length && x.every((v, i) => v === b[i]);
  x.fill(0);
  return same;
}

