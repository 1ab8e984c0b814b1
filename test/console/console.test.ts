// Issue #14: the web console over HTTP — where it answers and where it never does (KMS requests), the page is
// self-contained, HTTP Basic authentication with the server's access keys, what each principal may see (decided by
// the KMS API as that principal), and the key list's paging, sorting and filtering on the server.
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/node/index.js';
import { basic, get } from './helpers.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const user = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:user/${name}`;
const CREDENTIALS = {
  ROOTKEY: { secretAccessKey: 'root-secret', principal: ACCOUNT },
  ADMINKEY: { secretAccessKey: 'admin-secret', principal: user('Admin') },
  LISTERKEY: { secretAccessKey: 'lister-secret', principal: user('Lister') },
  NOBODYKEY: { secretAccessKey: 'nobody-secret', principal: user('Nobody') },
  OTHERKEY: { secretAccessKey: 'other-secret', principal: OTHER },
};
const allow = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server with keys in two Regions of the default account and one in another account. */
async function world(options: Parameters<typeof startServer>[0] = {}) {
  server = await startServer({ port: 0, ...options });
  const kms = server.kms;
  const a = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'payments signer', Tags: [{ TagKey: 'team', TagValue: 'payments' }] })).KeyMetadata!;
  const b = (await kms.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'webhooks' })).KeyMetadata!;
  await kms.createAlias({ AliasName: 'alias/payments', TargetKeyId: a.KeyId! });
  await kms.createGrant({ KeyId: a.KeyId!, GranteePrincipal: user('Worker'), Operations: ['GenerateMac'], Name: 'worker' });
  await kms.disableKey({ KeyId: b.KeyId! });
  const west = (await kms.inRegion('eu-west-1').createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'west' })).KeyMetadata!;
  const other = (await kms.as(OTHER).createKey({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'other account' })).KeyMetadata!;
  kms.putIdentityPolicy(user('Admin'), 'all', allow(['kms:*']));
  kms.putIdentityPolicy(user('Lister'), 'list', allow(['kms:ListKeys']));
  return { server, a, b, west, other, url: server.url };
}

