// hmac-kms/jwt and jose (6.2.18) agree: tokens made by signJwt verify with jose given the raw seeded key, tokens made
// by jose verify with verifyJwt, and on a table of edge cases (expiry to the second, nbf, tolerance, audiences, typ,
// maxTokenAge, required claims, wrong key, algorithms) both give the same result: the same payload, or an error
// with the same code, claim, reason and message. The whole table runs through four doors: HmacKms itself, a real
// KMSClient (fromKmsClient) and the SDK's aggregated KMS client in-process (createSdkRequestHandler), and a KMSClient
// over HTTP to hmac-kms's server (startServer). Then policies: a caller allowed only kms:VerifyMac verifies and
// cannot sign.
import { DescribeKeyCommand, GenerateMacCommand, KMS, KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import * as jose from 'jose';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSdkRequestHandler, HmacKms } from '../../src/index.js';
import { durationSeconds } from '../../src/jwt/claims.js';
import { fromKmsClient, signJwt, verifyJwt, type MacKms, type VerifyJwtOptions } from '../../src/jwt/index.js';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { arnOf, IDS, MATERIAL } from '../helpers/kms.js';
import { b64url, caught, craft } from './helpers.js';

const T = new Date('2026-03-01T12:00:00.000Z');
const NOW = Math.floor(T.getTime() / 1000);
const OTHER_KEY = new Uint8Array(32).fill(7);
const CREDENTIALS = {
  AKIDROOT: { secretAccessKey: 'root-secret', principal: 'arn:aws:iam::111122223333:root' },
  AKIDVERIFIER: { secretAccessKey: 'verifier-secret', principal: 'arn:aws:iam::111122223333:role/Verifier' },
  AKIDSIGNER: { secretAccessKey: 'signer-secret', principal: 'arn:aws:iam::111122223333:role/Signer' },
};
type Who = keyof typeof CREDENTIALS;
const PRINCIPAL: Record<Who, string> = { AKIDROOT: CREDENTIALS.AKIDROOT.principal, AKIDVERIFIER: CREDENTIALS.AKIDVERIFIER.principal, AKIDSIGNER: CREDENTIALS.AKIDSIGNER.principal };
const COMMANDS = { GenerateMacCommand, VerifyMacCommand, DescribeKeyCommand };

/** One world with keys of the three JWS specs and policies for a Verifier and a Signer role. */
async function world(): Promise<HmacKms> {
  // the wire doors check SigV4 against this clock: real time (token times come from `clock` and `currentDate`)
  const kms = new HmacKms({ clock: () => new Date() });
  await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.k256 });
  await kms.seedKey({ KeySpec: 'HMAC_384', KeyMaterial: MATERIAL.HMAC_384, KeyId: IDS.k384 });
  await kms.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: MATERIAL.HMAC_512, KeyId: IDS.k512 });
  await kms.createAlias({ AliasName: 'alias/sessions', TargetKeyId: IDS.k256 });
  const allow = (actions: string[], condition?: object) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: arnOf(IDS.k256), ...(condition ? { Condition: condition } : {}) }] });
  kms.putIdentityPolicy(PRINCIPAL.AKIDVERIFIER, 'verify-only', allow(['kms:VerifyMac']));
  kms.putIdentityPolicy(PRINCIPAL.AKIDSIGNER, 'describe', allow(['kms:DescribeKey']));
  // GenerateMac only through the alias: signJwt calls GenerateMac with the caller's KeyId
  kms.putIdentityPolicy(PRINCIPAL.AKIDSIGNER, 'sign-via-alias', allow(['kms:GenerateMac'], { StringEquals: { 'kms:RequestAlias': 'alias/sessions' } }));
  return kms;
}

interface Door {
  name: string;
  /** What the helpers are given, acting as `who`. */
  client(who?: Who): MacKms;
  /** The emulator behind the door. */
  admin: HmacKms;
}

