/**
 * Multi-Region keys (DG multi-region-keys-overview.md): ReplicateKey and UpdatePrimaryRegion. Related keys share
 * the key id, the key spec and the key material, so a MAC made with one verifies with any other; everything else
 * (state, policy, aliases, tags, grants, description) is per Region.
 */
import { AlreadyExistsException, LimitExceededException, NotFoundException, UnsupportedOperationException, ValidationException } from '../errors.js';
import { keyArn } from '../model/identifiers.js';
import { toKeyMetadata, type KeyRecord } from '../model/key.js';
import type { Tag } from '../model/kms-types.generated.js';
import { partitionOf } from '../model/regions.js';
import { nextSeq, peekRegionState, storeKey } from '../model/world.js';
import { requireIdentityAccess, requireKeyAccess, type AuthRequest } from '../policy/authorize.js';
import { defaultKeyPolicy } from '../policy/default-policy.js';
import { compilePolicyOnce } from '../policy/document.js';
import type { CallContext, OperationDef } from './context.js';
import { checkHmacRegion } from './keys.js';
import { checkKeyPolicyDocument, lockoutCheck } from './policies.js';
import { checkNewTags } from './tags.js';

interface ReplicateKeyRequest {
  KeyId: string;
  ReplicaRegion: string;
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Description?: string;
  Tags?: Tag[];
}

/** Recorded text for a replica: `<mrk-arn> is not a multi-region primary key.` (test_replicate_replica_key_should_fail). */
function requirePrimary(key: KeyRecord): void {
  const group = key.multiRegion;
  if (!group) throw new UnsupportedOperationException(`${key.Arn} is not a multi-region key.`);
  if (group.primaryRegion !== key.Region) throw new UnsupportedOperationException(`${key.Arn} is not a multi-region primary key.`);
}

function checkReplicaRegion(ctx: CallContext, key: KeyRecord, region: string): void {
  if (partitionOf(region) !== partitionOf(key.Region)) {
    throw new ValidationException(`${region} is not in the same partition as ${key.Region}: multi-Region keys cannot cross partitions.`);
  }
  const group = key.multiRegion!;
  if (region === group.primaryRegion || group.replicaRegions.includes(region)) {
    throw new AlreadyExistsException(`Key '${keyArn(region, key.AWSAccountId, key.KeyId)}' already exists`);
  }
  checkHmacRegion(key.KeySpec, ctx, region); // HMAC replicas only where HMAC keys exist (kms-api.md §3.27)
  if ((peekRegionState(ctx.world, key.AWSAccountId, region)?.keys.size ?? 0) >= ctx.config.quotas.keysPerRegion) {
    throw new LimitExceededException(`The request would exceed the quota of ${ctx.config.quotas.keysPerRegion} KMS keys in account ${key.AWSAccountId} in ${region}.`);
  }
}

/** The replica: same id, spec and material; its own policy (default unless given), description ("" by default) and tags. */
function replicaOf(ctx: CallContext, primary: KeyRecord, input: ReplicateKeyRequest): KeyRecord {
  const region = input.ReplicaRegion;
  const policy = input.Policy ?? defaultKeyPolicy(partitionOf(region), primary.AWSAccountId);
  return {
    // the field order of createKeyRecord (keys.ts)
    KeyId: primary.KeyId,
    Arn: keyArn(region, primary.AWSAccountId, primary.KeyId),
    AWSAccountId: primary.AWSAccountId,
    KeyState: 'Enabled',
    MacAlgorithm: primary.MacAlgorithm,
    material: primary.material,
    compiledPolicy: compilePolicyOnce(policy, 'key'),
    Region: region,
    createdMs: ctx.now.getTime(),
    Description: input.Description ?? '',
    KeySpec: primary.KeySpec,
    Origin: primary.Origin,
    multiRegion: primary.multiRegion!,
    tags: [],
    aliases: [],
    policy,
    seq: 0,
  };
}