describe('where the console answers', () => {
  it('GET /console is the page; its script and style are its own (no other origin, so it works offline), with a strict CSP', async () => {
    const { url } = await world();
    const page = await get(`${url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.text).toContain('<title>hmac-kms console</title>');
    expect(page.text).toContain('Open console: the server has no --credentials');
    const references = [...page.text.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(references.sort()).toEqual(['#/keys', '#/live', '#/keys', '#main', '/console/app.css', '/console/app.js', 'data:,'].sort());
    const js = await get(`${url}/console/app.js`);
    const css = await get(`${url}/console/app.css`);
    expect([js.status, js.headers['content-type'], css.status, css.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8', 200, 'text/css; charset=utf-8']);
    expect(() => new Function(js.text)).not.toThrow(); // the script is whole (sent as its function's source)
    // nothing loaded from elsewhere: no URL but the SVG namespace, no @import, no url() in the style
    for (const text of [page.text, js.text, css.text]) expect(text.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(css.text).not.toMatch(/@import|url\(/);
    expect(js.text).not.toMatch(/\bimport\s*\(|\bimportScripts\b|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('HEAD works; unknown console paths are 404; GET / and /health are as before; the console answers no KMS request', async () => {
    const { url } = await world();
    const head = await get(`${url}/console`, {}, 'HEAD');
    expect([head.status, head.text]).toEqual([200, '']);
    expect((await get(`${url}/console/nothing`)).status).toBe(404);
    expect((await get(`${url}/consoles`)).status).toBe(405); // not under /console: the KMS endpoint's answer to a GET
    expect((await get(`${url}/`)).json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect((await get(`${url}/health`)).json()).toMatchObject({ status: 'ok', keys: 4 });
    // a KMS request to /console is a KMS request: the endpoint answers it (paths do not matter to AWS JSON 1.1)
    const kms = await get(`${url}/console`, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, 'POST', '{}');
    expect(kms.status).toBe(200);
    expect(kms.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(kms.json().Keys).toHaveLength(2);
    const events = await get(`${url}/console/events`, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' }, 'POST', '{}');
    expect(events.json().Keys).toHaveLength(2);
  });

  it('console: false (hmac-kms serve --no-console): GET /console is the KMS endpoint\'s 405, as without a console', async () => {
    const { url } = await world({ console: false });
    for (const path of ['/console', '/console/app.js', '/console/api/keys', '/console/events']) {
      const res = await get(`${url}${path}`);
      expect(res.status, path).toBe(405);
      expect(res.json(), path).toMatchObject({ __type: 'UnknownOperationException' });
    }
  });
});

describe('HTTP Basic authentication with --credentials', () => {
  it('asks with a WWW-Authenticate: Basic challenge; a wrong secret, an unknown or inherited id, or another scheme is refused', async () => {
    const { url } = await world({ credentials: CREDENTIALS });
    for (const path of ['/console', '/console/app.js', '/console/api/keys', '/console/api/key?arn=x', '/console/events']) {
      const res = await get(`${url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers['www-authenticate'], path).toBe('Basic realm="hmac-kms console", charset="UTF-8"');
    }
    for (const authorization of [basic('ADMINKEY', 'wrong'), basic('ADMINKEY', 'admin-secre'), basic('NOPE', 'admin-secret'), basic('__proto__', 'x'), basic('constructor', ''), 'Bearer admin-secret', 'Basic !!!', basic('ADMINKEY', 'admin-secret') + 'x']) {
      expect((await get(`${url}/console`, { authorization })).status, authorization).toBe(401);
    }
    const ok = await get(`${url}/console`, { authorization: basic('ADMINKEY', 'admin-secret') });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(`Signed in as ${user('Admin')}`);
    expect(ok.text).not.toContain('admin-secret');
  });

  it('a principal sees the keys the KMS API lets it list: its own account only; none without kms:ListKeys', async () => {
    const { url, a, b, west, other } = await world({ credentials: CREDENTIALS });
    const keys = async (id: string, secret: string, query = '') => (await get(`${url}/console/api/keys${query}`, { authorization: basic(id, secret) })).json();

    const root = await keys('ROOTKEY', 'root-secret');
    expect(root.principal).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(root.keys.map((k: { arn: string }) => k.arn).sort()).toEqual([a.Arn, b.Arn, west.Arn].sort());
    expect(root.refused).toEqual([]);

    const admin = await keys('ADMINKEY', 'admin-secret');
    expect(admin.keys.map((k: { arn: string }) => k.arn).sort()).toEqual([a.Arn, b.Arn, west.Arn].sort());
    expect(admin.keys.find((k: { arn: string }) => k.arn === a.Arn)).toMatchObject({ aliases: ['alias/payments'], keySpec: 'HMAC_256', keyState: 'Enabled', description: 'payments signer', tags: [{ TagKey: 'team', TagValue: 'payments' }], grants: 1, refused: [] });

    const otherAccount = await keys('OTHERKEY', 'other-secret');
    expect(otherAccount.keys.map((k: { arn: string }) => k.arn)).toEqual([other.Arn]);

    const nobody = await keys('NOBODYKEY', 'nobody-secret');
    expect(nobody).toMatchObject({ total: 0, all: 0, keys: [] });
    expect(nobody.refused).toEqual([
      { region: 'eu-west-1', operation: 'ListKeys', error: 'AccessDeniedException' },
      { region: 'us-east-1', operation: 'ListKeys', error: 'AccessDeniedException' },
    ]);
    expect((await get(`${url}/console/api/key?arn=${encodeURIComponent(a.Arn!)}`, { authorization: basic('NOBODYKEY', 'nobody-secret') })).status).toBe(404);
  });

  it('kms:ListKeys alone: key ids, but no aliases (ListAliases), metadata (DescribeKey), tags (ListResourceTags) or grant counts (ListGrants)', async () => {
    const { url, a } = await world({ credentials: CREDENTIALS });
    const auth = { authorization: basic('LISTERKEY', 'lister-secret') };
    const lister = (await get(`${url}/console/api/keys`, auth)).json();
    expect(lister.total).toBe(3);
    expect(lister.refused).toEqual([
      { region: 'eu-west-1', operation: 'ListAliases', error: 'AccessDeniedException' },
      { region: 'us-east-1', operation: 'ListAliases', error: 'AccessDeniedException' },
    ]);
    const row = lister.keys.find((k: { arn: string }) => k.arn === a.Arn);
    expect(row).toEqual({ arn: a.Arn, keyId: a.KeyId, account: ACCOUNT, region: 'us-east-1', aliases: null, refused: ['DescribeKey', 'ListResourceTags', 'ListGrants'] });
    // filters and sorts limited to what ListKeys and ListAliases show: a filter cannot find what it may not read
    expect(lister.filterFields).toEqual(['id', 'alias', 'region', 'account']);
    expect(lister.sortable).toEqual(['keyId', 'aliases', 'region', 'account', 'creationDate']);
    for (const q of ['payments', 'tag:team=payments', 'state:disabled', 'description:webhooks', 'alias:payments']) {
      expect((await get(`${url}/console/api/keys?q=${encodeURIComponent(q)}`, auth)).json().total, q).toBe(0);
    }
    expect((await get(`${url}/console/api/keys?q=region:eu-west`, auth)).json().total).toBe(1);
    expect((await get(`${url}/console/api/keys?sort=description`, auth)).json().sort).toBe('creationDate');
    // the detail: each part is the API's answer to this principal
    const detail = (await get(`${url}/console/api/key?arn=${encodeURIComponent(a.Arn!)}`, auth)).json();
    expect(detail.caller).toBe(user('Lister'));
    for (const part of ['metadata', 'policy', 'grants', 'aliases', 'tags']) expect(detail[part], part).toMatchObject({ error: 'AccessDeniedException' });
    expect(detail.metadata.message).toContain(`User: ${user('Lister')} is not authorized to perform: kms:DescribeKey on resource: ${a.Arn}`);
  });

  it('the console\'s own checks are real calls as the principal, in the audit trail', async () => {
    const audit: { eventName: string; userIdentity: { arn: string }; errorCode?: string }[] = [];
    server = await startServer({ port: 0, credentials: CREDENTIALS, kmsOptions: { audit: (e) => void audit.push(e) } });
    await server.kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    audit.length = 0;
    await get(`${server.url}/console/api/keys`, { authorization: basic('NOBODYKEY', 'nobody-secret') });
    expect(audit.map((e) => [e.eventName, e.userIdentity.arn, e.errorCode])).toEqual([['ListKeys', user('Nobody'), 'AccessDenied']]);
  });
});

