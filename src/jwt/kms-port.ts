/**
 * What the helpers need of KMS, typed structurally so that an `HmacKms`, the AWS SDK's aggregated `KMS` client and
 * `fromKmsClient(kmsClient, commands)` all fit, and so that this entry imports neither hmac-kms nor the AWS SDK.
 *
 * A bare `KMSClient` only has `send(command)`, and a command is an SDK class instance (`new GenerateMacCommand(input)`)
 * whose serializer, endpoint and schema the SDK wires through `command.resolveMiddleware(...)` — internals that change
 * between SDK releases. Rather than imitating them, `fromKmsClient` takes the command classes from the caller, who
 * imports them from `@aws-sdk/client-kms` anyway.
 */
export type MacAlgorithmSpec = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
/** The JWS algorithms a KMS HMAC key can make (RFC 7518 §3.2). HMAC_224 keys have none. */
export type JwsHmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

export interface GenerateMacInput {
  KeyId: string;
  Message: Uint8Array;
  MacAlgorithm: MacAlgorithmSpec;
  GrantTokens?: string[];
}
export interface GenerateMacOutput {
  Mac?: Uint8Array;
  KeyId?: string;
  MacAlgorithm?: string;
}
export interface VerifyMacInput {
  KeyId: string;
  Message: Uint8Array;
  Mac: Uint8Array;
  MacAlgorithm: MacAlgorithmSpec;
  GrantTokens?: string[];
}
export interface VerifyMacOutput {
  KeyId?: string;
  MacValid?: boolean;
  MacAlgorithm?: string;
}
export interface DescribeKeyInput {
  KeyId: string;
  GrantTokens?: string[];
}
export interface DescribeKeyOutput {
  KeyMetadata?: { Arn?: string; KeySpec?: string; KeyUsage?: string };
}

/** The three KMS operations the helpers call, as methods (`HmacKms` and the SDK's aggregated `KMS` have them). */
export interface MacKms {
  generateMac(input: GenerateMacInput): Promise<GenerateMacOutput>;
  verifyMac(input: VerifyMacInput): Promise<VerifyMacOutput>;
  describeKey(input: DescribeKeyInput): Promise<DescribeKeyOutput>;
}

/** Anything with `send(command)`, such as `KMSClient` from `@aws-sdk/client-kms`. */
export interface KmsSendClient {
  send(command: unknown): Promise<unknown>;
}

/** The command classes of `@aws-sdk/client-kms` a `KMSClient` needs; pass those of the helpers you call. */
export interface KmsCommandClasses {
  /** signJwt, deriveKey */
  GenerateMacCommand?: new (input: GenerateMacInput) => unknown;
  /** verifyJwt */
  VerifyMacCommand?: new (input: VerifyMacInput) => unknown;
  /** signJwt and deriveKey, unless `KeyId` is a key ARN and `MacAlgorithm` is given */
  DescribeKeyCommand?: new (input: DescribeKeyInput) => unknown;
}

/**
 * A `MacKms` over a `send(command)` client: `fromKmsClient(new KMSClient({...}), { GenerateMacCommand,
 * VerifyMacCommand, DescribeKeyCommand })`. A method whose command class was not given throws a TypeError naming it.
 */
export function fromKmsClient(client: KmsSendClient, commands: KmsCommandClasses): MacKms {
  if (!client || typeof client.send !== 'function') throw new TypeError('fromKmsClient: the client must have a send(command) method');
  if (!commands || typeof commands !== 'object') throw new TypeError('fromKmsClient: pass the command classes, e.g. { GenerateMacCommand, VerifyMacCommand, DescribeKeyCommand }');
  for (const [name, ctor] of Object.entries(commands)) {
    if (ctor !== undefined && typeof ctor !== 'function') throw new TypeError(`fromKmsClient: ${name} must be the command class from @aws-sdk/client-kms`);
  }
  const send = <I, O>(name: keyof KmsCommandClasses, input: I): Promise<O> => {
    const Command = commands[name] as (new (input: I) => unknown) | undefined;
    if (!Command) return Promise.reject(new TypeError(`fromKmsClient: this call needs ${name}; pass it in the command classes`));
    return client.send(new Command(input)) as Promise<O>;
  };
  return {
    generateMac: (input) => send('GenerateMacCommand', input),
    verifyMac: (input) => send('VerifyMacCommand', input),
    describeKey: (input) => send('DescribeKeyCommand', input),
  };
}

/** Checks that `kms` has the methods a helper calls; a bare `send` client gets told how to adapt it. */
export function requireMethods<K extends keyof MacKms>(helper: string, kms: unknown, methods: readonly K[]): Pick<MacKms, K> {
  const has = (m: string) => !!kms && (typeof kms === 'object' || typeof kms === 'function') && typeof (kms as Record<string, unknown>)[m] === 'function';
  const missing = methods.filter((m) => !has(m));
  if (missing.length === 0) return kms as Pick<MacKms, K>;
  if (has('send')) {
    throw new TypeError(
      `${helper}: a client with only send(command), such as KMSClient, needs its command classes: ` +
        `${helper}(fromKmsClient(client, { GenerateMacCommand, VerifyMacCommand, DescribeKeyCommand }), ...), or pass the aggregated KMS client of @aws-sdk/client-kms`,
    );
  }
  throw new TypeError(`${helper}: kms must be an HmacKms, the AWS SDK's KMS client, or fromKmsClient(...); it has no ${missing.join('/')} method`);
}

