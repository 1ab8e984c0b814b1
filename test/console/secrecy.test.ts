// Issue #14: nothing secret reaches the console's page, its API or its stream. Through the AWS SDK against the
// server: a key seeded with known material, MACs of known messages (made, verified, and one refused), grants and their
// tokens (used in a call), aliases and tags; then every byte the console sends — the page, script and style, the key
// list in every order, every key's detail, and the whole live stream that watched it all — is searched for the
// messages, the MACs, the tokens, the key material and the secret access keys, in every encoding they could take.
import { CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, GenerateMacCommand, KMSClient, TagResourceCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { basic, callsOf, get, openStream } from './helpers.js';

const ACCOUNT = '111122223333';
const MATERIAL = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
const SEEDED = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const MESSAGE = 'console-secrecy: the quick brown fox pays invoice 4417';
const SECRET_KEY = 'sUpErSeCrEtAcCeSsKeY/0123456789+abcdefgh';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each([
  ['open (no --credentials)', false],
  ['with --credentials', true],
] as const)('nothing secret in the console: %s', (_name, withCredentials) => {
  it('page, script, style, key list, key details and the live stream hold no message, MAC, token, key material or secret key', async () => {
    server = await startServer({
      port: 0,
      seed: [{ KeySpec: 'HMAC_256', KeyMaterial: hex(MATERIAL), KeyId: SEEDED, Aliases: ['alias/seeded'], Grants: [{ GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Seeded`, Operations: ['GenerateMac'] }] }],
      ...(withCredentials ? { credentials: { AKIDCONSOLE: { secretAccessKey: SECRET_KEY, principal: ACCOUNT } } } : {}),
    });
    const auth: Record<string, string> = withCredentials ? { authorization: basic('AKIDCONSOLE', SECRET_KEY) } : {};
    const stream = await openStream(`${server.url}/console/events`, auth);
    await stream.until((events) => events.some((e) => e.event === 'hello'));

    const client = new KMSClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: withCredentials ? 'AKIDCONSOLE' : 'test', secretAccessKey: withCredentials ? SECRET_KEY : 'test' }, maxAttempts: 1 });
    const message = new TextEncoder().encode(MESSAGE);
    const created = (await client.send(new CreateKeyCommand({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'made by the SDK' }))).KeyMetadata!;
    await client.send(new CreateAliasCommand({ AliasName: 'alias/made', TargetKeyId: created.KeyId! }));
    await client.send(new TagResourceCommand({ KeyId: created.KeyId!, Tags: [{ TagKey: 'team', TagValue: 'payments' }] }));
    const { GrantToken } = await client.send(new CreateGrantCommand({ KeyId: SEEDED, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/Worker`, Operations: ['GenerateMac', 'VerifyMac'], Name: 'worker' }));
    const seededMac = (await client.send(new GenerateMacCommand({ KeyId: 'alias/seeded', Message: message, MacAlgorithm: 'HMAC_SHA_256', GrantTokens: [GrantToken!] }))).Mac!;
    const madeMac = (await client.send(new GenerateMacCommand({ KeyId: created.KeyId!, Message: message, MacAlgorithm: 'HMAC_SHA_512' }))).Mac!;
    expect((await client.send(new VerifyMacCommand({ KeyId: SEEDED, Message: message, Mac: seededMac, MacAlgorithm: 'HMAC_SHA_256' }))).MacValid).toBe(true);
    await expect(client.send(new VerifyMacCommand({ KeyId: SEEDED, Message: message, Mac: madeMac.slice(0, 32), MacAlgorithm: 'HMAC_SHA_256' }))).rejects.toMatchObject({ name: 'KMSInvalidMacException' });
    // the MAC is the HMAC of the message under the seeded material: what is searched for is what was made
    const { createHmac } = await import('node:crypto');
    expect(b64(seededMac)).toBe(createHmac('sha256', MATERIAL).update(MESSAGE).digest('base64'));

    const sent: string[] = [];
    for (const path of ['/console', '/console/app.js', '/console/app.css']) sent.push((await get(`${server.url}${path}`, auth)).text);
    for (const sort of ['creationDate', 'keyId', 'aliases', 'tags', 'grants', 'description']) {
      const list = await get(`${server.url}/console/api/keys?sort=${sort}&q=`, auth);
      expect(list.status).toBe(200);
      sent.push(list.text);
    }
    const arns = (await get(`${server.url}/console/api/keys`, auth)).json().keys.map((k: { arn: string }) => k.arn) as string[];
    expect(arns).toHaveLength(2);
    for (const arn of arns) {
      const detail = await get(`${server.url}/console/api/key?arn=${encodeURIComponent(arn)}`, auth);
      expect(detail.status).toBe(200);
      sent.push(detail.text);
    }
    // the detail shows the seeded key's two grants, each field by name, and no token member
    const seededDetail = JSON.parse(sent.find((t) => t.startsWith('{"arn":') && t.includes(`key/${SEEDED}"`))!);
    expect(seededDetail.grants.value.grants.map((g: { Name?: string }) => g.Name ?? '-').sort()).toEqual(['-', 'worker']);
    expect(sent.join('\n')).not.toMatch(/grantToken/i);
    await stream.until((events) => callsOf(events).some((c) => c.operation === 'ListResourceTags' && c.console === true) && callsOf(events).filter((c) => c.operation === 'VerifyMac').length === 2);
    stream.close();
    sent.push(stream.raw());
    expect(callsOf(stream.events).filter((c) => !c.console).map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'CreateKey:Success', 'CreateAlias:Success', 'TagResource:Success', 'CreateGrant:Success', 'GenerateMac:Success', 'GenerateMac:Success', 'VerifyMac:Success', 'VerifyMac:KMSInvalidMacException',
    ]);

    const secrets: Record<string, string> = {
      'message': MESSAGE,
      'message (base64)': b64(message),
      'message (hex)': hex(message),
      'seeded MAC (base64)': b64(seededMac),
      'seeded MAC (base64url)': b64url(seededMac),
      'seeded MAC (hex)': hex(seededMac),
      'MAC (base64)': b64(madeMac),
      'MAC (hex)': hex(madeMac),
      'grant token': GrantToken!,
      'key material (hex)': hex(MATERIAL),
      'key material (HEX)': hex(MATERIAL).toUpperCase(),
      'key material (base64)': b64(MATERIAL),
      'key material (base64url)': b64url(MATERIAL),
      'secret access key': SECRET_KEY,
      'secret access key (base64 in Basic auth)': Buffer.from(`AKIDCONSOLE:${SECRET_KEY}`).toString('base64'),
    };
    const all = sent.join('\n');
    // what is searched is what the console sent: the keys, aliases, tags and calls are all there
    for (const shown of [SEEDED, created.Arn!, 'alias/seeded', 'alias/made', 'payments', 'KMSInvalidMacException', `arn:aws:iam::${ACCOUNT}:role/Worker`]) expect(all, shown).toContain(shown);
    for (const [name, secret] of Object.entries(secrets)) expect(all.includes(secret), name).toBe(false);
    // a token's middle: no fragment of one either (tokens are long; a field could hold a part)
    expect(all.includes(GrantToken!.slice(20, 60)), 'grant token fragment').toBe(false);
  }, 30_000);
});
