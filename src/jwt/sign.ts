/** signJwt: a compact JWS (RFC 7515 §7.1) of a JWT (RFC 7519) whose MAC KMS computes with GenerateMac. */
import { encodeBase64url } from './base64url.js';
import { checkPayloadTypes, durationSeconds, epochSeconds, isPlainObject, isValidDate, type JwtPayload } from './claims.js';
import { JOSENotSupported } from './errors.js';
import { checkGrantTokens, checkKeyId, describeMacKey, errorName, isAliasName, isKeyArn, isMacAlgorithm, JWS_ALGORITHM_OF, requireMethods, type GenerateMacOutput, type MacAlgorithmSpec, type MacKey, type MacKms } from './kms-port.js';

/** GenerateMac's `Message` is at most 4,096 bytes (KMS API Reference, GenerateMac, Message: "Length Constraints"). */
export const MAX_SIGNING_INPUT_BYTES = 4096;

export interface SignJwtInput {
  /** The HMAC_256, HMAC_384 or HMAC_512 key: key id, key ARN, alias name or alias ARN. */
  KeyId: string;
  /** The claims. `iat` is set to the clock's time unless given; `exp`, `nbf`, `aud`, `iss`, `sub`, `jti` are optional. */
  payload?: JwtPayload;
  /**
   * Sets `exp` this long after now: seconds, or a duration as jose reads them (`'15m'`, `'2h'`, `'+15m'`,
   * `'15m from now'`); not negative. Not together with `payload.exp`.
   */
  expiresIn?: number | string;
  /** Extra protected header members (`typ`, default `JWT`, may be replaced). `alg`, `kid`, `crit` and `b64` are set here. */
  header?: Record<string, unknown>;
  /**
   * The key's MAC algorithm. Given together with a key ARN as `KeyId`, signJwt calls only GenerateMac; otherwise the
   * first token of a client and KeyId calls DescribeKey first, for the key ARN (the token's `kid`) and spec (its `alg`).
   */
  MacAlgorithm?: MacAlgorithmSpec;
  GrantTokens?: string[];
  /** The time `iat` and `expiresIn` count from. Default `() => new Date()`. */
  clock?: () => Date;
}

const ENCODER = new TextEncoder();
const RESERVED_HEADER = ['alg', 'kid', 'crit', 'b64'] as const;

function ascii(text: string): Uint8Array {
  // base64url and '.' only: one byte per character
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function jsonPart(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new TypeError(`signJwt: the ${what} is not JSON-serializable`, { cause });
  }
  return encodeBase64url(ENCODER.encode(json));
}

/**
 * Signs a JWT with a KMS HMAC key. The header is `{ alg, typ: 'JWT', kid: <key ARN>, ...header }` with `alg` HS256,
 * HS384 or HS512 from the key spec (an HMAC_224 key has no JWA algorithm: JOSENotSupported). The signing input goes to
 * KMS in one GenerateMac call, after one DescribeKey the first time a client signs with a KeyId (the kid must be known
 * before the MAC). One over 4,096 bytes is refused before GenerateMac: before any call when it is too long even with
 * an empty kid, otherwise once the key ARN is known (after that DescribeKey); the KMS error of a refused call
 * (AccessDeniedException, DisabledException, NotFoundException, ...) reaches the caller unchanged.
 *
 * @example
 * const token = await signJwt(kms, { KeyId: 'alias/sessions', payload: { sub: 'user-42' }, expiresIn: 300 });
 */
