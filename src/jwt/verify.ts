/**
 * verifyJwt: parses a compact JWS strictly, has KMS check the MAC with VerifyMac (never locally), then checks the
 * claims as jose does. Parsing and key choice happen before any KMS call, so a malformed token or a foreign `kid`
 * costs nothing; the claims are checked after VerifyMac, so a claim error always carries an authentic payload.
 */
import { decodeBase64url } from './base64url.js';
import { checkClaimOptions, isPlainObject, validateClaims, type ClaimChecks, type JwtPayload } from './claims.js';
import { JOSEAlgNotAllowed, JOSENotSupported, JWKSNoMatchingKey, JWSInvalid, JWSSignatureVerificationFailed, JWTInvalid } from './errors.js';
import { ALIAS_ARN_PARTS, checkGrantTokens, errorName, isAliasName, isKeyArn, KEY_ARN_PARTS, MAC_ALGORITHM_OF, MAC_LENGTH, requireMethods, type JwsHmacAlgorithm, type MacKms } from './kms-port.js';
import { MAX_SIGNING_INPUT_BYTES } from './sign.js';

export interface VerifyJwtOptions extends ClaimChecks {
  /**
   * The key, or the keys during a rotation. The token's `kid` (a key ARN) chooses: an entry that is that key ARN or
   * its key id is used at once; otherwise the alias entries are tried in order (one VerifyMac each), and the ARN
   * VerifyMac answers with must be the `kid`. For a multi-Region key (key id `mrk-…`), the ARN of a related key in
   * another Region (same partition, account and key id) counts as the `kid`'s: a token signed through the primary
   * verifies through a replica and vice versa. A `kid` no entry can match is refused without calling KMS
   * (JWKSNoMatchingKey): no key ARN, or in another account or Region than every alias entry (an alias name's account
   * and Region are learnt from the first VerifyMac through one, per client). A token without `kid` needs a single
   * `KeyId`.
   */
  KeyId: string | readonly string[];
  /** Accepted `alg` values (checked before KMS is called); HS256, HS384 and HS512 by default. */
  algorithms?: readonly JwsHmacAlgorithm[];
  /** Extension header members the caller understands, as jose's `crit` option: `{ name: true }` when it must be protected. */
  crit?: Record<string, boolean>;
  GrantTokens?: string[];
}

export interface VerifyJwtResult<P = JwtPayload> {
  payload: P & JwtPayload;
  protectedHeader: { alg: JwsHmacAlgorithm; kid?: string; typ?: string; [member: string]: unknown };
  /** The ARN of the key that verified the MAC (VerifyMac's `KeyId`). */
  KeyId: string;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const HMAC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

function parseJson(bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(STRICT_UTF8.decode(bytes));
  } catch {
    return undefined;
  }
}

/** jose's `validateCrit` rules (lib/validate.js) with `b64` (RFC 7797) the only extension recognized by default. */
function checkCrit(header: Record<string, unknown>, recognized: Record<string, boolean>): void {
  const crit = header.crit;
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((c) => typeof c !== 'string' || c.length === 0)) {
    throw new JWSInvalid('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present');
  }
  if (new Set(crit).size !== crit.length) throw new JWSInvalid('"crit" (Critical) Header Parameter MUST NOT contain duplicate values');
  const known: Record<string, boolean> = { ...recognized, b64: true };
  for (const name of crit as string[]) {
    if (!Object.hasOwn(known, name)) throw new JOSENotSupported(`Extension Header Parameter "${name}" is not recognized`);
    if (header[name] === undefined) throw new JWSInvalid(`Extension Header Parameter "${name}" is missing`);
  }
  if (crit.includes('b64')) {
    if (typeof header.b64 !== 'boolean') throw new JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean');
    if (!header.b64) throw new JWTInvalid('JWTs MUST NOT use unencoded payload');
  }
}

/**
 * Whether `arn` is the key the token's `kid` names: the same key ARN, or — for a multi-Region key (key id `mrk-…`) —
 * the ARN of a related multi-Region key in another Region (same partition, account and key id). Related multi-Region
 * keys share key id and key material, so a MAC made in one Region verifies in the others (KMS Developer Guide,
 * "Multi-Region keys in AWS KMS"); VerifyMac then answers with the ARN of its own Region's key.
 */
function isKidKey(kid: string, arn: string): boolean {
  if (kid === arn) return true;
  const a = KEY_ARN_PARTS.exec(kid);
  const b = KEY_ARN_PARTS.exec(arn);
  return !!a && !!b && a[4]!.startsWith('mrk-') && a[1] === b[1] && a[3] === b[3] && a[4] === b[4];
}

