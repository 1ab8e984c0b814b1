/**
 * AWS KMS enumerations, spelled exactly as in the KMS service model (botocore `kms/2014-11-01/service-2.json`) and
 * shaped like `@aws-sdk/client-kms`: an `as const` object plus a type of the same name. No TypeScript `enum`s.
 */

/** Every `KeySpec` value the model knows; hmac-kms creates only the four `HMAC_*` ones. */
export const KeySpec = {
  RSA_2048: 'RSA_2048',
  RSA_3072: 'RSA_3072',
  RSA_4096: 'RSA_4096',
  ECC_NIST_P256: 'ECC_NIST_P256',
  ECC_NIST_P384: 'ECC_NIST_P384',
  ECC_NIST_P521: 'ECC_NIST_P521',
  ECC_SECG_P256K1: 'ECC_SECG_P256K1',
  SYMMETRIC_DEFAULT: 'SYMMETRIC_DEFAULT',
  HMAC_224: 'HMAC_224',
  HMAC_256: 'HMAC_256',
  HMAC_384: 'HMAC_384',
  HMAC_512: 'HMAC_512',
  SM2: 'SM2',
  ML_DSA_44: 'ML_DSA_44',
  ML_DSA_65: 'ML_DSA_65',
  ML_DSA_87: 'ML_DSA_87',
  ECC_NIST_EDWARDS25519: 'ECC_NIST_EDWARDS25519',
} as const;
export type KeySpec = (typeof KeySpec)[keyof typeof KeySpec];

/** The HMAC subset of `KeySpec`. */
export type HmacKeySpec = 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';

export const MacAlgorithmSpec = {
  HMAC_SHA_224: 'HMAC_SHA_224',
  HMAC_SHA_256: 'HMAC_SHA_256',
  HMAC_SHA_384: 'HMAC_SHA_384',
  HMAC_SHA_512: 'HMAC_SHA_512',
} as const;
export type MacAlgorithmSpec = (typeof MacAlgorithmSpec)[keyof typeof MacAlgorithmSpec];