let server: RunningServer;
const sdkConfig = (who: Who) => ({ region: 'us-east-1', credentials: { accessKeyId: who, secretAccessKey: CREDENTIALS[who].secretAccessKey }, maxAttempts: 1 });
const doors: [string, () => Promise<Door>][] = [
  ['HmacKms', async () => {
    const admin = await world();
    return { name: 'HmacKms', admin, client: (who = 'AKIDROOT') => admin.as(PRINCIPAL[who]) };
  }],
  ['KMSClient in-process (fromKmsClient, createSdkRequestHandler)', async () => {
    const admin = await world();
    const requestHandler = createSdkRequestHandler(admin, { credentials: CREDENTIALS });
    return { name: 'KMSClient', admin, client: (who = 'AKIDROOT') => fromKmsClient(new KMSClient({ ...sdkConfig(who), requestHandler }), COMMANDS) };
  }],
  ['aggregated KMS client in-process', async () => {
    const admin = await world();
    const requestHandler = createSdkRequestHandler(admin, { credentials: CREDENTIALS });
    return { name: 'KMS', admin, client: (who = 'AKIDROOT') => new KMS({ ...sdkConfig(who), requestHandler }) };
  }],
  ['KMSClient over HTTP (startServer)', async () => {
    const admin = await world();
    await server?.close();
    server = await startServer({ port: 0, kms: admin, credentials: CREDENTIALS });
    return { name: 'HTTP', admin, client: (who = 'AKIDROOT') => fromKmsClient(new KMSClient({ ...sdkConfig(who), endpoint: server.url }), COMMANDS) };
  }],
];
afterAll(async () => {
  await server?.close();
});

type Outcome = { ok: true; payload: unknown } | { ok: false; code: string | undefined; name: string; message: string; claim?: string; reason?: string };
async function outcome(run: () => Promise<{ payload: unknown }>): Promise<Outcome> {
  try {
    return { ok: true, payload: (await run()).payload };
  } catch (e) {
    const err = e as Error & { code?: string; claim?: string; reason?: string };
    return { ok: false, code: err.code, name: err.name, message: err.message, ...(err.claim !== undefined ? { claim: err.claim, reason: err.reason } : {}) };
  }
}

type Alg = 'HS256' | 'HS384' | 'HS512';
const KEY_OF: Record<Alg, { id: string; material: Uint8Array }> = {
  HS256: { id: IDS.k256, material: MATERIAL.HMAC_256 },
  HS384: { id: IDS.k384, material: MATERIAL.HMAC_384 },
  HS512: { id: IDS.k512, material: MATERIAL.HMAC_512 },
};

interface Case {
  name: string;
  claims: Record<string, unknown>;
  header?: Record<string, unknown>;
  options?: Omit<VerifyJwtOptions, 'KeyId'>;
  /** MAC made with another key than the one verifying. */
  otherKey?: boolean;
  alg?: Alg;
  /** What both must give: 'ok', or the error code (and claim). */
  expect: 'ok' | string;
  claim?: string;
}