/** Where a key ARN or alias ARN lives: partition, Region, account. */
interface Scope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}
const scopeOf = (m: RegExpExecArray): Scope => ({ partition: m[1]!, region: m[2]!, account: m[3]! });

/**
 * Where a client's alias names resolve (its caller's account, its Region), learnt from the key ARN a VerifyMac on an
 * alias name answered with: an alias name never names another account's or Region's key (DG alias-about.md), so a
 * `kid` elsewhere is then refused without calling KMS. Per client object; nothing outlives the client.
 */
const aliasScopes = new WeakMap<object, Scope>();

/**
 * Whether an alias entry could be the key `kid` names: the alias lives in the kid's partition and account, and in its
 * Region — or in any Region for a multi-Region kid, whose related keys verify each other's MACs (see isKidKey).
 */
function aliasMayBe(alias: Scope | undefined, kid: Scope, multiRegion: boolean): boolean {
  return alias === undefined || (alias.partition === kid.partition && alias.account === kid.account && (multiRegion || alias.region === kid.region));
}

/** The entries of `KeyId` to try for this `kid`, best first (see VerifyJwtOptions.KeyId). */
function candidates(client: object, keyIds: readonly string[], kid: string | undefined): string[] {
  if (kid === undefined) {
    if (keyIds.length === 1) return [keyIds[0]!];
    throw new JWKSNoMatchingKey('the token has no "kid" to choose among the KeyId list');
  }
  // the kid's own ARN first, then a related multi-Region key's ARN (another Region), then a key id
  const named =
    keyIds.find((id) => isKeyArn(id) && id === kid) ??
    keyIds.find((id) => isKeyArn(id) && isKidKey(kid, id)) ??
    keyIds.find((id) => !isKeyArn(id) && !isAliasName(id) && kid.endsWith(`:key/${id}`));
  if (named !== undefined) return [named];
  // VerifyMac answers with a key ARN: a kid that is none can never match an alias entry; one in another account or
  // Region than an alias entry's cannot be that alias's key
  const kidParts = KEY_ARN_PARTS.exec(kid);
  if (kidParts) {
    const kidScope = scopeOf(kidParts);
    const multiRegion = kidParts[4]!.startsWith('mrk-');
    const aliases = keyIds.filter((id) => {
      if (!isAliasName(id)) return false;
      const arn = ALIAS_ARN_PARTS.exec(id);
      return aliasMayBe(arn ? scopeOf(arn) : aliasScopes.get(client), kidScope, multiRegion);
    });
    if (aliases.length > 0) return aliases;
  }
  throw new JWKSNoMatchingKey(`the token's kid ${JSON.stringify(kid)} is none of the keys in KeyId`);
}

function checkOptions(options: VerifyJwtOptions): readonly string[] {
  if (!isPlainObject(options)) throw new TypeError('verifyJwt: options with at least KeyId are required');
  const keyIds = typeof options.KeyId === 'string' ? [options.KeyId] : options.KeyId;
  if (!Array.isArray(keyIds) || keyIds.length === 0 || keyIds.some((id) => typeof id !== 'string' || id.length === 0)) {
    throw new TypeError('verifyJwt: KeyId must be a key id, key ARN, alias name or alias ARN, or a non-empty list of them');
  }
  if (options.algorithms !== undefined && (!Array.isArray(options.algorithms) || options.algorithms.some((a) => typeof a !== 'string'))) {
    throw new TypeError('"algorithms" option must be an array of strings');
  }
  if (options.crit !== undefined && !isPlainObject(options.crit)) throw new TypeError('verifyJwt: crit must be an object of extension names');
  checkGrantTokens('verifyJwt', options.GrantTokens);
  checkClaimOptions(options);
  return keyIds;
}

/**
 * Verifies a JWT made with a KMS HMAC key (by signJwt, or by any JWS library holding the same key material): the MAC
 * through KMS VerifyMac, then `exp`, `nbf`, `iat`/`maxTokenAge`, `aud`, `iss`, `sub`, `typ` as jose's `jwtVerify`.
 * Errors carry jose's `code`s; a MAC KMS refuses is `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`, any other KMS error
 * (AccessDeniedException, DisabledException, NotFoundException, ...) is rethrown unchanged.
 *
 * @example
 * const { payload } = await verifyJwt(kms, token, { KeyId: 'alias/sessions', audience: 'api', maxTokenAge: '1h' });
 */
