/**
 * KMS operations an HMAC key refuses, each failing the way AWS fails it for an HMAC key: the key state is checked
 * first (a disabled key answers DisabledException, recorded for RotateKeyOnDemand), then the key type.
 * Plus the operations hmac-kms does not emulate at all (custom key stores, key last usage).
 */
import { CustomKeyStoreNotFoundException, IncorrectKeyException, InvalidCiphertextException, InvalidKeyUsageException, UnsupportedOperationException } from '../errors.js';
import type { KeyRecord } from '../model/key.js';
import type { OperationDef } from './context.js';

/** `<key ARN> key usage is GENERATE_VERIFY_MAC which is not valid for <Op>.` (recorded for Sign; the same format for Encrypt, Verify, GenerateMac) */
const wrongUsage = (op: string) => (key: KeyRecord) => {
  throw new InvalidKeyUsageException(`${key.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for ${op}.`);
};

const neverReached = (): never => {
  throw new Error('unreachable: the usage check always fails for HMAC keys');
};

/** A cryptographic operation that needs another key usage (ENCRYPT_DECRYPT, SIGN_VERIFY, KEY_AGREEMENT). */
const wrongUsageOperation = (name: string): OperationDef => ({
  name,
  shape: `${name}Request`,
  key: { member: 'KeyId', forms: 'any' },
  action: `kms:${name}`,
  states: 'crypto',
  readOnly: true,
  usage: wrongUsage(name),
  handler: neverReached,
});

/**
 * Rotation: "You cannot enable automatic rotation of asymmetric KMS keys, HMAC KMS keys, ..." (API EnableKeyRotation).
 * AWS answers UnsupportedOperationException with no message (recorded for RotateKeyOnDemand on a non-symmetric key).
 */
const rotationOperation = (name: string): OperationDef => ({
  name,
  shape: `${name}Request`,
  key: { member: 'KeyId', forms: 'key' },
  action: `kms:${name}`,
  states: 'rotation',
  readOnly: name === 'ListKeyRotations',
  usage: () => {
    throw new UnsupportedOperationException('');
  },
  handler: neverReached,
});

/** Import operations on a key with AWS_KMS origin: recorded text for GetParametersForImport (DG key-state fn 9). */
const importOperation = (name: string): OperationDef => ({
  name,
  shape: `${name}Request`,
  key: { member: 'KeyId', forms: 'key' },
  action: `kms:${name}`,
  states: 'importMaterial',
  readOnly: name === 'GetParametersForImport',
  usage: (key) => {
    throw new UnsupportedOperationException(`${key.Arn} origin is ${key.Origin} which is not valid for this operation.`);
  },
  handler: neverReached,
});

/** Operations hmac-kms does not emulate: they exist (every model operation has a method) and say so. */
const notEmulated = (name: string, why: string): OperationDef => ({
  name,
  shape: `${name}Request`,
  action: `kms:${name}`,
  readOnly: name.startsWith('Describe') || name.startsWith('Get'),
  handler: () => {
    throw new UnsupportedOperationException(`hmac-kms does not emulate ${name}: ${why}`);
  },
});

export const unsupportedOperations: OperationDef[] = [
  ...['EnableKeyRotation', 'DisableKeyRotation', 'RotateKeyOnDemand', 'ListKeyRotations'].map(rotationOperation),
  ...['GetParametersForImport', 'ImportKeyMaterial', 'DeleteImportedKeyMaterial'].map(importOperation),
  ...[
    'Encrypt',
    'GenerateDataKey',
    'GenerateDataKeyWithoutPlaintext',
    'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext',
    'Sign',
    'Verify',
    'DeriveSharedSecret',
  ].map(wrongUsageOperation),
  {
    // symmetric and HMAC keys have no public key (DG symm-asymm-compare: GetPublicKey ✗ for HMAC)
    name: 'GetPublicKey',
    shape: 'GetPublicKeyRequest',
    key: { member: 'KeyId', forms: 'any' },
    action: 'kms:GetPublicKey',
    states: 'crypto',
    readOnly: true,
    usage: (key) => {
      throw new UnsupportedOperationException(`${key.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for GetPublicKey.`);
    },
    handler: neverReached,
  },
  {
    // Decrypt naming an HMAC key: recorded IncorrectKeyException text (test_error_messaging_for_invalid_keys).
    // Without KeyId, no ciphertext can belong to an hmac-kms key: hmac-kms never encrypts.
    name: 'Decrypt',
    shape: 'DecryptRequest',
    key: { member: 'KeyId', forms: 'any', optional: true },
    action: 'kms:Decrypt',
    states: 'crypto',
    readOnly: true,
    usage: () => {
      throw new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
    },
    handler: () => {
      throw new InvalidCiphertextException('');
    },
  },
  {
    // ReEncrypt into an HMAC key: the destination's usage fails first; naming an HMAC key as source is Decrypt's case.
    name: 'ReEncrypt',
    shape: 'ReEncryptRequest',
    key: { member: 'DestinationKeyId', forms: 'any' },
    action: 'kms:ReEncryptTo',
    grantOperation: 'ReEncryptTo',
    states: 'crypto',
    readOnly: true,
    usage: wrongUsage('ReEncrypt'),
    handler: neverReached,
  },
  {
    name: 'DescribeCustomKeyStores',
    shape: 'DescribeCustomKeyStoresRequest',
    action: 'kms:DescribeCustomKeyStores',
    readOnly: true,
    // the emulated accounts have no custom key stores (HMAC keys cannot live in one)
    handler: (_ctx, input: { CustomKeyStoreId?: string; CustomKeyStoreName?: string }) => {
      const named = input.CustomKeyStoreId ?? input.CustomKeyStoreName;
      if (named !== undefined) throw new CustomKeyStoreNotFoundException(`Custom key store '${named}' does not exist.`);
      return { CustomKeyStores: [], Truncated: false };
    },
  },
  ...['CreateCustomKeyStore', 'ConnectCustomKeyStore', 'DisconnectCustomKeyStore', 'DeleteCustomKeyStore', 'UpdateCustomKeyStore'].map((n) =>
    notEmulated(n, 'HMAC KMS keys cannot be stored in custom key stores.'),
  ),
  notEmulated('GetKeyLastUsage', 'key usage tracking is not part of the emulation.'),
];