export const multiRegionOperations: OperationDef[] = [
  {
    name: 'ReplicateKey',
    shape: 'ReplicateKeyRequest',
    check: (input: ReplicateKeyRequest) => {
      if (input.Tags) checkNewTags(undefined, input.Tags);
      if (input.Policy !== undefined) checkKeyPolicyDocument(input.Policy);
    },
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:ReplicateKey',
    // kms:ReplicateKey on the primary; the replica is a CreateKey (and TagResource) in its Region (SAR dependent actions)
    authorize: (auth: AuthRequest, input: ReplicateKeyRequest, r) => {
      requireKeyAccess(auth, 'kms:ReplicateKey', r!.key);
      requireIdentityAccess(auth, 'kms:CreateKey', '*');
      if (input.Tags?.length) requireIdentityAccess(auth, 'kms:TagResource', '*');
    },
    states: 'replicate',
    readOnly: false,
    usage: (key, input: ReplicateKeyRequest, ctx) => {
      requirePrimary(key);
      checkReplicaRegion(ctx, key, input.ReplicaRegion);
    },
    handler: (ctx, input: ReplicateKeyRequest, r) => {
      const primary = r!.key;
      const replica = replicaOf(ctx, primary, input);
      if (input.Policy !== undefined && input.BypassPolicyLockoutSafetyCheck !== true) {
        lockoutCheck({ ctx, operation: 'ReplicateKey', input: input as never }, replica, replica.compiledPolicy);
      }
      (replica as { seq: number }).seq = nextSeq(ctx.world);
      for (const t of input.Tags ?? []) replica.tags.push({ TagKey: t.TagKey!, TagValue: t.TagValue!, seq: nextSeq(ctx.world) });
      primary.multiRegion!.replicaRegions.push(input.ReplicaRegion);
      storeKey(ctx.world, replica);
      // AWS answers while the replica is still Creating (recorded: test_replicate_key); hmac-kms makes it usable at once
      const ReplicaKeyMetadata = { ...toKeyMetadata(replica), KeyState: 'Creating' as const, Enabled: false };
      // ReplicaTags only when tags were given (recorded test_replicate_key, 2025-11-10: no member for a replica without tags; issue #10.11)
      const ReplicaTags = replica.tags.map(({ TagKey, TagValue }) => ({ TagKey, TagValue }));
      return { ReplicaKeyMetadata, ReplicaPolicy: replica.policy, ...(input.Tags?.length ? { ReplicaTags } : {}) };
    },
  },
  {
    name: 'UpdatePrimaryRegion',
    shape: 'UpdatePrimaryRegionRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:UpdatePrimaryRegion',
    // the permission is needed on the current primary and on the replica that becomes primary (API UpdatePrimaryRegion)
    authorize: (auth: AuthRequest, input: { PrimaryRegion: string }, r) => {
      requireKeyAccess(auth, 'kms:UpdatePrimaryRegion', r!.key);
      const replica = peekRegionState(auth.ctx.world, r!.key.AWSAccountId, input.PrimaryRegion)?.keys.get(r!.key.KeyId);
      if (replica && replica !== r!.key) requireKeyAccess(auth, 'kms:UpdatePrimaryRegion', replica);
    },
    states: 'crypto',
    readOnly: false,
    usage: (key, input: { PrimaryRegion: string }, ctx) => {
      requirePrimary(key);
      const group = key.multiRegion!;
      if (!group.replicaRegions.includes(input.PrimaryRegion) || !peekRegionState(ctx.world, key.AWSAccountId, input.PrimaryRegion)?.keys.has(key.KeyId)) {
        throw new NotFoundException(`Key '${keyArn(input.PrimaryRegion, key.AWSAccountId, key.KeyId)}' does not exist`);
      }
    },
    // the old primary becomes a replica; AWS passes both through Updating for a moment, hmac-kms switches at once
    handler: (_ctx, input: { PrimaryRegion: string }, r) => {
      const group = r!.key.multiRegion!;
      group.replicaRegions = [...group.replicaRegions.filter((x) => x !== input.PrimaryRegion), group.primaryRegion];
      group.primaryRegion = input.PrimaryRegion;
      return {};
    },
  },
];
