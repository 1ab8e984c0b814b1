/**
 * Key derivation in counter mode (NIST SP 800-108r1 §4.1) with a KMS HMAC key as the PRF key:
 * K(i) = HMAC(K_IN, [i]_32 || Label || 0x00 || Context || [L]_32), i = 1..n, L in bits, the output the first L bits
 * of K(1) || ... || K(n). The KMS Developer Guide names HMAC keys "secure Key Derivation Functions (KDFs), especially in
 * applications that require deterministic keys".
 */
import { checkGrantTokens, checkKeyId, describeMacKey, isMacAlgorithm, requireMethods, type MacAlgorithmSpec, type MacKms } from './kms-port.js';
import { isPlainObject } from './claims.js';
import { MAX_SIGNING_INPUT_BYTES } from './sign.js';

/** deriveKey's largest output, in bytes (at most 32 GenerateMac calls with an HMAC_256 key). */
export const MAX_DERIVED_KEY_BYTES = 1024;

/** One PRF call: K(i) for the PRF input [i]_32 || fixedInput. */
export type Prf = (input: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const uint32be = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);

/**
 * The KDF in counter mode of SP 800-108r1 §4.1, counter first and 32 bits wide (CAVP: CTRLOCATION=BEFORE_FIXED,
 * RLEN=32_BITS): `length` bytes of PRF([1]_32 || fixedInput) || PRF([2]_32 || fixedInput) || ... . The caller
 * builds `fixedInput` (for SP 800-108's layout: Label || 0x00 || Context || [L]_32). The PRF is called once per
 * block, in order; every block must have the first one's length.
 */
export async function kbkdfCounter(prf: Prf, fixedInput: Uint8Array, length: number): Promise<Uint8Array> {
  if (typeof prf !== 'function') throw new TypeError('kbkdfCounter: prf must be a function');
  if (!(fixedInput instanceof Uint8Array)) throw new TypeError('kbkdfCounter: fixedInput must be a Uint8Array');
  if (!Number.isSafeInteger(length) || length < 1) throw new TypeError('kbkdfCounter: length must be a positive whole number of bytes');
  const out = new Uint8Array(length);
  let filled = 0;
  let blockLength = 0;
  for (let i = 1; filled < length; i++) {
    // SP 800-108r1 §4.1: n = ceil(L/h) must not exceed 2^r - 1
    if (i > 0xffffffff) throw new RangeError('kbkdfCounter: length needs more than 2^32 - 1 blocks');
    const input = new Uint8Array(4 + fixedInput.length);
    input.set(uint32be(i), 0);
    input.set(fixedInput, 4);
    const block = await prf(input);
    if (!(block instanceof Uint8Array) || block.length === 0) throw new TypeError('kbkdfCounter: the PRF must return a non-empty Uint8Array');
    if (i === 1) blockLength = block.length;
    else if (block.length !== blockLength) throw new TypeError(`kbkdfCounter: the PRF returned ${block.length} bytes for block ${i}, ${blockLength} for block 1`);
    const take = Math.min(block.length, length - filled);
    out.set(take === block.length ? block : block.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

export interface DeriveKeyInput {
  /** The HMAC key (any spec): key id, key ARN, alias name or alias ARN. An alias derives from the key it names now. */
  KeyId: string;
  /** What the key is for (UTF-8 if a string). It may not contain a 0x00 byte, which separates it from the context. */
  label: string | Uint8Array;
  /** Who or what it is for (UTF-8 if a string); may be empty. */
  context: string | Uint8Array;
  /** Bytes to derive, 1 to 1,024. */
  length: number;
  /** The key's MAC algorithm. Given, deriveKey calls only GenerateMac; without it, DescribeKey first (for the key spec). */
  MacAlgorithm?: MacAlgorithmSpec;
  GrantTokens?: string[];
}

const ENCODER = new TextEncoder();
const bytesOf = (v: string | Uint8Array): Uint8Array => (typeof v === 'string' ? ENCODER.encode(v) : v);

/**
 * Derives `length` bytes from a KMS HMAC key, label and context (SP 800-108r1 counter mode, one GenerateMac per
 * block). The same key, label, context and length always give the same bytes; changing any of them gives unrelated
 * bytes (L is part of every block, so a shorter output is not a prefix of a longer one).
 *
 * @example
 * const key = await deriveKey(kms, { KeyId: 'alias/kdf', label: 'payments', context: 'tenant-7', length: 32 });
 */
export async function deriveKey(kms: Pick<MacKms, 'generateMac' | 'describeKey'>, input: DeriveKeyInput): Promise<Uint8Array> {
  const client = requireMethods('deriveKey', kms, ['generateMac', 'describeKey']);
  if (!isPlainObject(input)) throw new TypeError('deriveKey: the input must be an object');
  const { KeyId, label, context, length, MacAlgorithm, GrantTokens } = input;
  checkKeyId('deriveKey', KeyId);
  checkGrantTokens('deriveKey', GrantTokens);
  if (MacAlgorithm !== undefined && !isMacAlgorithm(MacAlgorithm)) throw new TypeError('deriveKey: MacAlgorithm must be HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384 or HMAC_SHA_512');
  if (typeof label !== 'string' && !(label instanceof Uint8Array)) throw new TypeError('deriveKey: label must be a string or a Uint8Array');
  if (typeof context !== 'string' && !(context instanceof Uint8Array)) throw new TypeError('deriveKey: context must be a string or a Uint8Array');
  if (!Number.isInteger(length) || length < 1 || length > MAX_DERIVED_KEY_BYTES) throw new TypeError(`deriveKey: length must be a whole number of bytes from 1 to ${MAX_DERIVED_KEY_BYTES}`);
  const labelBytes = bytesOf(label);
  const contextBytes = bytesOf(context);
  // with a 0x00 inside the label, ("a\0b", "c") and ("a", "b\0c") would derive the same key
  if (labelBytes.includes(0)) throw new TypeError('deriveKey: the label may not contain a 0x00 byte (it separates the label from the context)');

  const fixedInput = new Uint8Array(labelBytes.length + 1 + contextBytes.length + 4);
  fixedInput.set(labelBytes, 0);
  fixedInput.set(contextBytes, labelBytes.length + 1);
  fixedInput.set(uint32be(length * 8), fixedInput.length - 4);
  if (4 + fixedInput.length > MAX_SIGNING_INPUT_BYTES) {
    throw new TypeError(`deriveKey: [i] || label || 0x00 || context || [L] is ${4 + fixedInput.length} bytes; GenerateMac takes a message of at most ${MAX_SIGNING_INPUT_BYTES} bytes`);
  }

  // with MacAlgorithm given, GenerateMac is the only call (and the only permission needed)
  const key = MacAlgorithm !== undefined ? { arn: undefined, macAlgorithm: MacAlgorithm } : await describeMacKey('deriveKey', client, KeyId, undefined, GrantTokens);
  let arn: string | undefined = key.arn;
  return kbkdfCounter(
    async (Message) => {
      // the caller's KeyId for every block (kms:RequestAlias conditions see it); every block must come from one key
      const out = await client.generateMac({ KeyId, Message, MacAlgorithm: key.macAlgorithm, ...(GrantTokens ? { GrantTokens } : {}) });
      if (!(out.Mac instanceof Uint8Array) || typeof out.KeyId !== 'string') throw new Error('deriveKey: GenerateMac answered without Mac and KeyId');
      arn ??= out.KeyId;
      if (out.KeyId !== arn) throw new Error(`deriveKey: ${KeyId} named ${arn}, then ${out.KeyId}; is the alias being updated?`);
      return out.Mac;
    },
    fixedInput,
    length,
  );
}
