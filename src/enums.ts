/**
 * AWS KMS enumerations, spelled exactly as in the KMS service model and shaped like `@aws-sdk/client-kms`: an
 * `as const` object plus a type of the same name (no TypeScript `enum`). Generated from the model.
 */
export {
  AlgorithmSpec,
  DataKeyPairSpec,
  DataKeySpec,
  EncryptionAlgorithmSpec,
  ExpirationModelType,
  GrantOperation,
  KeyAgreementAlgorithmSpec,
  KeyManagerType,
  KeySpec,
  KeyState,
  KeyUsageType,
  MacAlgorithmSpec,
  MessageType,
  MultiRegionKeyType,
  OriginType,
  SigningAlgorithmSpec,
  WrappingKeySpec,
} from './model/kms-types.generated.js';

/** The HMAC subset of `KeySpec`: the only key specs hmac-kms creates. */
export type HmacKeySpec = 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';