export async function signJwt(kms: Pick<MacKms, 'generateMac' | 'describeKey'>, input: SignJwtInput): Promise<string> {
  const client = requireMethods('signJwt', kms, ['generateMac', 'describeKey']);
  if (!isPlainObject(input)) throw new TypeError('signJwt: the input must be an object');
  const { KeyId, payload = {}, expiresIn, header = {}, MacAlgorithm, GrantTokens, clock = () => new Date() } = input;
  checkKeyId('signJwt', KeyId);
  checkGrantTokens('signJwt', GrantTokens);
  if (MacAlgorithm !== undefined && !isMacAlgorithm(MacAlgorithm)) throw new TypeError('signJwt: MacAlgorithm must be HMAC_SHA_256, HMAC_SHA_384 or HMAC_SHA_512');
  if (MacAlgorithm !== undefined && JWS_ALGORITHM_OF[MacAlgorithm] === undefined) throw new JOSENotSupported(`signJwt: ${MacAlgorithm} has no JWS algorithm (JWA defines HS256, HS384 and HS512)`);
  if (!isPlainObject(payload)) throw new TypeError('signJwt: payload must be a plain object of claims');
  checkPayloadTypes(payload);
  if (!isPlainObject(header)) throw new TypeError('signJwt: header must be a plain object');
  for (const member of RESERVED_HEADER) {
    if (Object.hasOwn(header, member)) throw new TypeError(`signJwt: the "${member}" header member is set by signJwt (alg from the key spec, kid = the key ARN; no crit or b64 extensions)`);
  }
  if (header.typ !== undefined && typeof header.typ !== 'string') throw new TypeError('signJwt: header.typ must be a string');
  // JSON.stringify would call it and sign what it returns instead: claims without iat or exp, a header without alg or kid
  for (const [what, value] of [['payload', payload], ['header', header]] as const) {
    if ('toJSON' in value) throw new TypeError(`signJwt: the ${what} must not have a toJSON member (it would replace what is signed)`);
  }
  if (typeof clock !== 'function') throw new TypeError('signJwt: clock must be a function returning a Date');
  const now = clock();
  if (!isValidDate(now)) throw new TypeError('signJwt: clock() must return a valid Date');

  const claims: Record<string, unknown> = { ...payload };
  claims.iat ??= epochSeconds(now);
  if (expiresIn !== undefined) {
    if (payload.exp !== undefined) throw new TypeError('signJwt: give expiresIn or payload.exp, not both');
    const seconds = durationSeconds('expiresIn', expiresIn);
    if (seconds < 0) throw new TypeError('signJwt: expiresIn must not be negative');
    claims.exp = epochSeconds(now) + seconds;
  }
  const payloadPart = jsonPart(claims, 'payload');
  const { typ = 'JWT', ...extra } = header;

  const headerPart = (alg: string, kid: string) => jsonPart({ alg, typ, kid, ...extra }, 'header');
  const tooLong = (bytes: number) =>
    new TypeError(`signJwt: the JWS signing input is ${bytes} bytes; GenerateMac takes a message of at most ${MAX_SIGNING_INPUT_BYTES} bytes`);
  // refused before any KMS call when even an empty kid does not fit
  const shortest = headerPart('HS256', '').length + 1 + payloadPart.length;
  if (shortest > MAX_SIGNING_INPUT_BYTES) throw tooLong(shortest);

  // The kid is in the MACed header, so the key ARN must be known before GenerateMac: DescribeKey gives it (and the
  // spec), once per client and KeyId — after that, GenerateMac is the only call. GenerateMac runs on the caller's
  // KeyId (so kms:RequestAlias conditions see the alias) and must answer with that same ARN; when it does not (an
  // alias moved since), or refuses the algorithm (it moved to a key of another spec), the key is looked up again and
  // signing starts over once.
  const known = keysOf(client);
  for (let attempt = 1; ; attempt++) {
    let key = MacAlgorithm !== undefined && isKeyArn(KeyId) ? { arn: KeyId, macAlgorithm: MacAlgorithm } : known.get(KeyId);
    const cached = key !== undefined;
    if (!key) {
      key = await describeMacKey('signJwt', client, KeyId, undefined, GrantTokens);
      remember(known, KeyId, key);
    }
    const macAlgorithm = MacAlgorithm ?? key.macAlgorithm;
    const alg = JWS_ALGORITHM_OF[macAlgorithm];
    if (alg === undefined) throw new JOSENotSupported(`signJwt: ${key.arn} is an HMAC_224 key; JWS has no HMAC-SHA-224 algorithm (JWA defines HS256, HS384 and HS512)`);
    const signingInput = `${headerPart(alg, key.arn)}.${payloadPart}`;
    if (signingInput.length > MAX_SIGNING_INPUT_BYTES) throw tooLong(signingInput.length);
    let out: GenerateMacOutput;
    try {
      out = await client.generateMac({ KeyId, Message: ascii(signingInput), MacAlgorithm: macAlgorithm, ...(GrantTokens ? { GrantTokens } : {}) });
    } catch (e) {
      // an alias moved to a key of another spec: its algorithm is refused (InvalidKeyUsageException); start over once —
      // unless the caller gave MacAlgorithm, which a new lookup would not change
      known.delete(KeyId);
      if (attempt === 1 && MacAlgorithm === undefined && (cached || isAliasName(KeyId)) && errorName(e) === 'InvalidKeyUsageException') continue;
      throw e;
    }
    if (!(out.Mac instanceof Uint8Array) || typeof out.KeyId !== 'string') throw new Error('signJwt: GenerateMac answered without Mac and KeyId');
    if (out.KeyId === key.arn) return `${signingInput}.${encodeBase64url(out.Mac)}`;
    known.delete(KeyId);
    if (attempt === 2) throw new Error(`signJwt: ${KeyId} named ${key.arn} for DescribeKey but ${out.KeyId} for GenerateMac, twice; is the alias being updated?`);
  }
}

/** What DescribeKey said of each KeyId, per client (a WeakMap: nothing outlives the client), at most 256 entries. */
const described = new WeakMap<object, Map<string, MacKey>>();
function keysOf(client: object): Map<string, MacKey> {
  let known = described.get(client);
  if (!known) described.set(client, (known = new Map()));
  return known;
}
function remember(known: Map<string, MacKey>, keyId: string, key: MacKey): void {
  if (known.size >= 256) known.delete(known.keys().next().value!);
  known.set(keyId, key);
}