const CASES: Case[] = [
  { name: 'plain claims, no checks', claims: { sub: 's', iat: NOW, custom: { a: [1, 'x'] } }, expect: 'ok' },
  { name: 'HS384', alg: 'HS384', claims: { iat: NOW, exp: NOW + 60 }, expect: 'ok' },
  { name: 'HS512', alg: 'HS512', claims: { iat: NOW, exp: NOW + 60 }, expect: 'ok' },
  { name: 'exp 1 s ahead', claims: { exp: NOW + 1 }, expect: 'ok' },
  { name: 'exp = now (expired on its second)', claims: { exp: NOW }, expect: 'ERR_JWT_EXPIRED', claim: 'exp' },
  { name: 'expired by 1 s', claims: { exp: NOW - 1 }, expect: 'ERR_JWT_EXPIRED', claim: 'exp' },
  { name: 'expired by 5 s, clockTolerance 5', claims: { exp: NOW - 5 }, options: { clockTolerance: 5 }, expect: 'ERR_JWT_EXPIRED', claim: 'exp' },
  { name: 'expired by 5 s, clockTolerance 6', claims: { exp: NOW - 5 }, options: { clockTolerance: 6 }, expect: 'ok' },
  { name: "expired by 5 s, clockTolerance '6s'", claims: { exp: NOW - 5 }, options: { clockTolerance: '6s' }, expect: 'ok' },
  { name: 'expired by a day, currentDate a day earlier', claims: { exp: NOW - 86_400 }, options: { currentDate: new Date(T.getTime() - 86_400_000 - 1000) }, expect: 'ok' },
  // a Date of another realm (a vm context, an iframe): jose takes it
  { name: 'expired by a day, currentDate a day earlier, a Date of another realm', claims: { exp: NOW - 86_400 }, options: { currentDate: runInNewContext(`new Date(${T.getTime() - 86_400_000 - 1000})`) as Date }, expect: 'ok' },
  { name: 'expired, currentDate of another realm', claims: { exp: NOW }, options: { currentDate: runInNewContext(`new Date(${T.getTime()})`) as Date }, expect: 'ERR_JWT_EXPIRED', claim: 'exp' },
  // jose's durations: an optional sign, or a " from now" suffix
  { name: "expired by 5 s, clockTolerance '+6s'", claims: { exp: NOW - 5 }, options: { clockTolerance: '+6s' }, expect: 'ok' },
  { name: "expired by 5 s, clockTolerance '+ 5 sec'", claims: { exp: NOW - 5 }, options: { clockTolerance: '+ 5 sec' }, expect: 'ERR_JWT_EXPIRED', claim: 'exp' },
  { name: "expired by 5 s, clockTolerance '6 seconds from now'", claims: { exp: NOW - 5 }, options: { clockTolerance: '6 seconds from now' }, expect: 'ok' },
  { name: "maxTokenAge '+1m': 1 s too old", claims: { iat: NOW - 61 }, options: { maxTokenAge: '+1m' }, expect: 'ERR_JWT_EXPIRED', claim: 'iat' },
  { name: "maxTokenAge '1 min FROM NOW': exactly as old", claims: { iat: NOW - 60 }, options: { maxTokenAge: '1 min FROM NOW' }, expect: 'ok' },
  { name: 'exp not a number', claims: { exp: String(NOW + 60) }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'exp' },
  { name: 'nbf 1 s in the future', claims: { nbf: NOW + 1 }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' },
  { name: 'nbf = now', claims: { nbf: NOW }, expect: 'ok' },
  { name: 'nbf 10 s ahead, clockTolerance 10', claims: { nbf: NOW + 10 }, options: { clockTolerance: 10 }, expect: 'ok' },
  { name: "nbf 10 s ahead, clockTolerance '9 seconds'", claims: { nbf: NOW + 10 }, options: { clockTolerance: '9 seconds' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' },
  { name: 'nbf not a number', claims: { nbf: null }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' },
  { name: 'nbf in the future and expired: nbf is checked first', claims: { nbf: NOW + 5, exp: NOW - 5 }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' },
  { name: 'aud string = audience', claims: { aud: 'api' }, options: { audience: 'api' }, expect: 'ok' },
  { name: 'aud string in an audience list', claims: { aud: 'api' }, options: { audience: ['web', 'api'] }, expect: 'ok' },
  { name: 'aud list containing the audience', claims: { aud: ['a', 'b'] }, options: { audience: 'b' }, expect: 'ok' },
  { name: 'aud list and audience list disjoint', claims: { aud: ['a', 'b'] }, options: { audience: ['c', 'd'] }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
  { name: 'aud other', claims: { aud: 'web' }, options: { audience: 'api' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
  { name: 'aud missing', claims: { sub: 's' }, options: { audience: 'api' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
  { name: 'aud a number', claims: { aud: 7 }, options: { audience: 'api' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
  { name: 'aud not checked without audience', claims: { aud: 'anyone' }, expect: 'ok' },
  { name: 'iss in an issuer list', claims: { iss: 'https://b' }, options: { issuer: ['https://a', 'https://b'] }, expect: 'ok' },
  { name: 'iss other', claims: { iss: 'https://evil' }, options: { issuer: 'https://a' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' },
  { name: 'iss and sub missing: iss is reported first', claims: {}, options: { issuer: 'i', subject: 's' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss' },
  { name: 'sub equal', claims: { sub: 'user-42' }, options: { subject: 'user-42' }, expect: 'ok' },
  { name: 'sub other', claims: { sub: 'user-43' }, options: { subject: 'user-42' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'sub' },
  { name: "typ JWT, expected 'jwt'", claims: {}, header: { typ: 'JWT' }, options: { typ: 'jwt' }, expect: 'ok' },
  { name: "typ JWT, expected 'application/jwt'", claims: {}, header: { typ: 'JWT' }, options: { typ: 'application/jwt' }, expect: 'ok' },
  { name: "typ at+jwt, expected 'application/at+jwt'", claims: {}, header: { typ: 'at+jwt' }, options: { typ: 'application/at+jwt' }, expect: 'ok' },
  { name: 'wrong typ', claims: {}, header: { typ: 'JWT' }, options: { typ: 'at+jwt' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' },
  { name: 'no typ, typ expected', claims: {}, options: { typ: 'JWT' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' },
  { name: 'typ checked before expiry', claims: { exp: NOW - 1 }, header: { typ: 'JWT' }, options: { typ: 'dpop+jwt' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'typ' },
  { name: 'maxTokenAge: exactly as old', claims: { iat: NOW - 60 }, options: { maxTokenAge: 60 }, expect: 'ok' },
  { name: 'maxTokenAge: 1 s too old', claims: { iat: NOW - 61 }, options: { maxTokenAge: 60 }, expect: 'ERR_JWT_EXPIRED', claim: 'iat' },
  { name: "maxTokenAge '1m': 1 s too old", claims: { iat: NOW - 61 }, options: { maxTokenAge: '1m' }, expect: 'ERR_JWT_EXPIRED', claim: 'iat' },
  { name: 'maxTokenAge: 1 s too old, clockTolerance 1', claims: { iat: NOW - 61 }, options: { maxTokenAge: 60, clockTolerance: 1 }, expect: 'ok' },
  { name: 'maxTokenAge: iat in the future', claims: { iat: NOW + 5 }, options: { maxTokenAge: 60 }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iat' },
  { name: 'maxTokenAge: iat in the future within clockTolerance', claims: { iat: NOW + 5 }, options: { maxTokenAge: 60, clockTolerance: 5 }, expect: 'ok' },
  { name: 'maxTokenAge: iat missing', claims: { sub: 's' }, options: { maxTokenAge: 60 }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iat' },
  { name: 'iat in the future without maxTokenAge', claims: { iat: NOW + 3600 }, expect: 'ok' },
  { name: 'iat not a number', claims: { iat: 'yesterday' }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iat' },
  { name: 'requiredClaims present', claims: { jti: 'j', sub: 's' }, options: { requiredClaims: ['jti', 'sub'] }, expect: 'ok' },
  { name: 'requiredClaims missing', claims: { sub: 's' }, options: { requiredClaims: ['sub', 'jti'] }, expect: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'jti' },
  { name: 'MAC of another key', claims: { iat: NOW }, otherKey: true, expect: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
  { name: 'algorithms excludes the alg', claims: { iat: NOW }, options: { algorithms: ['HS384', 'HS512'] }, expect: 'ERR_JOSE_ALG_NOT_ALLOWED' },
  { name: 'algorithms includes the alg', claims: { iat: NOW }, options: { algorithms: ['HS512', 'HS256'] }, expect: 'ok' },
  { name: 'an expired token with a bad MAC: the MAC first', claims: { exp: NOW - 100 }, otherKey: true, expect: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
];

describe.each(doors)('through %s', (_name, open) => {
  let door: Door;
  beforeAll(async () => {
    door = await open();
  });

  it('signJwt → jose.jwtVerify with the raw seeded key, for HS256, HS384 and HS512', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const token = await signJwt(door.client(), { KeyId: KEY_OF[alg].id, payload: { sub: 'user-42', aud: 'api' }, expiresIn: 300, clock: () => T });
      const { payload, protectedHeader } = await jose.jwtVerify(token, KEY_OF[alg].material, { currentDate: T, audience: 'api', algorithms: [alg] });
      expect(payload).toEqual({ sub: 'user-42', aud: 'api', iat: NOW, exp: NOW + 300 });
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: arnOf(KEY_OF[alg].id) });
    }
  });

  it('jose.SignJWT → verifyJwt, with the key ARN as kid and without kid', async () => {
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      const withKid = await new jose.SignJWT({ sub: 'u' }).setProtectedHeader({ alg, kid: arnOf(KEY_OF[alg].id) }).setIssuedAt(T).setExpirationTime(NOW + 60).sign(KEY_OF[alg].material);
      const withoutKid = await new jose.SignJWT({ sub: 'u' }).setProtectedHeader({ alg }).setIssuedAt(T).sign(KEY_OF[alg].material);
      for (const token of [withKid, withoutKid]) {
        const result = await verifyJwt(door.client(), token, { KeyId: KEY_OF[alg].id, currentDate: T, subject: 'u' });
        expect(result.KeyId).toBe(arnOf(KEY_OF[alg].id));
        expect(result.payload).toMatchObject({ sub: 'u', iat: NOW });
      }
    }
  });

  it.each(CASES.map((c) => [c.name, c] as const))('edge case: %s', async (_n, c) => {
    const alg = c.alg ?? 'HS256';
    const { id, material } = KEY_OF[alg];
    const token = await new jose.SignJWT(c.claims).setProtectedHeader({ alg, kid: arnOf(id), ...c.header }).sign(c.otherKey ? new Uint8Array(material.length).fill(7) : material);
    const options = { currentDate: T, ...c.options };
    const theirs = await outcome(() => jose.jwtVerify(token, material, options as jose.JWTVerifyOptions));
    const ours = await outcome(() => verifyJwt(door.client(), token, { KeyId: id, ...options }));
    expect(ours).toEqual(theirs);
    if (c.expect === 'ok') expect(ours.ok).toBe(true);
    else expect(ours).toMatchObject({ ok: false, code: c.expect, ...(c.claim ? { claim: c.claim } : {}) });
  });

  it('verifyJwt tells jose-style claim errors from KMS errors: a verify-only caller verifies, cannot sign', async () => {
    const token = await signJwt(door.client(), { KeyId: IDS.k256, expiresIn: 60, clock: () => T });
    const verifier = door.client('AKIDVERIFIER');
    expect((await verifyJwt(verifier, token, { KeyId: IDS.k256, currentDate: T })).KeyId).toBe(arnOf(IDS.k256));
    const expired = await caught(verifyJwt(verifier, token, { KeyId: IDS.k256, currentDate: new Date(T.getTime() + 61_000) }));
    expect(expired.code).toBe('ERR_JWT_EXPIRED');
    const denied = await caught(signJwt(verifier, { KeyId: IDS.k256, clock: () => T }));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('kms:DescribeKey');
    const deniedMac = await caught(signJwt(verifier, { KeyId: arnOf(IDS.k256), MacAlgorithm: 'HMAC_SHA_256', clock: () => T }));
    expect(deniedMac.name).toBe('AccessDeniedException');
    expect(deniedMac.message).toContain('kms:GenerateMac');
    expect(await caught(verifyJwt(verifier, token, { KeyId: IDS.k512, algorithms: ['HS256'], currentDate: T }))).toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('a signer allowed GenerateMac only through alias/sessions signs by the alias, not by the key, and cannot verify', async () => {
    const signer = door.client('AKIDSIGNER');
    const token = await signJwt(signer, { KeyId: 'alias/sessions', payload: { sub: 's' }, clock: () => T });
    expect((await verifyJwt(door.client(), token, { KeyId: 'alias/sessions', currentDate: T })).payload.sub).toBe('s');
    expect((await caught(signJwt(signer, { KeyId: IDS.k256, clock: () => T }))).name).toBe('AccessDeniedException');
    expect((await caught(verifyJwt(signer, token, { KeyId: 'alias/sessions', currentDate: T }))).name).toBe('AccessDeniedException');
  });

  it('KMSInvalidMacException becomes ERR_JWS_SIGNATURE_VERIFICATION_FAILED; DisabledException and NotFoundException pass through', async () => {
    const token = await signJwt(door.client(), { KeyId: IDS.k384, payload: { role: 'user' }, clock: () => T });
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64url({ role: 'admin', iat: NOW })}.${s}`;
    const e = await caught(verifyJwt(door.client(), forged, { KeyId: IDS.k384, currentDate: T }));
    expect({ code: e.code, cause: (e.cause as Error).name }).toEqual({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', cause: 'KMSInvalidMacException' });
    expect((await caught(verifyJwt(door.client(), token, { KeyId: 'alias/none', currentDate: T }))).name).toBe('NotFoundException');
    await door.admin.disableKey({ KeyId: IDS.k384 });
    try {
      expect((await caught(verifyJwt(door.client(), token, { KeyId: IDS.k384, currentDate: T }))).name).toBe('DisabledException');
      expect((await caught(signJwt(door.client(), { KeyId: IDS.k384, clock: () => T }))).name).toBe('DisabledException');
    } finally {
      await door.admin.enableKey({ KeyId: IDS.k384 });
    }
  });
});

describe("durations as jose reads them (jose 6.2.18 lib/jwt_claims_set.js secs: sign, number, unit, ' ago' or ' from now')", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  // [duration, seconds (or 'invalid')]: jose's value for each is checked too, below
  const TABLE: [string, number | 'invalid'][] = [
    ['15m', 900], [' 15m', 900], ['+15m', 900], ['+ 15m', 900], ['+15 m', 900], ['15m from now', 900], ['15 minutes FROM NOW', 900],
    ['-15m', -900], ['- 15 m', -900], ['15m ago', -900], ['15 Minutes Ago', -900], ['1.5h ago', -5400], ['2 weeks ago', -1_209_600],
    // rounded as jose rounds: the magnitude, then the sign
    ['1.5s', 2], ['-1.5s', -2], ['-2.5s', -3], ['2.5s ago', -3], ['0.5 s ago', -1],
    ['1y from now', 31_557_600], ['0s ago', -0],
    // a sign and a suffix together, two signs, a sign alone, spaces jose does not allow, no unit or no number
    ['+15m ago', 'invalid'], ['-15m from now', 'invalid'], ['+15m from now', 'invalid'], ['+-1s', 'invalid'], ['--1s', 'invalid'], ['+', 'invalid'],
    ['15m  ago', 'invalid'], ['15mago', 'invalid'], ['15m ago ', 'invalid'], ['+  15m', 'invalid'], ['15m from  now', 'invalid'],
    ['15 ago', 'invalid'], ['ago', 'invalid'], ['m ago', 'invalid'], ['15m later', 'invalid'], ['', 'invalid'],
  ];

  it.each(TABLE)('%j is %s seconds, as jose reads it', async (duration, seconds) => {
    let ours: number | 'invalid';
    try {
      ours = durationSeconds('duration', duration);
    } catch (e) {
      expect(e).toBeInstanceOf(TypeError);
      ours = 'invalid';
    }
    expect(ours).toBe(seconds);
    // jose's own reading: setExpirationTime(duration) sets exp to now + the duration
    vi.useFakeTimers({ toFake: ['Date'], now: T });
    let theirs: number | 'invalid';
    try {
      const token = await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(duration).sign(MATERIAL.HMAC_256);
      theirs = jose.decodeJwt(token).exp! - NOW;
    } catch (e) {
      expect((e as Error).message).toBe('Invalid time period format');
      theirs = 'invalid';
    }
    expect(theirs).toBe(seconds === -0 ? 0 : seconds);
  });

  it('negative durations: refused by signJwt (expiresIn), and as by jose for clockTolerance and maxTokenAge', async () => {
    const admin = await world();
    const sign = (expiresIn: string) => signJwt(admin, { KeyId: IDS.k256, expiresIn, clock: () => T });
    expect(jose.decodeJwt(await sign('+15m')).exp).toBe(NOW + 900);
    expect(jose.decodeJwt(await sign('15 minutes from now')).exp).toBe(NOW + 900);
    for (const past of ['-1s', '1s ago']) await expect(sign(past)).rejects.toThrow(new TypeError('signJwt: expiresIn must not be negative'));
    const token = await sign('1h');
    for (const options of [{ clockTolerance: '-6s' }, { clockTolerance: '6s ago' }, { maxTokenAge: '-1m' }, { maxTokenAge: '1 minute ago' }, { clockTolerance: '+6s ago' }]) {
      const theirs = await outcome(() => jose.jwtVerify(token, MATERIAL.HMAC_256, { currentDate: T, ...options }));
      const ours = await outcome(() => verifyJwt(admin, token, { KeyId: IDS.k256, currentDate: T, ...options }));
      expect({ options, name: ours.ok ? 'ok' : ours.name }).toEqual({ options, name: 'TypeError' });
      if (!String(Object.values(options)[0]).startsWith('+')) expect(ours).toEqual(theirs); // same message, but for the format error
      else expect(theirs).toMatchObject({ ok: false, name: 'TypeError', message: 'Invalid time period format' });
    }
  });

  it('currentDate and clock: a Date of another realm is taken; an object only tagged Date, or an invalid Date, is not', async () => {
    const admin = await world();
    const foreign = runInNewContext(`new Date(${T.getTime()})`) as Date;
    expect(foreign instanceof Date).toBe(false);
    const token = await signJwt(admin, { KeyId: IDS.k256, expiresIn: 60, clock: () => foreign });
    expect(jose.decodeJwt(token)).toMatchObject({ iat: NOW, exp: NOW + 60 });
    expect((await verifyJwt(admin, token, { KeyId: IDS.k256, currentDate: foreign })).payload.exp).toBe(NOW + 60);
    const tagged = { [Symbol.toStringTag]: 'Date', getTime: () => T.getTime() } as unknown as Date;
    for (const bad of [tagged, new Date(Number.NaN), runInNewContext('new Date(NaN)') as Date]) {
      await expect(verifyJwt(admin, token, { KeyId: IDS.k256, currentDate: bad })).rejects.toThrow(new TypeError('Invalid currentDate option input'));
      await expect(signJwt(admin, { KeyId: IDS.k256, clock: () => bad })).rejects.toThrow(new TypeError('signJwt: clock() must return a valid Date'));
    }
  });
});

describe('where hmac-kms/jwt deliberately differs from jose (jose 6.2.18 with the raw key)', () => {
  const key = MATERIAL.HMAC_256;
  const kid = arnOf(IDS.k256);
  const good = craft({ header: { alg: 'HS256', kid }, payload: { iat: NOW }, key });
  const [gh, gp, gs] = good.split('.') as [string, string, string];
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const table: [string, string, string, string][] = [
    // [case, token, jose's code (or 'ok'), ours]
    ['alg none: refused as an algorithm a KMS key never makes', `${b64url({ alg: 'none' })}.${gp}.`, 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JOSE_ALG_NOT_ALLOWED'],
    ['a padded signature: one encoding per MAC (jose decodes it)', `${good}=`, 'ok', 'ERR_JWS_INVALID'],
    ['non-zero trailing bits in the signature (jose decodes them)', `${gh}.${gp}.${gs.slice(0, -1)}${A[A.indexOf(gs.at(-1)!) | 3]}`, 'ok', 'ERR_JWS_INVALID'],
    ['a payload that is not an object with a wrong MAC: parsed before any KMS call', `${gh}.${b64url([1])}.${gs}`, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWT_INVALID'],
    ['a kid that is not the key ARN', craft({ header: { alg: 'HS256', kid: 'key-1' }, payload: { iat: NOW }, key }), 'ok', 'ERR_JWKS_NO_MATCHING_KEY'],
    ['a signing input over 4,096 bytes: KMS never MACs one', craft({ header: { alg: 'HS256', kid }, payload: { pad: 'x'.repeat(3100) }, key }), 'ok', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
  ];
  it.each(table)('%s', async (_name, token, joseCode, ourCode) => {
    const admin = await world();
    const theirs = await outcome(() => jose.jwtVerify(token, key, { currentDate: T }));
    expect(theirs.ok ? 'ok' : theirs.code).toBe(joseCode);
    const ours = await outcome(() => verifyJwt(admin, token, { KeyId: IDS.k256, currentDate: T }));
    expect(ours.ok ? 'ok' : ours.code).toBe(ourCode);
  });
});
