// Issue #14: the core's read-only inventory, which the web console lists keys from — every key of every account and
// Region as plain rows, nothing secret, a version that moves with every change (and only then).
import { describe, expect, it } from 'vitest';
import { inventory } from '../../src/index.js';
import { toBase64 } from '../../src/crypto/base64.js';
import { toHex } from '../../src/crypto/random.js';
import { ACCOUNT, arnOf, bytes, DAY, fixture, IDS, MATERIAL, OTHER_ACCOUNT, T0 } from '../helpers/kms.js';

describe('inventory(kms)', () => {
  it('lists every key of every account and Region with aliases, tags, grant counts, multi-Region role and dates', async () => {
    const { kms } = await fixture();
    const other = kms.as(OTHER_ACCOUNT).inRegion('eu-west-1');
    await other.seedKey({ KeySpec: 'HMAC_512', KeyMaterial: MATERIAL.HMAC_512, KeyId: IDS.unknown, Description: 'elsewhere' });
    await kms.seedKey({ KeySpec: 'HMAC_384', KeyMaterial: MATERIAL.HMAC_384, KeyId: IDS.mrk, MultiRegion: true });
    await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-west-2' });
    await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/A`, Operations: ['GenerateMac'] });
    await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/B`, Operations: ['VerifyMac'] });

    const inv = inventory(kms);
    expect(inv.keys.map((k) => `${k.account}/${k.region}/${k.keyId}`).sort()).toEqual(
      [
        ...[IDS.k256, IDS.k224, IDS.k384, IDS.k512, IDS.disabled, IDS.pending, IDS.mrk].map((id) => `${ACCOUNT}/us-east-1/${id}`),
        `${ACCOUNT}/us-west-2/${IDS.mrk}`,
        `${OTHER_ACCOUNT}/eu-west-1/${IDS.unknown}`,
      ].sort(),
    );
    const byArn = new Map(inv.keys.map((k) => [k.arn, k]));
    expect(byArn.get(arnOf(IDS.k256))).toEqual({
      account: ACCOUNT, region: 'us-east-1', keyId: IDS.k256, arn: arnOf(IDS.k256), keySpec: 'HMAC_256', keyState: 'Enabled', description: 'k256',
      multiRegion: undefined, aliases: ['alias/fixture'], tags: [{ TagKey: 'team', TagValue: 'blue' }], grants: 2, creationDate: T0.getTime(), deletionDate: undefined,
    });
    expect(byArn.get(arnOf(IDS.pending))).toMatchObject({ keyState: 'PendingDeletion', deletionDate: T0.getTime() + 7 * DAY });
    expect(byArn.get(arnOf(IDS.disabled))).toMatchObject({ keyState: 'Disabled', aliases: [], tags: [], grants: 0 });
    expect(byArn.get(arnOf(IDS.mrk))).toMatchObject({ multiRegion: 'PRIMARY' });
    expect(byArn.get(arnOf(IDS.mrk, 'us-west-2'))).toMatchObject({ multiRegion: 'REPLICA', region: 'us-west-2' });
    expect(byArn.get(arnOf(IDS.unknown, 'eu-west-1', OTHER_ACCOUNT))).toMatchObject({ description: 'elsewhere', account: OTHER_ACCOUNT });
  });

  it('holds no key material, MAC, message or grant token, and its rows are copies (changing one changes no key)', async () => {
    const { kms } = await fixture();
    const { GrantToken } = await kms.createGrant({ KeyId: IDS.k256, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/A`, Operations: ['GenerateMac'] });
    const { Mac } = await kms.generateMac({ KeyId: IDS.k256, Message: bytes('inventory-secret-message'), MacAlgorithm: 'HMAC_SHA_256' });
    const inv = inventory(kms);
    const text = JSON.stringify(inv);
    for (const secret of [toHex(MATERIAL.HMAC_256), toBase64(MATERIAL.HMAC_256), toHex(MATERIAL.HMAC_512), toBase64(Mac!), GrantToken!, 'inventory-secret-message', toBase64(bytes('inventory-secret-message'))]) {
      expect(text).not.toContain(secret);
    }
    // nothing but plain data: no Uint8Array, no class instance, no function anywhere
    const plain = (v: unknown): boolean =>
      v === undefined || v === null || ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) ? v.every(plain) : Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(plain));
    expect(plain(inv)).toBe(true);
    const row = inv.keys.find((k) => k.keyId === IDS.k256)! as unknown as { aliases: string[]; tags: { TagKey: string; TagValue: string }[] };
    row.aliases.push('alias/forged');
    row.tags[0]!.TagValue = 'forged';
    const again = inventory(kms, undefined).keys.find((k) => k.keyId === IDS.k256)!;
    expect(again.aliases).toEqual(['alias/fixture']);
    expect(again.tags).toEqual([{ TagKey: 'team', TagValue: 'blue' }]);
  });

  it('its version moves with every change and only then; given the previous inventory, an unchanged world returns it', async () => {
    const { kms } = await fixture();
    const first = inventory(kms);
    await kms.describeKey({ KeyId: IDS.k256 });
    await kms.generateMac({ KeyId: IDS.k256, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256' });
    await kms.listKeys({});
    await kms.disableKey({ KeyId: 'alias/nope' }).catch(() => {}); // a failed call changes nothing
    expect(inventory(kms, first)).toBe(first);
    for (const change of [
      () => kms.tagResource({ KeyId: IDS.k256, Tags: [{ TagKey: 'x', TagValue: 'y' }] }),
      () => kms.createAlias({ AliasName: 'alias/second', TargetKeyId: IDS.k224 }),
      () => kms.createGrant({ KeyId: IDS.k224, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/A`, Operations: ['GenerateMac'] }),
      () => kms.disableKey({ KeyId: IDS.k384 }),
      () => kms.updateKeyDescription({ KeyId: IDS.k512, Description: 'new' }),
    ]) {
      const before = inventory(kms);
      await change();
      const after = inventory(kms, before);
      expect(after).not.toBe(before);
      expect(after.version).toBeGreaterThan(before.version);
    }
    const last = inventory(kms);
    expect(last.keys.find((k) => k.keyId === IDS.k512)!.description).toBe('new');
    expect(last.keys.find((k) => k.keyId === IDS.k224)!).toMatchObject({ aliases: ['alias/second'], grants: 1 });
  });
});
