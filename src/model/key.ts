/**
 * A KMS key as hmac-kms keeps it: plain data plus the key material in a `MacKey`, which never shows its bytes.
 * `toKeyMetadata` projects it onto the SDK's `KeyMetadata`, field for field as AWS returns it for an HMAC key
 * (recorded: test_hmac_create_key, 2025-11-10): no EncryptionAlgorithms/SigningAlgorithms/CurrentKeyMaterialId,
 * `MacAlgorithms` with the spec's one algorithm, `MultiRegion` always present.
 */
import type { MacKey } from '../crypto/mac-key.js';
import type { HmacKeySpec } from '../enums.js';
import type { KeyMetadata, KeyState, MacAlgorithmSpec, MultiRegionKey } from './kms-types.generated.js';
import type { CompiledPolicy } from '../policy/document.js';
import type { KeyGrants } from './grant.js';
import { keyArn } from './identifiers.js';

/** What the replicas of one multi-Region key share: id, spec, material, and which Region is primary. */
export interface MultiRegionGroup {
  readonly keyId: string;
  readonly account: string;
  primaryRegion: string;
  /** Replica Regions, in the order they were added. */
  replicaRegions: string[];
}

export interface KeyTag {
  readonly TagKey: string;
  TagValue: string;
  /** When the tag key was added (ListResourceTags markers name it, so removing another tag shifts nothing). */
  readonly seq: number;
}

export interface KeyRecord {
  readonly KeyId: string;
  readonly Arn: string;
  readonly AWSAccountId: string;
  readonly Region: string;
  /** CreationDate, in ms (a number: a Date per idle key costs ~120 heap bytes). */
  readonly createdMs: number;
  Description: string;
  readonly KeySpec: HmacKeySpec;
  readonly MacAlgorithm: MacAlgorithmSpec;
  KeyState: KeyState;
  DeletionDate?: Date;
  /** Set while the key waits for deletion (the window requested). */
  PendingWindowInDays?: number;
  readonly Origin: 'AWS_KMS';
  readonly multiRegion?: MultiRegionGroup;
  /**
   * Tags in insertion order; updating a tag keeps its place (recorded: test_update_and_add_tags_on_tagged_key).
   * Arrays, not Maps: at most 50 entries, and an empty array costs far less than an empty Map per idle key.
   */
  readonly tags: KeyTag[];
  /** Names of the aliases that point at this key (at most the alias quota). */
  readonly aliases: string[];
  /** The key policy document, verbatim as stored (GetKeyPolicy returns it), and compiled once. */
  policy: string;
  compiledPolicy: CompiledPolicy;
  /** The key's grants and their indexes, present while it has any (most keys have none). */
  grants?: KeyGrants | undefined;
  /** Creation sequence number: the order of ListKeys and the anchor of its markers. */
  readonly seq: number;
  readonly material: MacKey;
}

const multiRegionKey = (group: MultiRegionGroup, region: string): MultiRegionKey => ({
  Arn: keyArn(region, group.account, group.keyId),
  Region: region,
});

export function toKeyMetadata(key: KeyRecord): KeyMetadata {
  const m: KeyMetadata = {
    AWSAccountId: key.AWSAccountId,
    KeyId: key.KeyId,
    Arn: key.Arn,
    CreationDate: new Date(key.createdMs),
    Enabled: key.KeyState === 'Enabled',
    Description: key.Description,
    KeyUsage: 'GENERATE_VERIFY_MAC',
    KeyState: key.KeyState,
  };
  if (key.KeyState === 'PendingDeletion' && key.DeletionDate) m.DeletionDate = new Date(key.DeletionDate.getTime());
  m.Origin = key.Origin;
  m.KeyManager = 'CUSTOMER';
  m.CustomerMasterKeySpec = key.KeySpec;
  m.KeySpec = key.KeySpec;
  m.MultiRegion = key.multiRegion !== undefined;
  const group = key.multiRegion;
  if (group) {
    m.MultiRegionConfiguration = {
      MultiRegionKeyType: group.primaryRegion === key.Region ? 'PRIMARY' : 'REPLICA',
      PrimaryKey: multiRegionKey(group, group.primaryRegion),
      ReplicaKeys: group.replicaRegions.map((r) => multiRegionKey(group, r)),
    };
  }
  if (key.KeyState === 'PendingReplicaDeletion') m.PendingDeletionWindowInDays = key.PendingWindowInDays;
  m.MacAlgorithms = [key.MacAlgorithm];
  return m;
}
