/**
 * What every operation handler receives, the shape of an entry of the operation table, and the helpers the handlers
 * share (key resolution, pagination).
 */
import type { CallOrigin } from '../audit/cloudtrail.js';
import type { AuthRequest } from '../policy/authorize.js';
import { accessDeniedUnknownResource } from '../policy/decide.js';
import type { MacEngine } from '../crypto/mac-key.js';
import type { RandomSource } from '../crypto/random.js';
import { InvalidArnException, InvalidMarkerException, NotFoundException } from '../errors.js';
import { aliasArn, keyArn, parseKeyIdentifier } from '../model/identifiers.js';
import type { KeyRecord } from '../model/key.js';
import type { StateProfileName } from '../model/key-states.js';
import type { Caller } from '../model/principal.js';
import { peekRegionState, type World } from '../model/world.js';

export interface Quotas {
  /** Customer managed keys per account and Region (DG resource-limits: 100,000). */
  keysPerRegion: number;
  /** Aliases per key (DG resource-limits: 50). */
  aliasesPerKey: number;
  /** Grants per key (DG resource-limits: 50,000). */
  grantsPerKey: number;
}

export const DEFAULT_QUOTAS: Readonly<Quotas> = Object.freeze({ keysPerRegion: 100_000, aliasesPerKey: 50, grantsPerKey: 50_000 });

export interface KmsConfig {
  readonly quotas: Readonly<Quotas>;
  readonly hmacUnsupportedRegions: ReadonlySet<string>;
  /** Where new keys compute their MACs (default: @noble/hashes in MacKey itself). */
  readonly macEngine?: MacEngine | undefined;
}

/** One call: who calls, where, when. */
export interface CallContext {
  readonly world: World;
  readonly caller: Caller;
  /** The Region of the endpoint called. */
  readonly region: string;
  readonly now: Date;
  readonly random: RandomSource;
  readonly config: KmsConfig;
  readonly requestId: string;
  /** What the door knows of the connection (the wire handler: source IP, user agent, access key). */
  readonly origin: CallOrigin | undefined;
}

/** The key an operation acts on, and how the caller named it. */
export interface ResolvedKey {
  readonly key: KeyRecord;
  /** The alias name when the caller named the key by alias name or alias ARN (condition key kms:RequestAlias). */
  readonly alias?: string;
}

export type IdentifierForms = 'any' | 'key';

/** One entry of the operation table. */
export interface OperationDef<I = any> {
  /** The API operation name (`X-Amz-Target: TrentService.<name>`). */
  readonly name: string;
  /** The model shape of the input; validation follows it. */
  readonly shape: string;
  /** Custom parsing instead of the model shape (emulator-only operations). */
  readonly parse?: (raw: unknown) => I;
  /** Service-level input rules beyond the model (still the validate step). */
  readonly check?: (input: I, ctx: CallContext) => void;
  /** Which member names the key, and which identifier forms it accepts (API reference, each member's doc). */
  readonly key?: { readonly member: string; readonly forms: IdentifierForms; readonly optional?: boolean };
  /** The IAM action authorization checks (`kms:GenerateMac`). */
  readonly action: string;
  /**
   * How to authorize: by default the key policy, IAM and grants for `action` on the resolved key, or IAM alone when
   * the operation names no key (F9). `identity` forces IAM alone; a function does what the operation needs.
   */
  readonly authorize?: 'identity' | ((auth: AuthRequest, input: I, resolved: ResolvedKey | undefined) => void);
  /** The grant operation that allows this operation, when it differs from its name (ReEncrypt: ReEncryptTo). */
  readonly grantOperation?: string;
  /** Key states that allow the operation. */
  readonly states?: StateProfileName;
  /** Key usage and algorithm rules (InvalidKeyUsageException and kin). */
  readonly usage?: (key: KeyRecord, input: I, ctx: CallContext) => void;
  /** Audit: CloudTrail's `readOnly`. */
  readonly readOnly: boolean;
  /** Reachable through the wire protocol (false for emulator-only operations such as SeedKey). */
  readonly wire?: boolean;
  readonly handler: (ctx: CallContext, input: I, resolved: ResolvedKey | undefined) => object;
}

/** `Invalid keyId '<value>'` (recorded: DescribeKey 'fake-key-id', GenerateMac 'key_id'). */
export const invalidKeyId = (value: string) => new NotFoundException(`Invalid keyId '${value}'`);

