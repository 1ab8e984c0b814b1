// signJwt and verifyJwt on HmacKms: header and claims of what is signed, the MAC checked by OpenSSL over the signing
// input, strict parsing (refused without a KMS call), the kid choosing among a KeyId list, rotation by alias swap,
// and KMS errors (KMSInvalidMacException becomes jose's code; the others pass through unchanged).
import { describe, expect, it } from 'vitest';
import { AccessDeniedException, DisabledException, KMSInvalidMacException, NotFoundException, type HmacKms } from '../../src/index.js';
import * as jwt from '../../src/jwt/index.js';
import { fromKmsClient, JWSSignatureVerificationFailed, signJwt, verifyJwt, type MacKms } from '../../src/jwt/index.js';
import { arnOf, fixture, IDS, MATERIAL, T0 } from '../helpers/kms.js';
import { b64url, caught, craft, decodePart, opensslMac } from './helpers.js';

const NOW = Math.floor(T0.getTime() / 1000);
const clock = () => T0;
const calls = (audit: { eventName: string }[]) => audit.map((e) => e.eventName);

describe('signJwt', () => {
  it.each([
    ['HMAC_256', IDS.k256, 'HS256'],
    ['HMAC_384', IDS.k384, 'HS384'],
    ['HMAC_512', IDS.k512, 'HS512'],
  ] as const)('a %s key signs %s; kid is the key ARN; the MAC is HMAC over the signing input (checked with OpenSSL)', async (spec, id, alg) => {
    const { kms, audit } = await fixture();
    const token = await signJwt(kms, { KeyId: id, payload: { sub: 'user-42' }, expiresIn: 300, clock });
    expect(decodePart(token, 0)).toEqual({ alg, typ: 'JWT', kid: arnOf(id) });
    expect(decodePart(token, 1)).toEqual({ sub: 'user-42', iat: NOW, exp: NOW + 300 });
    expect(token.split('.')[2]).toBe(opensslMac(token, MATERIAL[spec], alg));
    expect(calls(audit)).toEqual(['DescribeKey', 'GenerateMac']);
  });

  it('an alias signs with the key it names now; kid is that key ARN; GenerateMac is called with the alias (kms:RequestAlias)', async () => {
    const { kms, audit } = await fixture();
    const token = await signJwt(kms, { KeyId: 'alias/fixture', clock });
    expect(decodePart(token, 0).kid).toBe(arnOf(IDS.k256));
    expect(audit.map((e) => [e.eventName, (e.requestParameters as { keyId: string }).keyId])).toEqual([
      ['DescribeKey', 'alias/fixture'],
      ['GenerateMac', 'alias/fixture'],
    ]);
  });

  it('MacAlgorithm with a key ARN: GenerateMac is the only call; a wrong MacAlgorithm is refused by KMS without a retry', async () => {
    const { kms, audit } = await fixture();
    const token = await signJwt(kms, { KeyId: arnOf(IDS.k384), MacAlgorithm: 'HMAC_SHA_384', clock });
    expect(decodePart(token, 0)).toMatchObject({ alg: 'HS384', kid: arnOf(IDS.k384) });
    expect(calls(audit)).toEqual(['GenerateMac']);
    // a wrong MacAlgorithm is KMS's to refuse, unchanged, after one GenerateMac (nothing was looked up: no retry)
    audit.length = 0;
    const e = await caught(signJwt(kms, { KeyId: arnOf(IDS.k384), MacAlgorithm: 'HMAC_SHA_256', clock }));
    expect({ name: e.name, message: e.message }).toEqual({ name: 'InvalidKeyUsageException', message: 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_384.' });
    expect(calls(audit)).toEqual(['GenerateMac']);
    audit.length = 0;
    expect((await caught(signJwt(kms, { KeyId: 'alias/fixture', MacAlgorithm: 'HMAC_SHA_512', clock }))).name).toBe('InvalidKeyUsageException');
    expect(calls(audit)).toEqual(['DescribeKey', 'GenerateMac']);
  });

  it('claims: iat from the clock unless given, exp from expiresIn (seconds or a duration) or as given, other claims as given', async () => {
    const { kms } = await fixture();
    const payload = { iss: 'https://issuer', aud: ['a', 'b'], sub: 's', jti: 'j-1', nbf: NOW + 10, custom: { nested: [1, 2] } };
    expect(decodePart(await signJwt(kms, { KeyId: IDS.k256, payload, expiresIn: '15m', clock }), 1)).toEqual({ ...payload, iat: NOW, exp: NOW + 900 });
    expect(decodePart(await signJwt(kms, { KeyId: IDS.k256, payload: { exp: NOW + 5, iat: NOW - 1 }, clock }), 1)).toEqual({ exp: NOW + 5, iat: NOW - 1 });
    const later = new Date(T0.getTime() + 1500);
    expect(decodePart(await signJwt(kms, { KeyId: IDS.k256, expiresIn: 1, clock: () => later }), 1)).toEqual({ iat: NOW + 1, exp: NOW + 2 });
  });

  it('header: extra members and another typ are kept; alg, kid, crit and b64 cannot be set', async () => {
    const { kms } = await fixture();
    const token = await signJwt(kms, { KeyId: IDS.k256, header: { typ: 'at+jwt', x5t: 'thumb' }, clock });
    expect(decodePart(token, 0)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: arnOf(IDS.k256), x5t: 'thumb' });
    for (const member of ['alg', 'kid', 'crit', 'b64']) {
      const e = await caught(signJwt(kms, { KeyId: IDS.k256, header: { [member]: 'x' }, clock }));
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toContain(`"${member}" header member is set by signJwt`);
    }
  });

  it('HMAC_224 has no JWA algorithm: JOSENotSupported after DescribeKey, before GenerateMac', async () => {
    const { kms, audit } = await fixture();
    const e = await caught(signJwt(kms, { KeyId: IDS.k224, clock }));
    expect(e).toBeInstanceOf(jwt.JOSENotSupported);
    expect(e.code).toBe('ERR_JOSE_NOT_SUPPORTED');
    expect(e.message).toBe(`signJwt: ${arnOf(IDS.k224)} is an HMAC_224 key; JWS has no HMAC-SHA-224 algorithm (JWA defines HS256, HS384 and HS512)`);
    expect(calls(audit)).toEqual(['DescribeKey']);
    expect((await caught(signJwt(kms, { KeyId: arnOf(IDS.k224), MacAlgorithm: 'HMAC_SHA_224', clock }))).code).toBe('ERR_JOSE_NOT_SUPPORTED');
    expect(calls(audit)).toEqual(['DescribeKey']);
  });

  it('a signing input over 4,096 bytes is never sent to GenerateMac: refused before any call when too long even with an empty kid, otherwise once the key ARN is known (after DescribeKey for a new client); exactly 4,096 bytes is signed', async () => {
    const { kms, audit } = await fixture();
    const kid = arnOf(IDS.k256);
    const fixed = `${b64url({ alg: 'HS256', typ: 'JWT', kid })}.`.length;
    // a payload {"iat":N,"pad":"xxx"} whose base64url part makes the signing input exactly `total` bytes
    const payloadFor = (total: number) => {
      const room = total - fixed;
      for (let pad = 0; ; pad++) {
        const p = { pad: 'x'.repeat(pad), iat: NOW };
        if (b64url(p).length === room) return p;
        if (b64url(p).length > room) throw new Error('no exact fit');
      }
    };
    const huge = await caught(signJwt(kms, { KeyId: IDS.k256, payload: { pad: 'x'.repeat(4000) }, clock }));
    expect(huge).toBeInstanceOf(TypeError);
    expect(huge.message).toMatch(/^signJwt: the JWS signing input is \d+ bytes; GenerateMac takes a message of at most 4096 bytes$/);
    expect(calls(audit)).toEqual([]); // not even DescribeKey
    const exact = await signJwt(kms, { KeyId: IDS.k256, payload: payloadFor(4096), clock });
    expect(exact.lastIndexOf('.')).toBe(4096);
    expect((await verifyJwt(kms, exact, { KeyId: IDS.k256, currentDate: T0 })).KeyId).toBe(kid);
    audit.length = 0;
    const over = await caught(signJwt(kms, { KeyId: IDS.k256, payload: payloadFor(4097), clock }));
    expect(over.message).toBe('signJwt: the JWS signing input is 4097 bytes; GenerateMac takes a message of at most 4096 bytes');
    expect(calls(audit)).toEqual([]); // the kid (the ARN) made it too long: known since the first token of this client
    const fresh = await caught(signJwt({ describeKey: (i) => kms.describeKey(i), generateMac: (i) => kms.generateMac(i) }, { KeyId: IDS.k256, payload: payloadFor(4097), clock }));
    expect(fresh.message).toBe('signJwt: the JWS signing input is 4097 bytes; GenerateMac takes a message of at most 4096 bytes');
    expect(calls(audit)).toEqual(['DescribeKey']); // a new client: known only after DescribeKey
  });

  it('after the first token of a client and KeyId, GenerateMac is the only call; an alias swap is noticed', async () => {
    const { kms, audit } = await fixture();
    await signJwt(kms, { KeyId: 'alias/fixture', clock });
    audit.length = 0;
    for (let i = 0; i < 3; i++) await signJwt(kms, { KeyId: 'alias/fixture', clock });
    expect(calls(audit)).toEqual(['GenerateMac', 'GenerateMac', 'GenerateMac']);
    // the alias moves to a key of the same spec: GenerateMac answers with another ARN, the key is looked up again
    const other = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;
    await kms.updateAlias({ AliasName: 'alias/fixture', TargetKeyId: other });
    audit.length = 0;
    expect(decodePart(await signJwt(kms, { KeyId: 'alias/fixture', clock }), 0).kid).toBe(arnOf(other));
    expect(calls(audit)).toEqual(['GenerateMac', 'DescribeKey', 'GenerateMac']);
    // to a key of another spec: GenerateMac refuses the algorithm, the key is looked up again
    await kms.updateAlias({ AliasName: 'alias/fixture', TargetKeyId: IDS.k512 });
    audit.length = 0;
    expect(decodePart(await signJwt(kms, { KeyId: 'alias/fixture', clock }), 0)).toMatchObject({ alg: 'HS512', kid: arnOf(IDS.k512) });
    expect(calls(audit)).toEqual(['GenerateMac', 'DescribeKey', 'GenerateMac']);
  });

  it('bad input is a TypeError before any KMS call', async () => {
    const { kms, audit } = await fixture();
    const bad: [unknown, string][] = [
      [{ KeyId: '' }, 'KeyId must be'],
      [{ KeyId: IDS.k256, payload: [] }, 'payload must be a plain object'],
      [{ KeyId: IDS.k256, payload: { exp: 'soon' } }, '"exp" claim must be a finite number'],
      [{ KeyId: IDS.k256, payload: { iat: Infinity } }, '"iat" claim must be a finite number'],
      [{ KeyId: IDS.k256, payload: { aud: ['a', 1] } }, '"aud" claim must be a string or a list of strings'],
      [{ KeyId: IDS.k256, payload: { sub: 7 } }, '"sub" claim must be a string'],
      [{ KeyId: IDS.k256, payload: { exp: NOW }, expiresIn: 5 }, 'give expiresIn or payload.exp, not both'],
      [{ KeyId: IDS.k256, expiresIn: -1 }, 'expiresIn must not be negative'],
      [{ KeyId: IDS.k256, expiresIn: 'soon' }, 'Invalid expiresIn'],
      [{ KeyId: IDS.k256, payload: { n: 1n } }, 'payload is not JSON-serializable'],
      [{ KeyId: IDS.k256, header: { typ: 1 } }, 'header.typ must be a string'],
      // JSON.stringify would sign what toJSON returns: here claims without iat and exp, a header without alg and kid
      [{ KeyId: IDS.k256, payload: { sub: 'u', toJSON: () => ({ sub: 'admin' }) }, expiresIn: 300 }, 'the payload must not have a toJSON member'],
      [{ KeyId: IDS.k256, header: { toJSON: () => ({ alg: 'none' }) } }, 'the header must not have a toJSON member'],
      [{ KeyId: IDS.k256, MacAlgorithm: 'SHA_256' }, 'MacAlgorithm must be'],
      [{ KeyId: IDS.k256, GrantTokens: 'token' }, 'GrantTokens must be a list of strings'],
      [{ KeyId: IDS.k256, clock: () => new Date(NaN) }, 'clock() must return a valid Date'],
    ];
    for (const [input, message] of bad) {
      const e = await caught(signJwt(kms, input as jwt.SignJwtInput));
      expect(e, JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBeInstanceOf(TypeError);
      expect(e.message).toContain(message);
    }
    expect(calls(audit)).toEqual([]);
  });

  it('a key that is not an HMAC key (as AWS describes a SYMMETRIC_DEFAULT key): a TypeError naming it, before GenerateMac', async () => {
    const generated: unknown[] = [];
    const aws: MacKms = {
      describeKey: async () => ({ KeyMetadata: { Arn: 'arn:aws:kms:us-east-1:111122223333:key/enc', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' } }),
      generateMac: async (input) => (generated.push(input), {}),
      verifyMac: async () => ({}),
    };
    const e = await caught(signJwt(aws, { KeyId: 'alias/enc', clock }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe('signJwt: arn:aws:kms:us-east-1:111122223333:key/enc is not an HMAC key (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT)');
    expect(generated).toEqual([]);
  });

  it('KMS errors reach the caller unchanged (DisabledException, NotFoundException, AccessDeniedException)', async () => {
    const { kms } = await fixture();
    expect(await caught(signJwt(kms, { KeyId: IDS.disabled, clock }))).toBeInstanceOf(DisabledException);
    expect(await caught(signJwt(kms, { KeyId: 'alias/missing', clock }))).toBeInstanceOf(NotFoundException);
    const denied = await caught(signJwt(kms.as('arn:aws:iam::111122223333:user/Nobody'), { KeyId: arnOf(IDS.k256), clock }));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.message).toContain('kms:DescribeKey');
  });

  it('an alias moved between DescribeKey and GenerateMac: signing starts over once, with the new key', async () => {
    const { kms } = await fixture();
    const other256 = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;
    await kms.createAlias({ AliasName: 'alias/moving', TargetKeyId: IDS.k256 });
    // after each DescribeKey, the alias moves to the next target of the list
    const moving = (targets: string[]): MacKms => ({
      describeKey: async (input) => {
        const out = await kms.describeKey(input);
        const next = targets.shift();
        if (next) await kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: next });
        return out;
      },
      generateMac: (input) => kms.generateMac(input),
      verifyMac: (input) => kms.verifyMac(input),
    });
    // to a key of the same spec: GenerateMac answers with another ARN than the kid
    const token = await signJwt(moving([other256]), { KeyId: 'alias/moving', clock });
    expect(decodePart(token, 0)).toMatchObject({ alg: 'HS256', kid: arnOf(other256) });
    expect((await verifyJwt(kms, token, { KeyId: 'alias/moving', currentDate: T0 })).KeyId).toBe(arnOf(other256));
    // to a key of another spec: GenerateMac refuses the algorithm
    const token512 = await signJwt(moving([IDS.k512]), { KeyId: 'alias/moving', clock });
    expect(decodePart(token512, 0)).toMatchObject({ alg: 'HS512', kid: arnOf(IDS.k512) });
    expect((await verifyJwt(kms, token512, { KeyId: 'alias/moving', currentDate: T0 })).KeyId).toBe(arnOf(IDS.k512));
    // it keeps moving: a clear error rather than a token whose kid is not its key
    await kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: IDS.k256 });
    expect((await caught(signJwt(moving([other256, IDS.k256]), { KeyId: 'alias/moving', clock }))).message).toMatch(/twice; is the alias being updated\?$/);
    // a MacAlgorithm that is not the alias's key's: KMS's error, after one more try
    await kms.updateAlias({ AliasName: 'alias/moving', TargetKeyId: IDS.k256 });
    expect((await caught(signJwt(kms, { KeyId: 'alias/moving', MacAlgorithm: 'HMAC_SHA_512', clock }))).name).toBe('InvalidKeyUsageException');
  });
});

describe('verifyJwt', () => {
  it('verifies through VerifyMac and returns payload, protected header and the verifying key ARN', async () => {
    const { kms, audit } = await fixture();
    const token = await signJwt(kms, { KeyId: 'alias/fixture', payload: { sub: 'u' }, expiresIn: 60, clock });
    audit.length = 0;
    const result = await verifyJwt(kms, token, { KeyId: 'alias/fixture', currentDate: T0, subject: 'u' });
    expect(result).toEqual({ payload: { sub: 'u', iat: NOW, exp: NOW + 60 }, protectedHeader: { alg: 'HS256', typ: 'JWT', kid: arnOf(IDS.k256) }, KeyId: arnOf(IDS.k256) });
    expect(calls(audit)).toEqual(['VerifyMac']);
    // bytes work too, as in jose
    expect((await verifyJwt(kms, new TextEncoder().encode(token), { KeyId: IDS.k256, currentDate: T0 })).payload.sub).toBe('u');
  });

  it('the MAC is KMS’s to check: a disabled key cannot verify even a genuine token', async () => {
    const { kms } = await fixture();
    const token = craft({ header: { alg: 'HS256', kid: arnOf(IDS.disabled) }, payload: { iat: NOW }, key: MATERIAL.HMAC_256 });
    expect(await caught(verifyJwt(kms, token, { KeyId: IDS.disabled, currentDate: T0 }))).toBeInstanceOf(DisabledException);
    await kms.enableKey({ KeyId: IDS.disabled });
    expect((await verifyJwt(kms, token, { KeyId: IDS.disabled, currentDate: T0 })).KeyId).toBe(arnOf(IDS.disabled));
  });

  it('a MAC KMS refuses: ERR_JWS_SIGNATURE_VERIFICATION_FAILED with the KMSInvalidMacException as cause', async () => {
    const { kms } = await fixture();
    const token = await signJwt(kms, { KeyId: IDS.k256, payload: { admin: false }, clock });
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64url({ admin: true, iat: NOW })}.${s}`;
    const e = await caught(verifyJwt(kms, forged, { KeyId: IDS.k256, currentDate: T0 }));
    expect(e).toBeInstanceOf(JWSSignatureVerificationFailed);
    expect({ code: e.code, message: e.message, name: e.name }).toEqual({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', message: 'signature verification failed', name: 'JWSSignatureVerificationFailed' });
    expect(e.cause).toBeInstanceOf(KMSInvalidMacException);
    // the same key material in another key: right MAC, but the token's kid names another key
    const { KeyMetadata } = await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256 });
    await kms.createAlias({ AliasName: 'alias/twin', TargetKeyId: KeyMetadata!.KeyId });
    const twin = await caught(verifyJwt(kms, token, { KeyId: 'alias/twin', currentDate: T0 }));
    expect({ code: twin.code, message: twin.message }).toEqual({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      message: `signature verification failed: the MAC is ${KeyMetadata!.Arn}'s, not that of the key the token's kid names`,
    });
    expect(await caught(verifyJwt(kms, token, { KeyId: KeyMetadata!.Arn!, currentDate: T0 }))).toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('KMS errors other than KMSInvalidMacException pass through unchanged', async () => {
    const { kms } = await fixture();
    const token = await signJwt(kms, { KeyId: IDS.k256, clock });
    expect(await caught(verifyJwt(kms, token, { KeyId: 'alias/missing', currentDate: T0 }))).toBeInstanceOf(NotFoundException);
    const denied = await caught(verifyJwt(kms.as('arn:aws:iam::111122223333:user/Nobody'), token, { KeyId: arnOf(IDS.k256), currentDate: T0 }));
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.message).toContain('kms:VerifyMac');
    await kms.disableKey({ KeyId: IDS.k256 });
    expect(await caught(verifyJwt(kms, token, { KeyId: IDS.k256, currentDate: T0 }))).toBeInstanceOf(DisabledException);
  });

  it("an alg that is not the key's: ERR_JOSE_ALG_NOT_ALLOWED (KMS's InvalidKeyUsageException as cause)", async () => {
    const { kms } = await fixture();
    const token = craft({ header: { alg: 'HS256' }, payload: { iat: NOW }, key: MATERIAL.HMAC_384 });
    const e = await caught(verifyJwt(kms, token, { KeyId: IDS.k384, currentDate: T0 }));
    expect(e.code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    expect((e.cause as Error).message).toBe('Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_384.');
  });

  describe('strict parsing: refused before any KMS call', () => {
    const good = craft({ header: { alg: 'HS256' }, payload: { iat: NOW }, key: MATERIAL.HMAC_256 });
    const [gh, gp, gs] = good.split('.') as [string, string, string];
    const mac = (header: unknown, payload: unknown = { iat: NOW }) => craft({ header, payload, key: MATERIAL.HMAC_256 });
    const rawMac = (h: string, p: string) => craft({ header: h, payload: p, key: MATERIAL.HMAC_256, rawHeader: true, rawPayload: true });
    const lastChar = gs.at(-1)!;
    const nonCanonical = gs.slice(0, -1) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(lastChar) | 3)]!;
    const cases: [string, string, unknown, string?][] = [
      ['two parts', 'ERR_JWS_INVALID', `${gh}.${gp}`, 'Invalid Compact JWS'],
      ['four parts', 'ERR_JWS_INVALID', `${good}.x`, 'Invalid Compact JWS'],
      ['not a string', 'ERR_JWS_INVALID', 42, 'Compact JWS must be a string or Uint8Array'],
      ['padding in the signature', 'ERR_JWS_INVALID', `${good}=`, 'Failed to base64url decode the signature'],
      ['base64 (not url) alphabet in the signature', 'ERR_JWS_INVALID', `${gh}.${gp}.${gs.replace(/-/g, '+').replace(/_/g, '/')}+`, 'Failed to base64url decode the signature'],
      ['non-zero trailing bits in the signature', 'ERR_JWS_INVALID', `${gh}.${gp}.${nonCanonical}`, 'Failed to base64url decode the signature'],
      ['padding in the payload', 'ERR_JWS_INVALID', rawMac(gh, `${b64url({ iat: NOW, a: 1 })}=`), 'Failed to base64url decode the payload'],
      ['a header that is not JSON', 'ERR_JWS_INVALID', rawMac(b64url('{"alg":"HS256"'), gp), 'JWS Protected Header is invalid'],
      ['a header that is a JSON array', 'ERR_JWS_INVALID', rawMac(b64url('["HS256"]'), gp), 'JWS Protected Header is invalid'],
      ['a header that is not UTF-8', 'ERR_JWS_INVALID', rawMac(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'), gp), 'JWS Protected Header is invalid'],
      ['no alg', 'ERR_JWS_INVALID', mac({ typ: 'JWT' }), 'JWS "alg" (Algorithm) Header Parameter missing or invalid'],
      ['alg none', 'ERR_JOSE_ALG_NOT_ALLOWED', `${b64url({ alg: 'none' })}.${gp}.`],
      ['alg RS256', 'ERR_JOSE_ALG_NOT_ALLOWED', mac({ alg: 'RS256' })],
      ['alg hs256 (case matters)', 'ERR_JOSE_ALG_NOT_ALLOWED', mac({ alg: 'hs256' })],
      ['an unknown crit extension', 'ERR_JOSE_NOT_SUPPORTED', mac({ alg: 'HS256', crit: ['exp'], exp: 1 }), 'Extension Header Parameter "exp" is not recognized'],
      ['an empty crit', 'ERR_JWS_INVALID', mac({ alg: 'HS256', crit: [] })],
      ['a crit member that is absent', 'ERR_JWS_INVALID', mac({ alg: 'HS256', crit: ['b64'] }), 'Extension Header Parameter "b64" is missing'],
      ['b64: false (unencoded payload)', 'ERR_JWT_INVALID', mac({ alg: 'HS256', crit: ['b64'], b64: false }), 'JWTs MUST NOT use unencoded payload'],
      ['a kid that is not a string', 'ERR_JWS_INVALID', mac({ alg: 'HS256', kid: 7 })],
      ['a payload that is a JSON array', 'ERR_JWT_INVALID', mac({ alg: 'HS256' }, [1]), 'JWT Claims Set must be a top-level JSON object'],
      ['a payload that is null', 'ERR_JWT_INVALID', mac({ alg: 'HS256' }, null)],
      ['a payload that is not JSON', 'ERR_JWT_INVALID', rawMac(gh, b64url('iat=1'))],
      ['a MAC of the wrong length (truncated to 16 bytes)', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', `${gh}.${gp}.${Buffer.from(gs, 'base64url').subarray(0, 16).toString('base64url')}`],
      ['an empty MAC', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', `${gh}.${gp}.`],
      ['a signing input over 4,096 bytes', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', mac({ alg: 'HS256' }, { pad: 'x'.repeat(3100) })],
    ];
    it.each(cases)('%s → %s', async (_name, code, token, message) => {
      const { kms, audit } = await fixture();
      const e = await caught(verifyJwt(kms, token as string, { KeyId: IDS.k256, currentDate: T0 }));
      expect(e.code).toBe(code);
      if (message) expect(e.message).toBe(message);
      expect(calls(audit)).toEqual([]);
    });

    it('algorithms: an alg outside the list is refused before KMS', async () => {
      const { kms, audit } = await fixture();
      expect((await caught(verifyJwt(kms, good, { KeyId: IDS.k256, algorithms: ['HS512'], currentDate: T0 }))).code).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
      expect(calls(audit)).toEqual([]);
      expect((await verifyJwt(kms, good, { KeyId: IDS.k256, algorithms: ['HS256'], currentDate: T0 })).protectedHeader.alg).toBe('HS256');
    });

    it('crit: an extension the caller declares understood is accepted; b64: true is the ordinary encoding', async () => {
      const { kms } = await fixture();
      await expect(verifyJwt(kms, mac({ alg: 'HS256', crit: ['tenant'], tenant: 't1' }), { KeyId: IDS.k256, crit: { tenant: true }, currentDate: T0 })).resolves.toBeTruthy();
      await expect(verifyJwt(kms, mac({ alg: 'HS256', crit: ['b64'], b64: true }), { KeyId: IDS.k256, currentDate: T0 })).resolves.toBeTruthy();
    });

    it('bad options are a TypeError before any KMS call', async () => {
      const { kms, audit } = await fixture();
      const bad: [Record<string, unknown>, string][] = [
        [{}, 'KeyId must be'],
        [{ KeyId: [] }, 'KeyId must be'],
        [{ KeyId: [IDS.k256, ''] }, 'KeyId must be'],
        [{ KeyId: IDS.k256, algorithms: 'HS256' }, '"algorithms" option must be an array of strings'],
        [{ KeyId: IDS.k256, audience: 7 }, 'audience must be'],
        [{ KeyId: IDS.k256, issuer: [1] }, 'issuer must be'],
        [{ KeyId: IDS.k256, clockTolerance: -1 }, 'Invalid clockTolerance option input'],
        [{ KeyId: IDS.k256, clockTolerance: true }, 'Invalid clockTolerance option type'],
        [{ KeyId: IDS.k256, maxTokenAge: '1 fortnight' }, 'Invalid maxTokenAge option'],
        [{ KeyId: IDS.k256, currentDate: new Date(NaN) }, 'Invalid currentDate option input'],
        [{ KeyId: IDS.k256, requiredClaims: 'exp' }, 'requiredClaims must be'],
      ];
      for (const [options, message] of bad) {
        const e = await caught(verifyJwt(kms, good, options as unknown as jwt.VerifyJwtOptions));
        expect(e, JSON.stringify(options)).toBeInstanceOf(TypeError);
        expect(e.message).toContain(message);
      }
      expect(calls(audit)).toEqual([]);
    });
  });

  describe('KeyId lists: the kid chooses', () => {
    async function twoKeys() {
      const t = await fixture();
      const a = await signJwt(t.kms, { KeyId: IDS.k256, clock });
      const b = await signJwt(t.kms, { KeyId: IDS.k512, clock });
      t.audit.length = 0;
      return { ...t, a, b };
    }

    it('an entry that is the kid (key ARN) or its key id: one VerifyMac on that entry', async () => {
      const { kms, audit, a, b } = await twoKeys();
      expect((await verifyJwt(kms, a, { KeyId: [arnOf(IDS.k512), arnOf(IDS.k256)], currentDate: T0 })).KeyId).toBe(arnOf(IDS.k256));
      expect((await verifyJwt(kms, b, { KeyId: [IDS.k256, IDS.k512], currentDate: T0 })).KeyId).toBe(arnOf(IDS.k512));
      expect(audit.map((e) => (e.requestParameters as { keyId: string }).keyId)).toEqual([arnOf(IDS.k256), IDS.k512]);
    });

    it('a kid that no entry names, with no alias entries: JWKSNoMatchingKey without calling KMS', async () => {
      const { kms, audit, b } = await twoKeys();
      const e = await caught(verifyJwt(kms, b, { KeyId: [arnOf(IDS.k256), IDS.k384], currentDate: T0 }));
      expect(e).toBeInstanceOf(jwt.JWKSNoMatchingKey);
      expect(e.code).toBe('ERR_JWKS_NO_MATCHING_KEY');
      expect((await caught(verifyJwt(kms, b, { KeyId: arnOf(IDS.k256), currentDate: T0 }))).code).toBe('ERR_JWKS_NO_MATCHING_KEY');
      expect(calls(audit)).toEqual([]);
    });

    it('alias entries: a kid that is no key ARN, or one of another account or Region than the aliases\', is refused without calling KMS (VerifyMac answers with key ARNs; an alias names a key of its own account and Region)', async () => {
      const { kms, audit } = await fixture();
      await kms.createAlias({ AliasName: 'alias/sessions', TargetKeyId: IDS.k256 });
      const token = await signJwt(kms, { KeyId: IDS.k256, clock });
      const forged = (kid: string) => craft({ header: { alg: 'HS256', kid }, payload: { iat: NOW }, key: MATERIAL.HMAC_256 });
      const noMatch = async (t: string, KeyId: string | string[]) => {
        audit.length = 0;
        const e = await caught(verifyJwt(kms, t, { KeyId, currentDate: T0 }));
        expect({ code: e.code, calls: calls(audit) }, `${KeyId}`).toEqual({ code: 'ERR_JWKS_NO_MATCHING_KEY', calls: [] });
      };
      const aliasArn = 'arn:aws:kms:us-east-1:111122223333:alias/sessions';
      // no key ARN at all
      for (const kid of ['k', IDS.k256, aliasArn, `${arnOf(IDS.k256)}x`.replace(':key/', ':keys/')]) await noMatch(forged(kid), ['alias/sessions', aliasArn]);
      // an alias ARN entry: a kid of another account, Region or partition
      for (const kid of [arnOf(IDS.k256, 'us-east-1', '444455556666'), arnOf(IDS.k256, 'eu-west-1'), arnOf(IDS.k256).replace('arn:aws:', 'arn:aws-cn:')]) await noMatch(forged(kid), aliasArn);
      // an alias name: unknown where it resolves until a VerifyMac through it answers, then the same rule
      const foreign = forged(arnOf(IDS.k256, 'us-east-1', '444455556666'));
      audit.length = 0;
      expect((await caught(verifyJwt(kms, foreign, { KeyId: 'alias/sessions', currentDate: T0 }))).code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      expect(calls(audit)).toEqual(['VerifyMac']);
      expect((await verifyJwt(kms, token, { KeyId: 'alias/sessions', currentDate: T0 })).KeyId).toBe(arnOf(IDS.k256));
      await noMatch(foreign, ['alias/sessions', 'alias/other']);
      await noMatch(forged(arnOf(IDS.k256, 'eu-west-1')), 'alias/sessions');
      // what it learnt is the client's: another client (another Region here) has learnt nothing
      audit.length = 0;
      await caught(verifyJwt(kms.inRegion('eu-west-1'), foreign, { KeyId: 'alias/sessions', currentDate: T0 }));
      expect(calls(audit)).toEqual(['VerifyMac']);
      // a kid in the aliases' account and Region may be an alias's key: only KMS can say (one VerifyMac per alias)
      audit.length = 0;
      expect((await caught(verifyJwt(kms, forged(arnOf(IDS.k512)), { KeyId: 'alias/sessions', currentDate: T0 }))).code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      expect(calls(audit)).toEqual(['VerifyMac']);
    });

    it('a token without kid needs a single KeyId', async () => {
      const { kms, audit } = await twoKeys();
      const token = craft({ header: { alg: 'HS256' }, payload: { iat: NOW }, key: MATERIAL.HMAC_256 });
      expect((await verifyJwt(kms, token, { KeyId: [IDS.k256], currentDate: T0 })).KeyId).toBe(arnOf(IDS.k256));
      const e = await caught(verifyJwt(kms, token, { KeyId: [IDS.k256, IDS.k512], currentDate: T0 }));
      expect({ code: e.code, message: e.message }).toEqual({ code: 'ERR_JWKS_NO_MATCHING_KEY', message: 'the token has no "kid" to choose among the KeyId list' });
      expect(calls(audit)).toEqual(['VerifyMac']);
    });

    it('a multi-Region key (AWS: related multi-Region keys share key id and material; a MAC made in one Region verifies in the others): signed through one Region, verified through another', async () => {
      const { kms, audit } = await fixture();
      const west = kms.inRegion('eu-west-1');
      const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: true });
      const id = KeyMetadata!.KeyId!;
      const primary = KeyMetadata!.Arn!;
      const replica = arnOf(id, 'eu-west-1');
      expect((await kms.replicateKey({ KeyId: id, ReplicaRegion: 'eu-west-1' })).ReplicaKeyMetadata!.Arn).toBe(replica);
      await west.createAlias({ AliasName: 'alias/west', TargetKeyId: id });
      const east = await signJwt(kms, { KeyId: id, clock });
      expect(decodePart(east, 0).kid).toBe(primary);
      const where = () => audit.map((e) => [e.eventName, e.awsRegion, (e.requestParameters as { keyId: string }).keyId]);

      // the primary's token through the replica: the replica's ARN, alone or in a list, its key id, an alias
      audit.length = 0;
      expect((await verifyJwt(west, east, { KeyId: replica, currentDate: T0 })).KeyId).toBe(replica);
      expect((await verifyJwt(west, east, { KeyId: [arnOf(IDS.k256, 'eu-west-1'), replica], currentDate: T0 })).KeyId).toBe(replica);
      expect((await verifyJwt(west, east, { KeyId: id, currentDate: T0 })).KeyId).toBe(replica);
      expect((await verifyJwt(west, east, { KeyId: ['alias/west'], currentDate: T0 })).KeyId).toBe(replica);
      expect(where()).toEqual([
        ['VerifyMac', 'eu-west-1', replica],
        ['VerifyMac', 'eu-west-1', replica],
        ['VerifyMac', 'eu-west-1', id],
        ['VerifyMac', 'eu-west-1', 'alias/west'],
      ]);
      // the replica's token through the primary
      const fromWest = await signJwt(west, { KeyId: 'alias/west', clock });
      expect(decodePart(fromWest, 0).kid).toBe(replica);
      expect((await verifyJwt(kms, fromWest, { KeyId: primary, currentDate: T0 })).KeyId).toBe(primary);
      expect((await verifyJwt(kms, fromWest, { KeyId: [arnOf(IDS.k512), primary], currentDate: T0 })).KeyId).toBe(primary);
      // the kid's own ARN is preferred over a related key's
      expect((await verifyJwt(kms, east, { KeyId: [replica, primary], currentDate: T0 })).KeyId).toBe(primary);

      // any other difference is refused before KMS is called: another account, another partition, another key id,
      // and a key that is not multi-Region
      const withKid = (kid: string) => craft({ header: { alg: 'HS256', kid }, payload: { iat: NOW }, key: MATERIAL.HMAC_256 });
      audit.length = 0;
      for (const [token, KeyId] of [
        [withKid(arnOf(id, 'us-east-1', '444455556666')), replica],
        [withKid(primary.replace('arn:aws:', 'arn:aws-cn:')), replica],
        [withKid(arnOf('mrk-00000000000000000000000000000000')), replica],
        [withKid(arnOf(IDS.k256, 'eu-west-1')), arnOf(IDS.k256)],
      ] as const) {
        expect((await caught(verifyJwt(west, token, { KeyId, currentDate: T0 }))).code).toBe('ERR_JWKS_NO_MATCHING_KEY');
      }
      expect(calls(audit)).toEqual([]);
      // VerifyMac answering with a key of another account (through an alias) is refused too
      const foreign = { verifyMac: async (i: Parameters<MacKms['verifyMac']>[0]) => ({ ...(await west.verifyMac(i)), KeyId: arnOf(id, 'eu-west-1', '444455556666') }) };
      const e = await caught(verifyJwt(foreign, east, { KeyId: 'alias/west', currentDate: T0 }));
      expect({ code: e.code, message: e.message }).toEqual({
        code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
        message: `signature verification failed: the MAC is ${arnOf(id, 'eu-west-1', '444455556666')}'s, not that of the key the token's kid names`,
      });
    });

    it('rotation by alias swap: alias/sessions for new tokens, alias/sessions-previous for the old key until old tokens expire', async () => {
      const { kms, audit } = await fixture();
      const first = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.Arn!;
      await kms.createAlias({ AliasName: 'alias/sessions', TargetKeyId: first });
      await kms.createAlias({ AliasName: 'alias/sessions-previous', TargetKeyId: first });
      const verifier = { KeyId: ['alias/sessions', 'alias/sessions-previous'], currentDate: T0 };
      const old = await signJwt(kms, { KeyId: 'alias/sessions', expiresIn: 3600, clock });

      // rotate: a new key; the previous alias keeps the old one, the current alias moves
      const second = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.Arn!;
      await kms.updateAlias({ AliasName: 'alias/sessions-previous', TargetKeyId: first });
      await kms.updateAlias({ AliasName: 'alias/sessions', TargetKeyId: second });
      const fresh = await signJwt(kms, { KeyId: 'alias/sessions', expiresIn: 3600, clock });
      expect(decodePart(fresh, 0).kid).toBe(second);

      audit.length = 0;
      expect((await verifyJwt(kms, fresh, verifier)).KeyId).toBe(second);
      expect(calls(audit)).toEqual(['VerifyMac']); // the current alias first
      audit.length = 0;
      expect((await verifyJwt(kms, old, verifier)).KeyId).toBe(first);
      expect(audit.map((e) => [e.eventName, e.errorCode])).toEqual([['VerifyMac', 'KMSInvalidMacException'], ['VerifyMac', undefined]]);
      // an old token with the previous key's ARN listed directly: one call
      audit.length = 0;
      expect((await verifyJwt(kms, old, { KeyId: ['alias/sessions', first], currentDate: T0 })).KeyId).toBe(first);
      expect(calls(audit)).toEqual(['VerifyMac']);

      // once old tokens have expired, the previous alias follows the current one and old tokens stop verifying
      await kms.updateAlias({ AliasName: 'alias/sessions-previous', TargetKeyId: second });
      expect((await caught(verifyJwt(kms, old, verifier))).code).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      expect((await verifyJwt(kms, fresh, verifier)).KeyId).toBe(second);
    });
  });
});

describe('clients', () => {
  it('a client with only send(command) is told to pass its command classes; fromKmsClient checks what it is given', async () => {
    const sendOnly = { send: async () => ({}) };
    const e = await caught(signJwt(sendOnly as unknown as HmacKms, { KeyId: IDS.k256 }));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain('fromKmsClient(client, { GenerateMacCommand, VerifyMacCommand, DescribeKeyCommand })');
    expect((await caught(verifyJwt({} as HmacKms, 'a.b.c', { KeyId: IDS.k256 }))).message).toContain('it has no verifyMac method');
    expect(() => fromKmsClient({} as never, {})).toThrow(TypeError);
    expect(() => fromKmsClient(sendOnly, { GenerateMacCommand: 'GenerateMacCommand' as never })).toThrow('GenerateMacCommand must be the command class');
    const onlyVerify = fromKmsClient(sendOnly, { VerifyMacCommand: class {} });
    expect((await caught(onlyVerify.generateMac({ KeyId: 'k', Message: new Uint8Array(), MacAlgorithm: 'HMAC_SHA_256' }))).message).toBe(
      'fromKmsClient: this call needs GenerateMacCommand; pass it in the command classes',
    );
  });

  it('error classes carry jose’s codes, on the instance and the class', () => {
    const expected = {
      JOSEError: 'ERR_JOSE_GENERIC',
      JOSEAlgNotAllowed: 'ERR_JOSE_ALG_NOT_ALLOWED',
      JOSENotSupported: 'ERR_JOSE_NOT_SUPPORTED',
      JWSInvalid: 'ERR_JWS_INVALID',
      JWTInvalid: 'ERR_JWT_INVALID',
      JWSSignatureVerificationFailed: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      JWKSNoMatchingKey: 'ERR_JWKS_NO_MATCHING_KEY',
      JWTClaimValidationFailed: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      JWTExpired: 'ERR_JWT_EXPIRED',
    } as const;
    for (const [name, code] of Object.entries(expected)) {
      const Cls = (jwt as unknown as Record<string, (new (m: string, p?: object) => jwt.JOSEError) & { code: string }>)[name]!;
      const e = new Cls('m', {});
      expect({ name: e.name, code: e.code, static: Cls.code, base: e instanceof jwt.JOSEError && e instanceof Error }).toEqual({ name, code, static: code, base: true });
    }
  });
});