export async function verifyJwt<P = JwtPayload>(kms: Pick<MacKms, 'verifyMac'>, token: string | Uint8Array, options: VerifyJwtOptions): Promise<VerifyJwtResult<P>> {
  const client = requireMethods('verifyJwt', kms, ['verifyMac']);
  const keyIds = checkOptions(options);
  const jws = token instanceof Uint8Array ? new TextDecoder().decode(token) : token;
  if (typeof jws !== 'string') throw new JWSInvalid('Compact JWS must be a string or Uint8Array');
  const parts = jws.split('.');
  if (parts.length !== 3) throw new JWSInvalid('Invalid Compact JWS');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];

  const header = parseJson(decodeBase64url(headerPart));
  if (!isPlainObject(header)) throw new JWSInvalid('JWS Protected Header is invalid');
  checkCrit(header, options.crit ?? {});
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.length === 0) throw new JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
  if (options.algorithms !== undefined && !options.algorithms.includes(alg as JwsHmacAlgorithm)) throw new JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  // a KMS HMAC key makes HS256, HS384 or HS512 MACs only: "none", RS256, ... are refused before KMS is called
  if (!HMAC_ALGORITHMS.includes(alg)) throw new JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed: a KMS HMAC key verifies HS256, HS384 or HS512, not ${alg}`);
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0)) throw new JWSInvalid('JWS "kid" (Key ID) Header Parameter must be a non-empty string');
  const signature = decodeBase64url(signaturePart);
  if (signature === undefined) throw new JWSInvalid('Failed to base64url decode the signature');
  const payloadBytes = decodeBase64url(payloadPart);
  if (payloadBytes === undefined) throw new JWSInvalid('Failed to base64url decode the payload');
  const claims = parseJson(payloadBytes);
  if (!isPlainObject(claims)) throw new JWTInvalid('JWT Claims Set must be a top-level JSON object');

  const MacAlgorithm = MAC_ALGORITHM_OF[alg as JwsHmacAlgorithm];
  const signingInputLength = headerPart.length + 1 + payloadPart.length;
  // KMS never makes a MAC of another length, nor over more than 4,096 bytes: no call can succeed
  if (signature.length !== MAC_LENGTH[MacAlgorithm]) throw new JWSSignatureVerificationFailed();
  if (signingInputLength > MAX_SIGNING_INPUT_BYTES) throw new JWSSignatureVerificationFailed(`signature verification failed: the signing input is over ${MAX_SIGNING_INPUT_BYTES} bytes, more than KMS MACs`);
  const tries = candidates(client, keyIds, kid as string | undefined);

  const Message = new Uint8Array(signingInputLength);
  for (let i = 0; i < signingInputLength; i++) Message[i] = jws.charCodeAt(i); // base64url and '.': ASCII
  const grants = options.GrantTokens ? { GrantTokens: options.GrantTokens } : {};
  let failure: Error | undefined;
  let verifiedBy: string | undefined;
  for (const KeyId of tries) {
    try {
      const out = await client.verifyMac({ KeyId, Message, Mac: signature, MacAlgorithm, ...grants });
      // VerifyMac never answers MacValid: false (it throws KMSInvalidMacException), but a client might
      if (out.MacValid !== true || typeof out.KeyId !== 'string') {
        failure = new JWSSignatureVerificationFailed();
        continue;
      }
      if (KeyId.startsWith('alias/')) {
        const learnt = KEY_ARN_PARTS.exec(out.KeyId);
        if (learnt) aliasScopes.set(client, scopeOf(learnt));
      }
      if (kid !== undefined && !isKidKey(kid, out.KeyId)) {
        failure = new JWSSignatureVerificationFailed(`signature verification failed: the MAC is ${out.KeyId}'s, not that of the key the token's kid names`);
        continue;
      }
      verifiedBy = out.KeyId;
      break;
    } catch (e) {
      if (errorName(e) === 'KMSInvalidMacException') {
        failure = new JWSSignatureVerificationFailed(undefined, { cause: e });
      } else if (errorName(e) === 'InvalidKeyUsageException' && /incompatible with key spec/.test(String((e as Error).message))) {
        // recorded: "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_384." (test_invalid_verify_mac):
        // the token's alg is not the key's; the token chose it, so it is the token that is refused
        failure = new JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed: ${alg} is not the algorithm of ${KeyId}`, { cause: e });
      } else {
        throw e;
      }
    }
  }
  if (verifiedBy === undefined) throw failure ?? new JWSSignatureVerificationFailed();

  validateClaims(header, claims, options);
  return { payload: claims as P & JwtPayload, protectedHeader: header as VerifyJwtResult['protectedHeader'], KeyId: verifiedBy };
}