/**
 * Finds the key a request names. A key id or alias name is looked up in the caller's account and the endpoint's
 * Region; an ARN names its account (cross-account) but must be of the endpoint's Region. Texts (recorded): malformed
 * `Invalid keyId '<v>'`; unknown `Key '<key ARN>' does not exist`; ARN of another Region `Invalid arn <region>`;
 * unknown alias `Alias <alias ARN> is not found.` (real AWS text quoted in sigstore/cosign#1474).
 */
export function resolveKey(ctx: CallContext, value: string, forms: IdentifierForms, action: string): ResolvedKey {
  // fast paths: a key id, or the key ARN, of a key of the caller's account and Region (Map lookups, no parsing)
  const keys = peekRegionState(ctx.world, ctx.caller.account, ctx.region)?.keys;
  const slash = value.lastIndexOf('/');
  const own = keys?.get(slash < 0 ? value : value.slice(slash + 1));
  if (own && (own.KeyId === value || own.Arn === value)) return { key: own };
  const id = parseKeyIdentifier(value);
  switch (id.kind) {
    case 'malformed':
      throw invalidKeyId(value);
    case 'keyId': {
      const key = peekRegionState(ctx.world, ctx.caller.account, ctx.region)?.keys.get(id.keyId);
      if (!key) throw new NotFoundException(`Key '${keyArn(ctx.region, ctx.caller.account, id.keyId)}' does not exist`);
      return { key };
    }
    case 'keyArn': {
      if (id.region !== ctx.region) throw new NotFoundException(`Invalid arn ${id.region}`);
      const key = peekRegionState(ctx.world, id.account, id.region)?.keys.get(id.keyId);
      if (!key || key.Arn !== value) {
        // another account's key that does not exist: no existence oracle across accounts (2025 AWS text)
        if (id.account !== ctx.caller.account) throw accessDeniedUnknownResource(ctx.caller.arn, action);
        throw new NotFoundException(`Key '${value}' does not exist`);
      }
      return { key };
    }
    case 'aliasName':
    case 'aliasArn': {
      // "Aliases are not valid identifiers for KMS keys in other AWS KMS operations" (DG alias-about.md); real
      // text for CreateGrant with an alias (raw KMS body quoted in boto/boto#3202)
      if (forms !== 'any') throw new InvalidArnException('Key Aliases are not supported for this operation.');
      const account = id.kind === 'aliasArn' ? id.account : ctx.caller.account;
      if (id.kind === 'aliasArn' && id.region !== ctx.region) throw new NotFoundException(`Invalid arn ${id.region}`);
      const state = peekRegionState(ctx.world, account, ctx.region);
      const alias = state?.aliases.get(id.aliasName);
      const key = alias && state!.keys.get(alias.TargetKeyId);
      if (!key) {
        if (account !== ctx.caller.account) throw accessDeniedUnknownResource(ctx.caller.arn, action);
        throw new NotFoundException(`Alias ${aliasArn(ctx.region, account, id.aliasName)} is not found.`);
      }
      return { key, alias: id.aliasName };
    }
  }
}

// ---------------------------------------------------------------- pagination

const MARKER_PREFIX = 'hmac-kms:';

/**
 * One page of a listing ordered by `seqOf`. `from(seq)` gives the items whose seq is at least `seq`, in order (an
 * index answers it without walking the items before). Markers are opaque (`Do not attempt to construct this value`,
 * API) and tied to the operation that issued them; anything else is `InvalidMarkerException`. A marker names the
 * first item of the next page by its seq, so items added or removed meanwhile shift nothing.
 */
export function paginate<T>(
  op: string,
  from: (seq: number) => Iterable<T>,
  seqOf: (item: T) => number,
  marker: string | undefined,
  limit: number,
): { page: T[]; NextMarker?: string; Truncated: boolean } {
  let start = 0;
  if (marker !== undefined) {
    const prefix = `${MARKER_PREFIX}${op}:`;
    const n = marker.startsWith(prefix) ? Number(marker.slice(prefix.length)) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidMarkerException('The marker that you provided is not valid.');
    start = n;
  }
  const page: T[] = [];
  for (const item of from(start)) {
    if (page.length === limit) return { page, NextMarker: `${MARKER_PREFIX}${op}:${seqOf(item)}`, Truncated: true };
    page.push(item);
  }
  return { page, Truncated: false };
}

/** `from` for a small list already in seq order. */
export const fromList = <T>(items: readonly T[], seqOf: (item: T) => number) => (seq: number): Iterable<T> =>
  seq === 0 ? items : items.filter((i) => seqOf(i) >= seq);

/** `Limit` within the model range (1..1000, validated) but above an operation's documented maximum is clamped. */
export const pageSize = (limit: number | undefined, byDefault: number, documentedMax: number): number =>
  Math.min(limit ?? byDefault, documentedMax);
