/**
 * Key lifecycle: CreateKey (and the emulator-only SeedKey), DescribeKey, ListKeys, EnableKey, DisableKey,
 * ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription, GetKeyRotationStatus.
 */
import { HMAC_KEY_SPECS, isHmacKeySpec } from '../crypto/key-specs.js';
import { MacKey } from '../crypto/mac-key.js';
import { randomBytes, randomUuid, toHex } from '../crypto/random.js';
import type { HmacKeySpec } from '../enums.js';
import { AlreadyExistsException, LimitExceededException, UnsupportedOperationException, ValidationException } from '../errors.js';
import { isKeyId, isMultiRegionKeyId, keyArn } from '../model/identifiers.js';
import { toKeyMetadata, type KeyRecord } from '../model/key.js';
import type { CreateKeyRequest, KeySpec, Tag } from '../model/kms-types.generated.js';
import { partitionOf } from '../model/regions.js';
import { validateInput } from '../model/validate.js';
import { seqFrom } from '../model/ordered.js';
import { isLiveKey, markPendingDeletion, nextSeq, peekRegionState, storeKey, unmarkPendingDeletion } from '../model/world.js';
import { requireIdentityAccess, type AuthRequest } from '../policy/authorize.js';
import { defaultKeyPolicy } from '../policy/default-policy.js';
import { compilePolicyOnce } from '../policy/document.js';
import { checkKeyPolicyDocument, lockoutCheck } from './policies.js';
import { paginate, pageSize, type CallContext, type OperationDef } from './context.js';
import { checkNewTags } from './tags.js';

export interface NewKey {
  KeySpec: HmacKeySpec;
  Description?: string;
  Tags?: Tag[];
  Policy?: string;
  MultiRegion?: boolean;
  /** Seeded keys bring their own id and material; created keys draw both from `random`. */
  KeyId?: string;
  KeyMaterial?: Uint8Array;
}

/**
 * Service-level rules of CreateKey for the HMAC keys hmac-kms makes, in the order AWS reports them where known.
 * Recorded: an HMAC spec without KeyUsage fails with "You must specify a KeyUsage value for all KMS keys except for
 * symmetric encryption keys." (test_hmac_create_key_invalid_operations).
 */
