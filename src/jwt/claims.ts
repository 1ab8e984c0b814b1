/**
 * JWT claims (RFC 7519 §4.1): what signJwt accepts and the checks verifyJwt runs once KMS has accepted the MAC. The
 * checks follow jose 6.2.18 (`lib/jwt_claims_set.js` `validateClaimsSet`) rule for rule — order, messages, `claim`
 * and `reason` — so both libraries accept and refuse the same tokens (test/jwt/interop.test.ts compares them).
 */
import { JWTClaimValidationFailed, JWTExpired } from './errors.js';

/** The registered claims, typed; any other member is allowed. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

export interface ClaimChecks {
  /** Accepted `iss` value(s). */
  issuer?: string | readonly string[];
  /** The expected `sub`. */
  subject?: string;
  /** Accepted audience(s): the token's `aud` (a string or a list) must contain one of them. */
  audience?: string | readonly string[];
  /** The expected `typ` header (`JWT` matches `application/jwt`, case-insensitively, as in jose). */
  typ?: string;
  /** Seconds (or a duration such as `'30s'`, `'2 min'`, jose's grammar) of leeway for `exp`, `nbf` and `iat`; not negative. */
  clockTolerance?: number | string;
  /** The oldest `iat` accepted, as seconds or a duration (`'15m'`); not negative; makes `iat` required. */
  maxTokenAge?: number | string;
  /** Claims that must be present. */
  requiredClaims?: readonly string[];
  /** The time to check against, a valid Date (of any realm); default `new Date()`. */
  currentDate?: Date;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_557_600 };
/**
 * jose 6.2.18's time periods (`lib/jwt_claims_set.js`, `secs`): an optional sign, a number, a unit, an optional
 * " ago" or " from now" — never both a sign and a suffix. "-" and " ago" make it negative.
 */
const DURATION = /^([+-])? ?(\d+|\d+\.\d+) ?(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)(?: (ago|from now))?$/i;

/**
 * Seconds in a number or a duration string, as jose reads them: `'90s'`, `'15 minutes'`, `'2h'`, `'1.5d'`, `'1y'`
 * (365.25 days), `'+15m'` or `'15m from now'`, `'-15m'` or `'15m ago'` (negative). Rounded as jose rounds: the
 * magnitude, then the sign (`'-1.5s'` is -2).
 */
