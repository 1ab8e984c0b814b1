/**
 * hmac-kms/jwt: JWTs and key derivation on KMS HMAC keys, for hmac-kms and for AWS KMS alike. `kms` is an `HmacKms`,
 * the AWS SDK's aggregated `KMS` client, or `fromKmsClient(kmsClient, { GenerateMacCommand, VerifyMacCommand,
 * DescribeKeyCommand })`. Isomorphic, and it imports nothing at run time: neither hmac-kms nor the AWS SDK.
 */
export { signJwt, MAX_SIGNING_INPUT_BYTES } from './sign.js';
export type { SignJwtInput } from './sign.js';
export { verifyJwt } from './verify.js';
export type { VerifyJwtOptions, VerifyJwtResult } from './verify.js';
export { deriveKey, kbkdfCounter, MAX_DERIVED_KEY_BYTES } from './kdf.js';
export type { DeriveKeyInput, Prf } from './kdf.js';
export type { ClaimChecks, JwtPayload } from './claims.js';
export { fromKmsClient } from './kms-port.js';
export type {
  DescribeKeyInput,
  DescribeKeyOutput,
  GenerateMacInput,
  GenerateMacOutput,
  JwsHmacAlgorithm,
  KmsCommandClasses,
  KmsSendClient,
  MacAlgorithmSpec,
  MacKms,
  VerifyMacInput,
  VerifyMacOutput,
} from './kms-port.js';
export * from './errors.js';
