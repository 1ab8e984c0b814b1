// The conformance smoke suite every runtime runs (Node ESM and CJS, Bun, Deno, workerd, Chromium). The library is
// passed in, as jose's tap/ suite does, so this file imports nothing and uses only web-standard APIs.
//
//   const results = await smoke(lib, { vector, jwt }); // vector: a Wycheproof HMAC-SHA-256 case with a 32-byte key;
//                                                     // jwt: the hmac-kms/jwt entry
//   results: [{ name, ok: true } | { name, ok: false, error } | { name, skipped: reason }]

const hexToBytes = (hex) => new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (s) => new TextEncoder().encode(s);
const b64 = (bytes) => btoa(String.fromCharCode(...bytes));

function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function equal(actual, expected, what) {
  assert(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}
async function rejects(promise, check) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert(error !== undefined, 'expected the call to fail');
  check(error);
}

/** SigV4 with Web Crypto (an implementation independent of hmac-kms's). */
async function sigv4(request, { accessKeyId, secret, region, date }) {
  const enc = new TextEncoder();
  const sha256hex = async (data) => bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', typeof data === 'string' ? enc.encode(data) : data)));
  const hmacRaw = async (key, data) => {
    const k = await crypto.subtle.importKey('raw', typeof key === 'string' ? enc.encode(key) : key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(data)));
  };
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = { ...request.headers, 'x-amz-date': amzDate, 'x-amz-content-sha256': await sha256hex(request.body) };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const canonical = ['POST', '/', '', names.map((h) => `${h}:${String(headers[h]).trim()}\n`).join(''), names.join(';'), headers['x-amz-content-sha256']].join('\n');
  const scope = `${day}/${region}/kms/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256hex(canonical)].join('\n');
  let key = await hmacRaw(`AWS4${secret}`, day);
  for (const part of [region, 'kms', 'aws4_request']) key = await hmacRaw(key, part);
  const signature = bytesToHex(await hmacRaw(key, toSign));
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

export default async function smoke(lib, { vector, jwt }) {
  const results = [];
  const check = async (name, fn) => {
    try {
      await fn();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String((e && e.stack) || e) });
    }
  };
  const { HmacKms } = lib;

  await check('keys of all four specs: GenerateMac and VerifyMac', async () => {
    const kms = new HmacKms();
    for (const [spec, bytes] of [['HMAC_224', 28], ['HMAC_256', 32], ['HMAC_384', 48], ['HMAC_512', 64]]) {
      const { KeyMetadata } = await kms.createKey({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' });
      const MacAlgorithm = `HMAC_SHA_${spec.slice(5)}`;
      const { Mac, KeyId } = await kms.generateMac({ KeyId: KeyMetadata.KeyId, Message: utf8('hello'), MacAlgorithm });
      equal(Mac.length, bytes, `${spec} MAC length`);
      equal(KeyId, KeyMetadata.Arn, 'GenerateMac answers with the key ARN');
      const { MacValid } = await kms.verifyMac({ KeyId: KeyMetadata.KeyId, Message: utf8('hello'), Mac, MacAlgorithm });
      equal(MacValid, true, `${spec} verifies`);
      await rejects(kms.verifyMac({ KeyId: KeyMetadata.KeyId, Message: utf8('hellO'), Mac, MacAlgorithm }), (e) => {
        assert(e instanceof lib.KMSInvalidMacException, 'a wrong MAC is KMSInvalidMacException');
      });
    }
  });

  await check('a seeded key reproduces a Wycheproof HMAC-SHA-256 vector', async () => {
    const kms = new HmacKms();
    const { KeyMetadata } = await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: hexToBytes(vector.key), KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' });
    const { Mac } = await kms.generateMac({ KeyId: KeyMetadata.KeyId, Message: hexToBytes(vector.msg), MacAlgorithm: 'HMAC_SHA_256' });
    equal(bytesToHex(Mac), vector.tag, `Wycheproof tcId ${vector.tcId}`);
  });

  await check('a disabled key: DisabledException, an instance of the exported class', async () => {
    const kms = new HmacKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await kms.disableKey({ KeyId: KeyMetadata.KeyId });
    await rejects(kms.generateMac({ KeyId: KeyMetadata.KeyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }), (e) => {
      assert(e instanceof lib.DisabledException, 'instanceof DisabledException');
      assert(e instanceof lib.KmsServiceException, 'instanceof KmsServiceException');
      equal(e.name, 'DisabledException', 'name');
      equal(e.message, `${KeyMetadata.Arn} is disabled.`, 'message');
      equal(e.$fault, 'client', '$fault');
    });
  });

  await check('an alias names the key', async () => {
    const kms = new HmacKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await kms.createAlias({ AliasName: 'alias/smoke', TargetKeyId: KeyMetadata.KeyId });
    const { KeyId } = await kms.generateMac({ KeyId: 'alias/smoke', Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_384' });
    equal(KeyId, KeyMetadata.Arn, 'the alias resolves to the key');
  });

  await check('a grant lets another principal use the key', async () => {
    const kms = new HmacKms();
    const alice = kms.as('arn:aws:iam::111122223333:user/Alice');
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await rejects(alice.generateMac({ KeyId: KeyMetadata.Arn, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }), (e) => {
      assert(e instanceof lib.AccessDeniedException, 'Alice is denied before the grant');
    });
    const { GrantToken } = await kms.createGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] });
    await alice.generateMac({ KeyId: KeyMetadata.Arn, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256', GrantTokens: [GrantToken] });
  });

  await check('exportState / fromState round trip; a wrong wrapping key and a tampered snapshot are refused', async () => {
    const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
    const kms = new HmacKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 't', TagValue: 'v' }] });
    const { GrantToken } = await kms.createGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: 'arn:aws:iam::111122223333:user/Alice', Operations: ['GenerateMac'] });
    const { Mac } = await kms.generateMac({ KeyId: KeyMetadata.KeyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' });
    const snapshot = JSON.parse(JSON.stringify(kms.exportState({ wrappingKey })));
    const restored = HmacKms.fromState(snapshot, { wrappingKey });
    await restored.verifyMac({ KeyId: KeyMetadata.KeyId, Message: utf8('m'), Mac, MacAlgorithm: 'HMAC_SHA_256' });
    await restored.as('arn:aws:iam::111122223333:user/Alice').generateMac({ KeyId: KeyMetadata.Arn, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256', GrantTokens: [GrantToken] });
    const codeOf = (fn) => {
      try {
        fn();
      } catch (e) {
        assert(e instanceof lib.StateError, `a StateError, got ${e}`);
        return e.code;
      }
      throw new Error('restored');
    };
    assert(codeOf(() => HmacKms.fromState(snapshot, { wrappingKey: new Uint8Array(32) })) === 'WRONG_WRAPPING_KEY', 'wrong wrapping key');
    const tampered = JSON.parse(JSON.stringify(snapshot));
    tampered.world.regions[0].keys[0].tags[0][1] = 'w';
    assert(codeOf(() => HmacKms.fromState(tampered, { wrappingKey })) === 'TAMPERED', 'tampered');
  });

  await check('createFetchHandler verifies a SigV4-signed request inside the runtime', async () => {
    const kms = new HmacKms();
    await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: hexToBytes(vector.key), KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' });
    const handle = lib.createFetchHandler(kms, { credentials: { AKIDSMOKE: { secretAccessKey: 'smoke-secret', principal: 'arn:aws:iam::111122223333:root' } } });
    const body = JSON.stringify({ KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9', Message: b64(hexToBytes(vector.msg)), MacAlgorithm: 'HMAC_SHA_256' });
    const base = { headers: { host: 'kms.local:8443', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateMac' }, body };
    const headers = await sigv4(base, { accessKeyId: 'AKIDSMOKE', secret: 'smoke-secret', region: 'us-east-1', date: new Date() });
    const send = (h, b) => {
      const { host: _h, ...rest } = h;
      return handle(new Request('https://kms.local:8443/', { method: 'POST', headers: rest, body: b }));
    };
    const ok = await send(headers, body);
    equal(ok.status, 200, 'status of the signed request');
    const json = JSON.parse(new TextDecoder().decode(await ok.arrayBuffer()));
    equal(bytesToHex(Uint8Array.from(atob(json.Mac), (c) => c.charCodeAt(0))), vector.tag, 'the MAC over the wire');
    const tampered = await send(headers, body.replace('HMAC_SHA_256', 'HMAC_SHA_384'));
    equal(tampered.status, 400, 'status of a tampered request');
    equal(JSON.parse(new TextDecoder().decode(await tampered.arrayBuffer())).__type, 'InvalidSignatureException', 'a tampered body');
  });

  const JWT_CHECK = 'hmac-kms/jwt: signJwt and verifyJwt (MAC checked with Web Crypto; tampered and expired tokens refused), deriveKey';
  if (!jwt) {
    results.push({ name: JWT_CHECK, ok: false, error: 'the runner did not pass the hmac-kms/jwt entry' });
  } else {
    await check(JWT_CHECK, async () => {
      const kms = new HmacKms();
      const { KeyMetadata } = await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: hexToBytes(vector.key), KeyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9' });
      await kms.createAlias({ AliasName: 'alias/sessions', TargetKeyId: KeyMetadata.KeyId });
      const now = new Date('2026-01-01T00:00:00Z');
      const token = await jwt.signJwt(kms, { KeyId: 'alias/sessions', payload: { sub: 'user-42' }, expiresIn: 300, clock: () => now });
      const [h, p, s] = token.split('.');
      const fromB64url = (t) => Uint8Array.from(atob(t.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey('raw', hexToBytes(vector.key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
      assert(await crypto.subtle.verify('HMAC', key, fromB64url(s), utf8(`${h}.${p}`)), 'Web Crypto verifies the MAC of the token');
      const header = JSON.parse(new TextDecoder().decode(fromB64url(h)));
      equal(JSON.stringify(header), JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: KeyMetadata.Arn }), 'protected header');
      const { payload, KeyId } = await jwt.verifyJwt(kms, token, { KeyId: 'alias/sessions', currentDate: now, subject: 'user-42' });
      equal(JSON.stringify(payload), JSON.stringify({ sub: 'user-42', iat: 1767225600, exp: 1767225900 }), 'payload');
      equal(KeyId, KeyMetadata.Arn, 'verified by the key ARN');
      const forged = `${h}.${btoa(JSON.stringify({ sub: 'admin', iat: 1767225600 })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.${s}`;
      await rejects(jwt.verifyJwt(kms, forged, { KeyId: 'alias/sessions', currentDate: now }), (e) => {
        assert(e instanceof jwt.JWSSignatureVerificationFailed, 'a tampered token: JWSSignatureVerificationFailed');
        equal(e.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'code');
        assert(e.cause instanceof lib.KMSInvalidMacException, 'the cause is the core KMSInvalidMacException');
      });
      await rejects(jwt.verifyJwt(kms, token, { KeyId: 'alias/sessions', currentDate: new Date(now.getTime() + 300_000) }), (e) => {
        equal(e.code, 'ERR_JWT_EXPIRED', 'an expired token');
      });
      // SP 800-108 counter mode: two blocks of HMAC-SHA-256 over [i]_32 || label || 0x00 || context || [L]_32
      const derived = await jwt.deriveKey(kms, { KeyId: 'alias/sessions', label: 'payments', context: 'tenant-7', length: 40 });
      const fixed = [...utf8('payments'), 0, ...utf8('tenant-7'), 0, 0, 1, 64];
      const blocks = [];
      for (const i of [1, 2]) blocks.push(...new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array([0, 0, 0, i, ...fixed]))));
      equal(bytesToHex(derived), bytesToHex(new Uint8Array(blocks.slice(0, 40))), 'deriveKey');
    });
  }

  return results;
}