export function durationSeconds(label: string, value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Invalid ${label} input`);
    return value;
  }
  const m = typeof value === 'string' ? DURATION.exec(value) : null;
  if (!m || (m[1] !== undefined && m[4] !== undefined)) throw new TypeError(`Invalid ${label}: a number of seconds or a duration such as '30s', '15m', '2h', '7d'`);
  const seconds = Math.round(parseFloat(m[2]!) * UNIT_SECONDS[m[3]![0]!.toLowerCase()]!);
  if (!Number.isFinite(seconds)) throw new TypeError(`Invalid ${label} input`);
  return m[1] === '-' || m[4]?.toLowerCase() === 'ago' ? -seconds : seconds;
}

/**
 * A Date with a valid time, from this realm or another (an iframe's, a `vm` context's): jose takes any Date, where
 * `instanceof Date` refuses another realm's. An object merely tagged `Date` (Symbol.toStringTag) has no time value and
 * is refused.
 */
export function isValidDate(value: unknown): value is Date {
  if (Object.prototype.toString.call(value) !== '[object Date]') return false;
  try {
    return Number.isFinite(Date.prototype.getTime.call(value));
  } catch {
    return false;
  }
}

export const epochSeconds = (date: Date): number => Math.floor(Date.prototype.getTime.call(date) / 1000);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.prototype.toString.call(value) !== '[object Object]') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** signJwt's checks of the claims it is given (jose's JWT builders check the same types). */
export function checkPayloadTypes(payload: Record<string, unknown>): void {
  for (const claim of ['iss', 'sub', 'jti'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') throw new TypeError(`signJwt: the "${claim}" claim must be a string`);
  }
  const aud = payload.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    throw new TypeError('signJwt: the "aud" claim must be a string or a list of strings');
  }
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (payload[claim] !== undefined && !(typeof payload[claim] === 'number' && Number.isFinite(payload[claim]))) {
      throw new TypeError(`signJwt: the "${claim}" claim must be a finite number (seconds since the epoch)`);
    }
  }
}

/** Checks the options before anything is called, so that a mistake in them never costs a KMS call. */
export function checkClaimOptions(options: ClaimChecks): void {
  const stringOrList = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
  if (options.issuer !== undefined && !stringOrList(options.issuer)) throw new TypeError('verifyJwt: issuer must be a string or a list of strings');
  if (options.audience !== undefined && !stringOrList(options.audience)) throw new TypeError('verifyJwt: audience must be a string or a list of strings');
  if (options.subject !== undefined && typeof options.subject !== 'string') throw new TypeError('verifyJwt: subject must be a string');
  if (options.typ !== undefined && typeof options.typ !== 'string') throw new TypeError('verifyJwt: typ must be a string');
  if (options.requiredClaims !== undefined && !(Array.isArray(options.requiredClaims) && options.requiredClaims.every((c) => typeof c === 'string'))) {
    throw new TypeError('verifyJwt: requiredClaims must be a list of strings');
  }
  if (options.currentDate !== undefined && !isValidDate(options.currentDate)) {
    throw new TypeError('Invalid currentDate option input');
  }
  if (options.clockTolerance !== undefined) {
    if (typeof options.clockTolerance !== 'number' && typeof options.clockTolerance !== 'string') throw new TypeError('Invalid clockTolerance option type');
    if (durationSeconds('clockTolerance option', options.clockTolerance) < 0) throw new TypeError('Invalid clockTolerance option input');
  }
  if (options.maxTokenAge !== undefined && durationSeconds('maxTokenAge option', options.maxTokenAge) < 0) throw new TypeError('Invalid maxTokenAge option input');
}

const normalizeTyp = (value: string): string => (value.includes('/') ? value.toLowerCase() : `application/${value.toLowerCase()}`);

function numericDate(claims: Record<string, unknown>, claim: string, required: boolean): number | undefined {
  const value = claims[claim];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number') throw new JWTClaimValidationFailed(`"${claim}" claim must be a number`, claims, claim, 'invalid');
  return value;
}

const unexpected = (claims: Record<string, unknown>, claim: string) => new JWTClaimValidationFailed(`unexpected "${claim}" claim value`, claims, claim, 'check_failed');

/** The claim checks, in jose's order: typ, presence, iss, sub, aud, nbf, exp, maxTokenAge. */
export function validateClaims(header: Record<string, unknown>, claims: Record<string, unknown>, options: ClaimChecks): void {
  if (options.typ !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== normalizeTyp(options.typ))) {
    throw new JWTClaimValidationFailed('unexpected "typ" JWT header value', claims, 'typ', 'check_failed');
  }
  const { issuer, subject, audience, maxTokenAge } = options;
  const required = [...(options.requiredClaims ?? [])];
  if (maxTokenAge !== undefined) required.push('iat');
  if (audience !== undefined) required.push('aud');
  if (subject !== undefined) required.push('sub');
  if (issuer !== undefined) required.push('iss');
  for (const claim of new Set(required.reverse())) {
    if (!Object.hasOwn(claims, claim)) throw new JWTClaimValidationFailed(`missing required "${claim}" claim`, claims, claim, 'missing');
  }
  if (issuer !== undefined && !(typeof issuer === 'string' ? [issuer] : issuer).includes(claims.iss as string)) throw unexpected(claims, 'iss');
  if (subject !== undefined && claims.sub !== subject) throw unexpected(claims, 'sub');
  if (audience !== undefined) {
    const accepted = typeof audience === 'string' ? [audience] : audience;
    const aud = claims.aud;
    const ok = typeof aud === 'string' ? accepted.includes(aud) : Array.isArray(aud) ? accepted.some((a) => aud.includes(a)) : false;
    if (!ok) throw unexpected(claims, 'aud');
  }

  const tolerance = options.clockTolerance === undefined ? 0 : durationSeconds('clockTolerance option', options.clockTolerance);
  const now = epochSeconds(options.currentDate ?? new Date());
  const iat = numericDate(claims, 'iat', maxTokenAge !== undefined);
  const nbf = numericDate(claims, 'nbf', false);
  if (nbf !== undefined && nbf > now + tolerance) throw new JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
  const exp = numericDate(claims, 'exp', false);
  // a token is expired at its exp second (RFC 7519 §4.1.4: "on or after")
  if (exp !== undefined && exp <= now - tolerance) throw new JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
  if (maxTokenAge !== undefined) {
    const age = now - iat!;
    const max = durationSeconds('maxTokenAge option', maxTokenAge);
    if (age - tolerance > max) throw new JWTExpired('"iat" claim timestamp check failed (too far in the past)', claims, 'iat', 'check_failed');
    if (age < -tolerance) throw new JWTClaimValidationFailed('"iat" claim timestamp check failed (it should be in the past)', claims, 'iat', 'check_failed');
  }
}
