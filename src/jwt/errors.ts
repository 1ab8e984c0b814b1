/**
 * The errors of `hmac-kms/jwt`, shaped like jose's (`jose/errors`, checked against jose 6.2.18
 * `dist/webapi/util/errors.js`): the same class names, the same `code` on the instance and as a static, and for claim
 * failures the same `claim`, `reason` and `payload` members, so that code written for jose (`switch (err.code)`)
 * handles them. `name` is a literal on each class (minifiers rename constructors). KMS errors are not wrapped: they
 * reach the caller unchanged, except `KMSInvalidMacException`, which is what a bad signature is
 * (`JWSSignatureVerificationFailed`, the KMS error as `cause`).
 */

export class JOSEError extends Error {
  static code: string = 'ERR_JOSE_GENERIC';
  code: string = 'ERR_JOSE_GENERIC';
  override name: string = 'JOSEError';

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    (Error as { captureStackTrace?: (target: object, ctor: Function) => void }).captureStackTrace?.(this, new.target);
  }
}

/** The token's `alg` is not allowed (not HS256/384/512, not in `algorithms`, or not the key's algorithm). */
export class JOSEAlgNotAllowed extends JOSEError {
  static override code = 'ERR_JOSE_ALG_NOT_ALLOWED';
  override code = 'ERR_JOSE_ALG_NOT_ALLOWED';
  override name = 'JOSEAlgNotAllowed';
}

/** Something JOSE does not define or this module does not implement (an HMAC_224 key; an unrecognized `crit`). */
export class JOSENotSupported extends JOSEError {
  static override code = 'ERR_JOSE_NOT_SUPPORTED';
  override code = 'ERR_JOSE_NOT_SUPPORTED';
  override name = 'JOSENotSupported';
}

/** A malformed JWS: not three base64url parts, a header that is not a JSON object, a bad `crit` or `kid`. */
export class JWSInvalid extends JOSEError {
  static override code = 'ERR_JWS_INVALID';
  override code = 'ERR_JWS_INVALID';
  override name = 'JWSInvalid';
}

/** A JWS that is not a JWT: the payload is not a JSON object, or is unencoded (`b64: false`). */
export class JWTInvalid extends JOSEError {
  static override code = 'ERR_JWT_INVALID';
  override code = 'ERR_JWT_INVALID';
  override name = 'JWTInvalid';
}

/** KMS did not accept the MAC (`KMSInvalidMacException`, kept as `cause`), or it cannot be a KMS MAC at all. */
export class JWSSignatureVerificationFailed extends JOSEError {
  static override code = 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
  override code = 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';
  override name = 'JWSSignatureVerificationFailed';

  constructor(message = 'signature verification failed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No entry of the `KeyId` list can verify the token: its `kid` names another key, or it has none to choose by. */
export class JWKSNoMatchingKey extends JOSEError {
  static override code = 'ERR_JWKS_NO_MATCHING_KEY';
  override code = 'ERR_JWKS_NO_MATCHING_KEY';
  override name = 'JWKSNoMatchingKey';

  constructor(message = 'no applicable key found in the JSON Web Key Set', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A claim check failed (`claim`: which one; `reason`: `'missing' | 'invalid' | 'check_failed'`). */
export class JWTClaimValidationFailed extends JOSEError {
  static override code = 'ERR_JWT_CLAIM_VALIDATION_FAILED';
  override code = 'ERR_JWT_CLAIM_VALIDATION_FAILED';
  override name = 'JWTClaimValidationFailed';
  readonly claim: string;
  readonly reason: string;
  /** The verified claims set. */
  readonly payload: Record<string, unknown>;

  constructor(message: string, payload: Record<string, unknown>, claim = 'unspecified', reason = 'unspecified') {
    super(message, { cause: { claim, reason, payload } });
    this.claim = claim;
    this.reason = reason;
    this.payload = payload;
  }
}

/** The token expired (`exp`), or is older than `maxTokenAge` (`iat`). */
export class JWTExpired extends JOSEError {
  static override code = 'ERR_JWT_EXPIRED';
  override code = 'ERR_JWT_EXPIRED';
  override name = 'JWTExpired';
  readonly claim: string;
  readonly reason: string;
  /** The verified claims set. */
  readonly payload: Record<string, unknown>;

  constructor(message: string, payload: Record<string, unknown>, claim = 'unspecified', reason = 'unspecified') {
    super(message, { cause: { claim, reason, payload } });
    this.claim = claim;
    this.reason = reason;
    this.payload = payload;
  }
}