export const JWS_ALGORITHM_OF: Readonly<Record<MacAlgorithmSpec, JwsHmacAlgorithm | undefined>> = {
  HMAC_SHA_224: undefined,
  HMAC_SHA_256: 'HS256',
  HMAC_SHA_384: 'HS384',
  HMAC_SHA_512: 'HS512',
};
export const MAC_ALGORITHM_OF: Readonly<Record<JwsHmacAlgorithm, MacAlgorithmSpec>> = {
  HS256: 'HMAC_SHA_256',
  HS384: 'HMAC_SHA_384',
  HS512: 'HMAC_SHA_512',
};
/** Tag lengths in bytes (KMS never truncates: kms-api.md "Output: Mac = standard raw RFC 2104 HMAC"). */
export const MAC_LENGTH: Readonly<Record<MacAlgorithmSpec, number>> = { HMAC_SHA_224: 28, HMAC_SHA_256: 32, HMAC_SHA_384: 48, HMAC_SHA_512: 64 };
/** A key spec has exactly one MAC algorithm (KMS Developer Guide, "HMAC keys in AWS KMS"). */
const MAC_ALGORITHM_OF_SPEC: Readonly<Record<string, MacAlgorithmSpec>> = {
  HMAC_224: 'HMAC_SHA_224',
  HMAC_256: 'HMAC_SHA_256',
  HMAC_384: 'HMAC_SHA_384',
  HMAC_512: 'HMAC_SHA_512',
};

export const isMacAlgorithm = (v: unknown): v is MacAlgorithmSpec => typeof v === 'string' && Object.hasOwn(MAC_LENGTH, v);
/** A key ARN: partition, Region, account, key id. */
export const KEY_ARN_PARTS = /^arn:([\w-]+):kms:([^:]*):(\d*):key\/(.+)$/;
/** An alias ARN: partition, Region, account. */
export const ALIAS_ARN_PARTS = /^arn:([\w-]+):kms:([^:]*):(\d*):alias\/.+$/;
export const isKeyArn = (id: string): boolean => KEY_ARN_PARTS.test(id);
export const isAliasName = (id: string): boolean => id.startsWith('alias/') || ALIAS_ARN_PARTS.test(id);

export function checkKeyId(helper: string, keyId: unknown): asserts keyId is string {
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 2048) throw new TypeError(`${helper}: KeyId must be a KMS key id, key ARN, alias name or alias ARN`);
}

export function checkGrantTokens(helper: string, tokens: unknown): asserts tokens is string[] | undefined {
  if (tokens !== undefined && (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string'))) throw new TypeError(`${helper}: GrantTokens must be a list of strings`);
}

export interface MacKey {
  /** The key ARN (what GenerateMac and VerifyMac answer with). */
  arn: string;
  macAlgorithm: MacAlgorithmSpec;
}

/**
 * The key ARN and MAC algorithm behind `KeyId`: no call when `KeyId` is a key ARN and the algorithm is given,
 * otherwise one DescribeKey (an alias is resolved now, so a later alias swap is seen by the next call).
 */
export async function describeMacKey(
  helper: string,
  kms: Pick<MacKms, 'describeKey'>,
  keyId: string,
  macAlgorithm: MacAlgorithmSpec | undefined,
  grantTokens: string[] | undefined,
): Promise<MacKey> {
  if (macAlgorithm !== undefined && isKeyArn(keyId)) return { arn: keyId, macAlgorithm };
  const { KeyMetadata: meta } = await kms.describeKey({ KeyId: keyId, ...(grantTokens ? { GrantTokens: grantTokens } : {}) });
  if (!meta || typeof meta.Arn !== 'string') throw new Error(`${helper}: DescribeKey answered without a key ARN`);
  const own = meta.KeySpec === undefined ? undefined : MAC_ALGORITHM_OF_SPEC[meta.KeySpec];
  if (own === undefined || (meta.KeyUsage !== undefined && meta.KeyUsage !== 'GENERATE_VERIFY_MAC')) {
    throw new TypeError(`${helper}: ${meta.Arn} is not an HMAC key (KeySpec ${meta.KeySpec}, KeyUsage ${meta.KeyUsage})`);
  }
  // a MacAlgorithm given with an alias or key id is passed on; KMS refuses it when it is not the key's own
  return { arn: meta.Arn, macAlgorithm: macAlgorithm ?? own };
}

export function errorName(e: unknown): string | undefined {
  return e !== null && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined;
}
