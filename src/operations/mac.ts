/** GenerateMac, VerifyMac and GenerateRandom. */
import { randomBytes } from '../crypto/random.js';
import { CustomKeyStoreNotFoundException, InvalidKeyUsageException, KMSInvalidMacException, UnsupportedOperationException, ValidationException } from '../errors.js';
import type { KeyRecord } from '../model/key.js';
import { SHAPES } from '../model/kms-shapes.generated.js';
import type { GenerateMacRequest, GenerateRandomRequest, VerifyMacRequest } from '../model/kms-types.generated.js';
import { validateInput } from '../model/validate.js';
import type { OperationDef } from './context.js';

type Limits = { readonly min: number; readonly max: number };
const limits = (shape: string): Limits => SHAPES[shape] as unknown as Limits;
const MESSAGE = limits('PlaintextType'); // 1..4096
const KEY_ID = limits('KeyIdType'); // 1..2048
const MAC = limits('CiphertextType'); // 1..6144
const MAC_ALGORITHMS: ReadonlySet<unknown> = new Set((SHAPES.MacAlgorithmSpec as unknown as { enum: string[] }).enum);
const inRange = (n: number, l: Limits): boolean => n >= l.min && n <= l.max;
const isBlob = (v: unknown, l: Limits): v is Uint8Array => v instanceof Uint8Array && inRange(v.length, l);

/**
 * GenerateMac/VerifyMac requests as `validateInput` would return them, for the common well-formed request only: an
 * object literal instead of the model walk (issue #13.4: the walk was a tenth of a 32-byte call). Anything else — a
 * member missing, null, of another type or out of range, a string message, grant tokens — goes to `validateInput`,
 * which gives AWS's exact errors. test/kms/mac-input.test.ts holds both paths to the same results.
 */
export function parseMacRequest(raw: unknown, withMac: boolean): Record<string, unknown> {
  const r = raw as Partial<Record<string, unknown>> | null | undefined;
  const ok =
    typeof r === 'object' && r !== null && Object.getPrototypeOf(r) === Object.prototype &&
    isBlob(r.Message, MESSAGE) && typeof r.KeyId === 'string' && inRange(r.KeyId.length, KEY_ID) && MAC_ALGORITHMS.has(r.MacAlgorithm) &&
    (!withMac || isBlob(r.Mac, MAC)) && r.GrantTokens == null && (r.DryRun == null || typeof r.DryRun === 'boolean');
  if (!ok) return validateInput(withMac ? 'VerifyMacRequest' : 'GenerateMacRequest', raw);
  // the model's member order: Message, KeyId, MacAlgorithm, (Mac), GrantTokens, DryRun
  const input: Record<string, unknown> = withMac
    ? { Message: r.Message, KeyId: r.KeyId, MacAlgorithm: r.MacAlgorithm, Mac: r.Mac }
    : { Message: r.Message, KeyId: r.KeyId, MacAlgorithm: r.MacAlgorithm };
  if (r.DryRun != null) input.DryRun = r.DryRun;
  return input;
}

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
    parse: (raw) => parseMacRequest(raw, false),
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
    parse: (raw) => parseMacRequest(raw, true),
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
