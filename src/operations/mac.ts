/** GenerateMac, VerifyMac and GenerateRandom. */
import { randomBytes } from '../crypto/random.js';
import { CustomKeyStoreNotFoundException, InvalidKeyUsageException, KMSInvalidMacException, UnsupportedOperationException, ValidationException } from '../errors.js';
import type { KeyRecord } from '../model/key.js';
import type { GenerateMacRequest, GenerateRandomRequest, VerifyMacRequest } from '../model/kms-types.generated.js';
import type { OperationDef } from './context.js';

/**
 * The MacAlgorithm must be the key spec's own (one-to-one, DG hmac.md). Recorded text:
 * `Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.` (test_invalid_generate_mac, test_invalid_verify_mac).
 */
function checkMacAlgorithm(key: KeyRecord, input: { MacAlgorithm?: string }): void {
  if (input.MacAlgorithm !== key.MacAlgorithm) {
    throw new InvalidKeyUsageException(`Algorithm ${input.MacAlgorithm} is incompatible with key spec ${key.KeySpec}.`);
  }
}

export const macOperations: OperationDef[] = [
  {
    name: 'GenerateMac',
    shape: 'GenerateMacRequest',
    key: { member: 'KeyId', forms: 'any' },
    action: 'kms:GenerateMac',
    states: 'crypto',
    readOnly: true,
    usage: checkMacAlgorithm,
    // the response names the key by its ARN whatever the request used (recorded: generate-mac-response)
    handler: (_ctx, input: GenerateMacRequest, r) => {
      const key = r!.key;
      return { Mac: key.material.mac(input.Message!), MacAlgorithm: key.MacAlgorithm, KeyId: key.Arn };
    },
  },
  {
    name: 'VerifyMac',
    shape: 'VerifyMacRequest',
    key: { member: 'KeyId', forms: 'any' },
    action: 'kms:VerifyMac',
    states: 'crypto',
    readOnly: true,
    usage: checkMacAlgorithm,
    // a MAC that does not verify is KMSInvalidMacException with no message; MacValid is never false (recorded)
    handler: (_ctx, input: VerifyMacRequest, r) => {
      const key = r!.key;
      if (!key.material.verify(input.Message!, input.Mac!)) throw new KMSInvalidMacException('');
      return { KeyId: key.Arn, MacValid: true, MacAlgorithm: key.MacAlgorithm };
    },
  },
  {
    name: 'GenerateRandom',
    shape: 'GenerateRandomRequest',
    action: 'kms:GenerateRandom',
    authorize: 'identity',
    readOnly: true,
    check: (input: GenerateRandomRequest) => {
      // NumberOfBytes has no default: recorded text when it is missing (test_generate_random_invalid_number_of_bytes[None])
      if (input.NumberOfBytes === undefined) throw new ValidationException('NumberOfBytes is required.');
      if (input.CustomKeyStoreId !== undefined) {
        // the emulated accounts have no custom key stores
        throw new CustomKeyStoreNotFoundException(`Custom key store '${input.CustomKeyStoreId}' does not exist.`);
      }
      if (input.Recipient !== undefined) {
        throw new UnsupportedOperationException('hmac-kms does not emulate Nitro Enclaves attestation: Recipient is not supported.');
      }
    },
    handler: (ctx, input: GenerateRandomRequest) => ({ Plaintext: randomBytes(ctx.random, input.NumberOfBytes!).slice() }),
  },
];