describe('the key list: paged, sorted and filtered by the server', () => {
  it('pages in order without gaps or overlaps, sorts each column both ways, clamps the page size', async () => {
    server = await startServer({ port: 0 });
    const kms = server.kms;
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      const k = (await kms.createKey({ KeySpec: i % 2 ? 'HMAC_256' : 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC', Description: `key ${String(i).padStart(2, '0')}` })).KeyMetadata!;
      made.push(k.Arn!);
    }
    const page = async (query: string) => (await get(`${server!.url}/console/api/keys?${query}`)).json();
    const seen: string[] = [];
    for (let offset = 0; offset < 23; offset += 5) {
      const p = await page(`offset=${offset}&limit=5`);
      expect(p).toMatchObject({ total: 23, all: 23, offset, limit: 5, sort: 'creationDate', order: 'asc' });
      seen.push(...p.keys.map((k: { arn: string }) => k.arn));
    }
    expect(seen).toEqual(made); // creation order
    expect((await page('offset=100')).keys).toEqual([]);
    expect((await page('limit=100000')).limit).toBe(200);
    expect((await page('limit=0')).limit).toBe(1);
    expect((await page('limit=abc&offset=-3')).limit).toBe(50);
    expect((await page('sort=nonsense')).sort).toBe('creationDate');
    const descriptions = (await page('sort=description&order=desc&limit=200')).keys.map((k: { description: string }) => k.description);
    expect(descriptions).toEqual([...descriptions].sort().reverse());
    expect(descriptions[0]).toBe('key 22');
    const ids = (await page('sort=keyId&limit=200')).keys.map((k: { keyId: string }) => k.keyId);
    expect(ids).toEqual([...ids].sort());
    const specs = (await page('sort=keySpec&limit=200')).keys.map((k: { keySpec: string }) => k.keySpec);
    expect(specs.slice(0, 11).every((s: string) => s === 'HMAC_256') && specs.slice(11).every((s: string) => s === 'HMAC_512')).toBe(true);
  });

  it('filters by id, alias, tag, state, Region, account, spec and description; bare words match any; every word must match', async () => {
    const { url, a, b, west, other } = await world();
    const arns = async (q: string) => ((await get(`${url}/console/api/keys?q=${encodeURIComponent(q)}`)).json().keys as { arn: string }[]).map((k) => k.arn).sort();
    expect(await arns('')).toEqual([a.Arn, b.Arn, west.Arn, other.Arn].sort());
    expect(await arns(a.KeyId!)).toEqual([a.Arn]);
    expect(await arns(`id:${a.KeyId!.slice(0, 8).toUpperCase()}`)).toEqual([a.Arn]);
    expect(await arns(a.Arn!)).toEqual([a.Arn]); // an ARN (with colons) is a bare word
    expect(await arns('alias:payments')).toEqual([a.Arn]);
    expect(await arns('alias/payments')).toEqual([a.Arn]);
    expect(await arns('tag:team=payments')).toEqual([a.Arn]);
    expect(await arns('tag:TEAM')).toEqual([a.Arn]);
    expect(await arns('state:disabled')).toEqual([b.Arn]);
    expect(await arns('state:enabled')).toEqual([a.Arn, west.Arn, other.Arn].sort());
    expect(await arns('region:eu-west-1')).toEqual([west.Arn]);
    expect(await arns(`account:${OTHER}`)).toEqual([other.Arn]);
    expect(await arns('spec:hmac_512')).toEqual([b.Arn]);
    expect(await arns('description:WEBHOOK')).toEqual([b.Arn]);
    expect(await arns('payments')).toEqual([a.Arn]); // description, alias and tag all say it
    expect(await arns('state:enabled region:us-east-1')).toEqual([a.Arn, other.Arn].sort());
    expect(await arns('state:enabled nothing-like-this')).toEqual([]);
    expect(await arns('colour:red')).toEqual([]); // not a field: a bare word "colour:red"
    expect(await arns('(.*')).toEqual([]); // words are text, not patterns
  });

  it('the list follows the world: a key created, changed or deleted shows on the next request', async () => {
    const { url, kms } = await (async () => {
      server = await startServer({ port: 0 });
      return { url: server.url, kms: server.kms };
    })();
    expect((await get(`${url}/console/api/keys`)).json().total).toBe(0);
    const k = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    expect((await get(`${url}/console/api/keys`)).json().keys).toMatchObject([{ arn: k.Arn, keyState: 'Enabled', aliases: [] }]);
    await kms.createAlias({ AliasName: 'alias/late', TargetKeyId: k.KeyId! });
    await kms.scheduleKeyDeletion({ KeyId: k.KeyId!, PendingWindowInDays: 7 });
    const row = (await get(`${url}/console/api/keys`)).json().keys[0];
    expect(row).toMatchObject({ aliases: ['alias/late'], keyState: 'PendingDeletion' });
    expect(Date.parse(row.deletionDate) - Date.parse(row.creationDate)).toBeGreaterThanOrEqual(7 * 86_400_000 - 60_000);
  });
});

describe('the key detail', () => {
  it('metadata, pretty-printed policy, grants (never a token), aliases, tags and replicas, from the API as the key account\'s root', async () => {
    server = await startServer({ port: 0 });
    const kms = server.kms;
    const k = (await kms.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', MultiRegion: true, Description: 'global', Tags: [{ TagKey: 'env', TagValue: 'dev' }] })).KeyMetadata!;
    await kms.replicateKey({ KeyId: k.KeyId!, ReplicaRegion: 'eu-west-1' });
    await kms.createAlias({ AliasName: 'alias/global', TargetKeyId: k.KeyId! });
    const { GrantId } = await kms.createGrant({ KeyId: k.KeyId!, GranteePrincipal: user('Worker'), RetiringPrincipal: user('Admin'), Operations: ['GenerateMac', 'VerifyMac'], Name: 'worker', Constraints: undefined });
    const d = (await get(`${server.url}/console/api/key?arn=${encodeURIComponent(k.Arn!)}`)).json();
    expect(d).toMatchObject({ arn: k.Arn, keyId: k.KeyId, account: ACCOUNT, region: 'us-east-1', caller: `arn:aws:iam::${ACCOUNT}:root` });
    expect(d.metadata.value).toMatchObject({
      Description: 'global', KeyState: 'Enabled', KeySpec: 'HMAC_384', MacAlgorithms: ['HMAC_SHA_384'], MultiRegion: true, MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: k.Arn, Region: 'us-east-1' }, ReplicaKeys: [{ Arn: k.Arn!.replace('us-east-1', 'eu-west-1'), Region: 'eu-west-1' }],
    });
    expect(d.policy.value).toBe(JSON.stringify(JSON.parse((await kms.getKeyPolicy({ KeyId: k.KeyId!, PolicyName: 'default' })).Policy!), null, 2));
    expect(d.grants.value).toEqual({
      truncated: false,
      grants: [{ GrantId, Name: 'worker', CreationDate: expect.any(String), GranteePrincipal: user('Worker'), RetiringPrincipal: user('Admin'), IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`, Operations: ['GenerateMac', 'VerifyMac'] }],
    });
    expect(d.aliases.value).toEqual(['alias/global']);
    expect(d.tags.value).toEqual([{ TagKey: 'env', TagValue: 'dev' }]);
    const replica = (await get(`${server.url}/console/api/key?arn=${encodeURIComponent(k.Arn!.replace('us-east-1', 'eu-west-1'))}`)).json();
    expect(replica.metadata.value.MultiRegionKeyType).toBe('REPLICA');
    expect((await get(`${server.url}/console/api/key?arn=arn:aws:kms:us-east-1:${ACCOUNT}:key/nope`)).status).toBe(404);
  });
});
