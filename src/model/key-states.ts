/**
 * Which key states allow which operation, from one table: the KMS Developer Guide's key-state table (key-state.md,
 * rows for the operations an HMAC key can meet) with its footnotes as the errors. `ok` lets the call through;
 * anything else names the footnote that fails it.
 */
import { DisabledException, KMSInvalidStateException, UnsupportedOperationException, type KmsServiceException } from '../errors.js';
import type { KeyState } from './kms-types.generated.js';

/** The DG footnotes that an HMAC key can reach, each turned into the error AWS returns (`arn` is the key ARN). */
export const STATE_ERRORS = {
  /** [1] `DisabledException: <key ARN> is disabled.` (recorded: RotateKeyOnDemand on a disabled key) */
  disabled: (arn: string) => new DisabledException(`${arn} is disabled.`),
  /**
   * [3] `KMSInvalidStateException: <key ARN> is pending deletion.` The DG's "[2] or [3]" for cryptographic
   * operations resolves to [3]: real AWS answered a GenerateDataKey on a pending-deletion key with
   * KMSInvalidStateException (LocalStack test_cant_use_disabled_or_deleted_keys, AWS-validated).
   */
  pendingDeletion: (arn: string) => new KMSInvalidStateException(`${arn} is pending deletion.`),
  /** [3] for a multi-Region primary whose replicas are being deleted. */
  pendingReplicaDeletion: (arn: string) => new KMSInvalidStateException(`${arn} is pending replica deletion.`),
  /** [4] CancelKeyDeletion on a key that is not waiting for deletion. */
  notPendingDeletion: (arn: string) => new KMSInvalidStateException(`${arn} is not pending deletion.`),
  /** [5] */
  pendingImport: (arn: string) => new KMSInvalidStateException(`${arn} is pending import.`),
  /** [6] */
  origin: (arn: string) => new UnsupportedOperationException(`${arn} origin is EXTERNAL which is not valid for this operation.`),
  /** [14] a multi-Region replica being created */
  creating: (arn: string) => new KMSInvalidStateException(`${arn} is creating.`),
  /** [15] a multi-Region key whose primary Region is changing */
  updating: (arn: string) => new KMSInvalidStateException(`${arn} is updating.`),
  /** [11] */
  unavailable: (arn: string) => new KMSInvalidStateException(`${arn} is unavailable.`),
} satisfies Record<string, (arn: string) => KmsServiceException>;

export type StateRule = 'ok' | keyof typeof STATE_ERRORS;
export type StateProfile = Readonly<Record<KeyState, StateRule>>;

const pendingDeletion = { PendingDeletion: 'pendingDeletion', PendingReplicaDeletion: 'pendingReplicaDeletion' } as const;
const all = (rule: StateRule): StateProfile => ({
  Enabled: rule, Disabled: rule, PendingDeletion: rule, PendingReplicaDeletion: rule, PendingImport: rule, Creating: rule, Updating: rule, Unavailable: rule,
});

/** The rows of the DG table, by the shape they share. */
export const KEY_STATE_PROFILES = {
  /** DescribeKey, GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, ListGrants, ListResourceTags, RetireGrant, RevokeGrant, DeleteAlias, GetKeyRotationStatus */
  any: all('ok'),
  /** GenerateMac, VerifyMac, CreateGrant, Encrypt/Decrypt/..., Sign, Verify, GetPublicKey, DeriveSharedSecret, UpdatePrimaryRegion */
  crypto: { ...all('ok'), Disabled: 'disabled', ...pendingDeletion, PendingImport: 'pendingImport', Creating: 'creating', Unavailable: 'unavailable' },
  /** EnableKey, DisableKey */
  enableDisable: { ...all('ok'), ...pendingDeletion, PendingImport: 'pendingImport', Creating: 'creating', Updating: 'updating' },
  /** ScheduleKeyDeletion */
  scheduleDeletion: { ...all('ok'), ...pendingDeletion, Updating: 'updating' },
  /** CancelKeyDeletion: only a key waiting for deletion */
  cancelDeletion: { ...all('notPendingDeletion'), PendingDeletion: 'ok', PendingReplicaDeletion: 'ok' },
  /** UpdateKeyDescription, TagResource, UntagResource, CreateAlias and UpdateAlias (their target key) */
  manage: { ...all('ok'), ...pendingDeletion },
  /** EnableKeyRotation, DisableKeyRotation, RotateKeyOnDemand: state first, then the key type (DG fn 1/3/7) */
  rotation: { ...all('ok'), Disabled: 'disabled', ...pendingDeletion, PendingImport: 'origin', Creating: 'creating' },
  /** ReplicateKey (the primary) */
  replicate: { ...all('ok'), Disabled: 'disabled', ...pendingDeletion, PendingImport: 'pendingImport', Creating: 'creating', Updating: 'updating' },
  /** GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial: the origin decides (fn 9) */
  importMaterial: { ...all('ok'), Creating: 'creating', Updating: 'updating' },
} as const satisfies Record<string, StateProfile>;

export type StateProfileName = keyof typeof KEY_STATE_PROFILES;

/** Throws the table's error when `state` does not allow an operation of `profile`. */
export function checkKeyState(profile: StateProfileName, state: KeyState, arn: string): void {
  const rule = KEY_STATE_PROFILES[profile][state];
  if (rule !== 'ok') throw STATE_ERRORS[rule](arn);
}