export function checkCreateKey(input: CreateKeyRequest, ctx: CallContext): void {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
    throw new ValidationException('You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
  }
  const spec: KeySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  if (isHmacKeySpec(spec) && input.KeyUsage === undefined) {
    throw new ValidationException('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  if (!isHmacKeySpec(spec)) {
    throw new UnsupportedOperationException(
      `KeySpec ${spec} is not supported: hmac-kms emulates HMAC KMS keys only. Use KeySpec HMAC_224, HMAC_256, HMAC_384 or HMAC_512 with KeyUsage GENERATE_VERIFY_MAC.`,
    );
  }
  if (input.KeyUsage !== 'GENERATE_VERIFY_MAC') {
    // by analogy with the recorded "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048"
    throw new ValidationException(`KeyUsage ${input.KeyUsage} is not compatible with KeySpec ${spec}`);
  }
  if (input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined || input.Origin === 'AWS_CLOUDHSM' || input.Origin === 'EXTERNAL_KEY_STORE') {
    // custom key stores hold only SYMMETRIC_DEFAULT keys (API CreateKey: CustomKeyStoreId, Origin)
    throw new UnsupportedOperationException(`Custom key stores support only SYMMETRIC_DEFAULT KMS keys; KeySpec ${spec} is not supported in a custom key store.`);
  }
  if (input.Origin === 'EXTERNAL') {
    // the seed's rule (DG hmac.md until 2023-06): HMAC keys do not support imported key material
    throw new UnsupportedOperationException(`HMAC KMS keys do not support imported key material: Origin EXTERNAL is not valid for KeySpec ${spec}.`);
  }
  checkHmacRegion(spec, ctx);
  if (input.Tags) checkNewTags(undefined, input.Tags);
  if (input.Policy !== undefined) checkKeyPolicyDocument(input.Policy);
}

/** CreateKey is authorized by IAM alone (F9); tagging on creation also needs kms:TagResource (SAR dependent action). */
function authorizeCreateKey(auth: AuthRequest, input: { Tags?: Tag[] }): void {
  requireIdentityAccess(auth, 'kms:CreateKey', '*');
  if (input.Tags?.length) requireIdentityAccess(auth, 'kms:TagResource', '*');
}

/** The lockout safety check applies to a Policy given with CreateKey (API CreateKey Policy). */
const createKeyLockout = (ctx: CallContext, input: { Policy?: string; BypassPolicyLockoutSafetyCheck?: boolean }) => (key: KeyRecord) => {
  if (input.Policy !== undefined && input.BypassPolicyLockoutSafetyCheck !== true) {
    lockoutCheck({ ctx, operation: 'CreateKey', input: input as Record<string, unknown> }, key, key.compiledPolicy);
  }
};

export function checkHmacRegion(spec: HmacKeySpec, ctx: CallContext, region = ctx.region): void {
  if (ctx.config.hmacUnsupportedRegions.has(region)) {
    throw new UnsupportedOperationException(`KeySpec ${spec} is not supported in this Region (${region}): HMAC KMS keys are not available in ${region}.`);
  }
}

/**
 * Makes a key in the caller's account and the endpoint's Region; the quota is the one adjustable per account.
 * `beforeStore` sees the finished key before it exists for anyone (the lockout check needs its ARN).
 */
export function createKeyRecord(ctx: CallContext, spec: NewKey, beforeStore?: (key: KeyRecord) => void): KeyRecord {
  const { world, caller, region } = ctx;
  const keys = peekRegionState(world, caller.account, region)?.keys;
  if ((keys?.size ?? 0) >= ctx.config.quotas.keysPerRegion) {
    throw new LimitExceededException(
      `The request would exceed the quota of ${ctx.config.quotas.keysPerRegion} KMS keys in account ${caller.account} in ${region}.`,
    );
  }
  const info = HMAC_KEY_SPECS[spec.KeySpec];
  const KeyId = spec.KeyId ?? (spec.MultiRegion ? `mrk-${toHex(randomBytes(ctx.random, 16))}` : randomUuid(ctx.random));
  if (keys?.has(KeyId)) throw new AlreadyExistsException(`Key '${keyArn(region, caller.account, KeyId)}' already exists`);
  const material = spec.KeyMaterial ?? randomBytes(ctx.random, info.keyLength);
  const policy = spec.Policy ?? defaultKeyPolicy(partitionOf(region), caller.account);
  const key: KeyRecord = {
    // what every call reads first, first: near the object's header, in the fewest cache lines (snapshot.ts and
    // multi-region.ts build records in this order too)
    KeyId,
    Arn: keyArn(region, caller.account, KeyId),
    AWSAccountId: caller.account,
    KeyState: 'Enabled',
    MacAlgorithm: info.MacAlgorithm,
    material: new MacKey(info.hash, material, ctx.config.macEngine),
    compiledPolicy: compilePolicyOnce(policy, 'key'),
    Region: region,
    createdMs: ctx.now.getTime(),
    Description: spec.Description ?? '',
    KeySpec: spec.KeySpec,
    Origin: 'AWS_KMS',
    ...(spec.MultiRegion ? { multiRegion: { keyId: KeyId, account: caller.account, primaryRegion: region, replicaRegions: [] } } : {}),
    tags: [],
    aliases: [],
    policy,
    seq: 0,
  };
  beforeStore?.(key);
  (key as { seq: number }).seq = nextSeq(world);
  for (const t of spec.Tags ?? []) key.tags.push({ TagKey: t.TagKey!, TagValue: t.TagValue!, seq: nextSeq(world) });
  storeKey(world, key);
  return key;
}

// ---------------------------------------------------------------- SeedKey (emulator-only)

export interface SeedKeyRequest {
  KeySpec: HmacKeySpec;
  KeyMaterial: Uint8Array;
  KeyId?: string;
  Description?: string;
  Tags?: Tag[];
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  MultiRegion?: boolean;
}

function parseSeedKey(raw: unknown): SeedKeyRequest {
  const r = (raw ?? {}) as Record<string, unknown>;
  const { KeyMaterial, KeyId, ...rest } = r;
  // the members SeedKey shares with CreateKey follow CreateKey's model constraints
  const common = validateInput<CreateKeyRequest>('CreateKeyRequest', rest);
  if (!isHmacKeySpec(common.KeySpec)) {
    throw new ValidationException(`seedKey: KeySpec must be one of HMAC_224, HMAC_256, HMAC_384, HMAC_512 (got ${String(common.KeySpec)})`);
  }
  const info = HMAC_KEY_SPECS[common.KeySpec];
  if (!(KeyMaterial instanceof Uint8Array) || KeyMaterial.length !== info.keyLength) {
    const got = KeyMaterial instanceof Uint8Array ? `${KeyMaterial.length} bytes` : typeof KeyMaterial;
    throw new ValidationException(`seedKey: KeyMaterial must be a Uint8Array of ${info.keyLength} bytes for ${common.KeySpec} (got ${got})`);
  }
  if (KeyId !== undefined) {
    const mrk = common.MultiRegion === true;
    if (typeof KeyId !== 'string' || !isKeyId(KeyId) || isMultiRegionKeyId(KeyId) !== mrk || KeyId !== KeyId.toLowerCase()) {
      throw new ValidationException(
        `seedKey: KeyId must be a lower-case ${mrk ? "'mrk-' followed by 32 hex digits (MultiRegion: true)" : 'UUID (8-4-4-4-12 hex digits)'} (got ${JSON.stringify(KeyId)})`,
      );
    }
  }
  return {
    KeySpec: common.KeySpec,
    KeyMaterial: KeyMaterial.slice(),
    ...(KeyId !== undefined ? { KeyId: KeyId as string } : {}),
    ...(common.Description !== undefined ? { Description: common.Description } : {}),
    ...(common.Tags ? { Tags: common.Tags } : {}),
    ...(common.Policy !== undefined ? { Policy: common.Policy } : {}),
    ...(common.BypassPolicyLockoutSafetyCheck !== undefined ? { BypassPolicyLockoutSafetyCheck: common.BypassPolicyLockoutSafetyCheck } : {}),
    ...(common.MultiRegion !== undefined ? { MultiRegion: common.MultiRegion } : {}),
  };
}

// ---------------------------------------------------------------- the table entries

export const keyOperations: OperationDef[] = [
  {
    name: 'CreateKey',
    shape: 'CreateKeyRequest',
    action: 'kms:CreateKey',
    readOnly: false,
    check: checkCreateKey,
    authorize: authorizeCreateKey,
    handler: (ctx, input: CreateKeyRequest) => {
      const key = createKeyRecord(ctx, {
        KeySpec: (input.KeySpec ?? input.CustomerMasterKeySpec) as HmacKeySpec,
        ...(input.Description !== undefined ? { Description: input.Description } : {}),
        ...(input.Tags ? { Tags: input.Tags } : {}),
        ...(input.Policy !== undefined ? { Policy: input.Policy } : {}),
        ...(input.MultiRegion !== undefined ? { MultiRegion: input.MultiRegion } : {}),
      }, createKeyLockout(ctx, input));
      return { KeyMetadata: toKeyMetadata(key) };
    },
  },
  {
    name: 'SeedKey',
    shape: 'CreateKeyRequest',
    parse: parseSeedKey,
    action: 'kms:CreateKey',
    readOnly: false,
    wire: false,
    check: (input: SeedKeyRequest, ctx) => {
      checkHmacRegion(input.KeySpec, ctx);
      if (input.Tags) checkNewTags(undefined, input.Tags);
      if (input.Policy !== undefined) checkKeyPolicyDocument(input.Policy);
    },
    authorize: authorizeCreateKey,
    handler: (ctx, input: SeedKeyRequest) => ({ KeyMetadata: toKeyMetadata(createKeyRecord(ctx, input, createKeyLockout(ctx, input))) }),
  },
  {
    name: 'DescribeKey',
    shape: 'DescribeKeyRequest',
    key: { member: 'KeyId', forms: 'any' },
    action: 'kms:DescribeKey',
    states: 'any',
    readOnly: true,
    handler: (_ctx, _input, r) => ({ KeyMetadata: toKeyMetadata(r!.key) }),
  },
  {
    name: 'ListKeys',
    shape: 'ListKeysRequest',
    action: 'kms:ListKeys',
    readOnly: true,
    // Limit: documented 1..1000, default 100 (API ListKeys)
    handler: (ctx, input: { Limit?: number; Marker?: string }) => {
      const state = peekRegionState(ctx.world, ctx.caller.account, ctx.region);
      const from = (seq: number) => (state ? seqFrom(state.keyOrder, seq, isLiveKey(state)) : []);
      const { page, NextMarker, Truncated } = paginate('ListKeys', from, (k) => k.seq, input.Marker, pageSize(input.Limit, 100, 1000));
      return { Keys: page.map((k) => ({ KeyId: k.KeyId, KeyArn: k.Arn })), ...(NextMarker ? { NextMarker } : {}), Truncated };
    },
  },
  {
    name: 'EnableKey',
    shape: 'EnableKeyRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:EnableKey',
    states: 'enableDisable',
    readOnly: false,
    handler: (_ctx, _input, r) => {
      r!.key.KeyState = 'Enabled';
      return {};
    },
  },
  {
    name: 'DisableKey',
    shape: 'DisableKeyRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:DisableKey',
    states: 'enableDisable',
    readOnly: false,
    handler: (_ctx, _input, r) => {
      r!.key.KeyState = 'Disabled';
      return {};
    },
  },
  {
    name: 'ScheduleKeyDeletion',
    shape: 'ScheduleKeyDeletionRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:ScheduleKeyDeletion',
    states: 'scheduleDeletion',
    readOnly: false,
    // API ScheduleKeyDeletion: "This value is optional. If you include a value, it must be between 7 and 30,
    // inclusive. If you do not include a value, it defaults to 30." The model range is 1..365.
    // Real text for 1 (Skyscanner/kms-issuer#8); values outside the model's 1..365 fail model validation first.
    check: (input: { PendingWindowInDays?: number }) => {
      const days = input.PendingWindowInDays;
      if (days !== undefined && (days < 7 || days > 30)) throw new ValidationException('PendingWindowInDays must be between 7 and 30');
    },
    handler: (ctx, input: { PendingWindowInDays?: number }, r) => {
      const key = r!.key;
      const days = input.PendingWindowInDays ?? 30;
      const group = key.multiRegion;
      key.PendingWindowInDays = days;
      if (group && group.primaryRegion === key.Region && group.replicaRegions.length > 0) {
        // a primary with replicas waits for them (DG multi-region-keys-delete.md): no DeletionDate yet
        key.KeyState = 'PendingReplicaDeletion';
        return { KeyId: key.Arn, KeyState: key.KeyState, PendingWindowInDays: days };
      }
      key.KeyState = 'PendingDeletion';
      key.DeletionDate = new Date(ctx.now.getTime() + days * 86_400_000);
      markPendingDeletion(ctx.world, key);
      return { KeyId: key.Arn, DeletionDate: new Date(key.DeletionDate.getTime()), KeyState: key.KeyState, PendingWindowInDays: days };
    },
  },
  {
    name: 'CancelKeyDeletion',
    shape: 'CancelKeyDeletionRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:CancelKeyDeletion',
    states: 'cancelDeletion',
    readOnly: false,
    // "the key state of the KMS key is Disabled" after cancelling, whatever it was before (API CancelKeyDeletion)
    handler: (ctx, _input, r) => {
      const key = r!.key;
      key.KeyState = 'Disabled';
      delete key.DeletionDate;
      delete key.PendingWindowInDays;
      unmarkPendingDeletion(ctx.world, key);
      return { KeyId: key.Arn };
    },
  },
  {
    name: 'UpdateKeyDescription',
    shape: 'UpdateKeyDescriptionRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:UpdateKeyDescription',
    states: 'manage',
    readOnly: false,
    handler: (_ctx, input: { Description: string }, r) => {
      r!.key.Description = input.Description;
      return {};
    },
  },
  {
    name: 'GetKeyRotationStatus',
    shape: 'GetKeyRotationStatusRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:GetKeyRotationStatus',
    states: 'any',
    readOnly: true,
    // "KeyRotationEnabled will always be false" for HMAC keys with AWS_KMS origin (DG symm-asymm-compare; see kms-api.md §4)
    handler: (_ctx, _input, r) => ({ KeyRotationEnabled: false, KeyId: r!.key.Arn }),
  },
];
