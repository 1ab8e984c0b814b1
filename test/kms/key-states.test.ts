// The key-state table (KMS Developer Guide key-state.md, rows for HMAC keys; kms-api.md §6.3): every operation in
// every state a key can reach, with the exact error.
import { describe, expect, it } from 'vitest';
import type { HmacKms } from '../../src/index.js';
import { KEY_STATE_PROFILES } from '../../src/model/key-states.js';
import { OPERATIONS } from '../../src/operations/index.js';
import { arnOf, bytes, expectKmsError, fixture, IDS } from '../helpers/kms.js';

type State = 'Enabled' | 'Disabled' | 'PendingDeletion';
const KEY_IN: Record<State, string> = { Enabled: IDS.k256, Disabled: IDS.disabled, PendingDeletion: IDS.pending };
const ok = 'ok';
const disabled = (id: string) => ['DisabledException', `${arnOf(id)} is disabled.`] as const;
const pendingDeletion = (id: string) => ['KMSInvalidStateException', `${arnOf(id)} is pending deletion.`] as const;
const notPending = (id: string) => ['KMSInvalidStateException', `${arnOf(id)} is not pending deletion.`] as const;
const usage = (op: string) => (id: string) => ['InvalidKeyUsageException', `${arnOf(id)} key usage is GENERATE_VERIFY_MAC which is not valid for ${op}.`] as const;
const unsupported = () => ['UnsupportedOperationException', ''] as const;
const origin = (id: string) => ['UnsupportedOperationException', `${arnOf(id)} origin is AWS_KMS which is not valid for this operation.`] as const;

type Outcome = typeof ok | ((id: string) => readonly [string, string]);
const ROWS: [method: string, input: (KeyId: string) => Record<string, unknown>, outcomes: Record<State, Outcome>][] = [
  ['generateMac', (KeyId) => ({ KeyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }), { Enabled: ok, Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['describeKey', (KeyId) => ({ KeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: ok }],
  ['enableKey', (KeyId) => ({ KeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['disableKey', (KeyId) => ({ KeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['scheduleKeyDeletion', (KeyId) => ({ KeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['cancelKeyDeletion', (KeyId) => ({ KeyId }), { Enabled: notPending, Disabled: notPending, PendingDeletion: ok }],
  ['updateKeyDescription', (KeyId) => ({ KeyId, Description: 'x' }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['tagResource', (KeyId) => ({ KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['untagResource', (KeyId) => ({ KeyId, TagKeys: ['a'] }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['listResourceTags', (KeyId) => ({ KeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: ok }],
  ['createAlias', (TargetKeyId) => ({ AliasName: 'alias/new', TargetKeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['updateAlias', (TargetKeyId) => ({ AliasName: 'alias/fixture', TargetKeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: pendingDeletion }],
  ['getKeyRotationStatus', (KeyId) => ({ KeyId }), { Enabled: ok, Disabled: ok, PendingDeletion: ok }],
  // refused operations: the state first, then the key type (recorded order for RotateKeyOnDemand)
  ['enableKeyRotation', (KeyId) => ({ KeyId }), { Enabled: unsupported, Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['disableKeyRotation', (KeyId) => ({ KeyId }), { Enabled: unsupported, Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['rotateKeyOnDemand', (KeyId) => ({ KeyId }), { Enabled: unsupported, Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['listKeyRotations', (KeyId) => ({ KeyId }), { Enabled: unsupported, Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['getParametersForImport', (KeyId) => ({ KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }), { Enabled: origin, Disabled: origin, PendingDeletion: origin }],
  ['importKeyMaterial', (KeyId) => ({ KeyId, ImportToken: bytes('t'), EncryptedKeyMaterial: bytes('k') }), { Enabled: origin, Disabled: origin, PendingDeletion: origin }],
  ['deleteImportedKeyMaterial', (KeyId) => ({ KeyId }), { Enabled: origin, Disabled: origin, PendingDeletion: origin }],
  ['encrypt', (KeyId) => ({ KeyId, Plaintext: bytes('p') }), { Enabled: usage('Encrypt'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['generateDataKey', (KeyId) => ({ KeyId, KeySpec: 'AES_256' }), { Enabled: usage('GenerateDataKey'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['generateDataKeyWithoutPlaintext', (KeyId) => ({ KeyId, NumberOfBytes: 32 }), { Enabled: usage('GenerateDataKeyWithoutPlaintext'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['generateDataKeyPair', (KeyId) => ({ KeyId, KeyPairSpec: 'RSA_2048' }), { Enabled: usage('GenerateDataKeyPair'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['generateDataKeyPairWithoutPlaintext', (KeyId) => ({ KeyId, KeyPairSpec: 'RSA_2048' }), { Enabled: usage('GenerateDataKeyPairWithoutPlaintext'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['sign', (KeyId) => ({ KeyId, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' }), { Enabled: usage('Sign'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['verify', (KeyId) => ({ KeyId, Message: bytes('m'), Signature: bytes('s'), SigningAlgorithm: 'ECDSA_SHA_256' }), { Enabled: usage('Verify'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['deriveSharedSecret', (KeyId) => ({ KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: bytes('pk') }), { Enabled: usage('DeriveSharedSecret'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['reEncrypt', (DestinationKeyId) => ({ DestinationKeyId, CiphertextBlob: bytes('c') }), { Enabled: usage('ReEncrypt'), Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['getPublicKey', (KeyId) => ({ KeyId }), {
    Enabled: (id) => ['UnsupportedOperationException', `${arnOf(id)} key usage is GENERATE_VERIFY_MAC which is not valid for GetPublicKey.`],
    Disabled: disabled, PendingDeletion: pendingDeletion }],
  ['decrypt', (KeyId) => ({ KeyId, CiphertextBlob: bytes('c') }), {
    Enabled: () => ['IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.'],
    Disabled: disabled, PendingDeletion: pendingDeletion }],
];

describe.each(ROWS)('%s', (method, input, outcomes) => {
  it.each(Object.entries(outcomes) as [State, Outcome][])('in state %s', async (state, outcome) => {
    const { kms } = await fixture();
    const call = (kms as unknown as Record<string, (i: unknown) => Promise<unknown>>)[method]!(input(KEY_IN[state]));
    if (outcome === ok) await call;
    else {
      const [name, message] = outcome(KEY_IN[state]);
      await expectKmsError(call, name, message);
    }
  });
});

describe('the table behind it', () => {
  it('every key-taking operation names a state profile, and every profile covers every KeyState', () => {
    for (const op of OPERATIONS.values()) if (op.key) expect(op.states, op.name).toBeDefined();
    const states = ['Creating', 'Enabled', 'Disabled', 'PendingDeletion', 'PendingImport', 'PendingReplicaDeletion', 'Unavailable', 'Updating'];
    for (const [name, profile] of Object.entries(KEY_STATE_PROFILES)) expect(Object.keys(profile).sort(), name).toEqual([...states].sort());
  });

  it('the refused operations change nothing, even when a MAC would succeed', async () => {
    const { kms } = await fixture();
    await kms.sign({ KeyId: IDS.k256, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' }).catch(() => {});
    const { KeyMetadata } = await kms.describeKey({ KeyId: IDS.k256 });
    expect(KeyMetadata!.KeyState).toBe('Enabled');
  });

  it('Decrypt without KeyId: no ciphertext belongs to an hmac-kms key', async () => {
    const { kms } = await fixture();
    await expectKmsError(kms.decrypt({ CiphertextBlob: bytes('c') }), 'InvalidCiphertextException', '');
  });
});

export type { HmacKms };
