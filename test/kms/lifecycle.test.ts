// Keys walked through their lives: create -> alias -> tag -> MAC -> disable -> schedule -> clock forward -> gone.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { arnOf, bytes, DAY, expectKmsError, IDS, MATERIAL, T0, testKms } from '../helpers/kms.js';

describe('a key from birth to deletion', () => {
  it('create, alias, tag, MAC, disable, enable, schedule, cancel, schedule, clock forward, gone', async () => {
    const { kms, clock } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'webhooks' });
    const KeyId = KeyMetadata!.KeyId!;
    const arn = KeyMetadata!.Arn!;
    expect(KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(arn).toBe(arnOf(KeyId));
    expect(KeyMetadata).toMatchObject({ KeyState: 'Enabled', Enabled: true, CreationDate: T0, MacAlgorithms: ['HMAC_SHA_384'], Description: 'webhooks' });

    await kms.createAlias({ AliasName: 'alias/webhooks', TargetKeyId: KeyId });
    await kms.tagResource({ KeyId: arn, Tags: [{ TagKey: 'env', TagValue: 'test' }] });
    expect((await kms.listResourceTags({ KeyId })).Tags).toEqual([{ TagKey: 'env', TagValue: 'test' }]);

    // every identifier form reaches the same key, and the response always names the key ARN
    const message = bytes('payload');
    const macs = await Promise.all(
      [KeyId, arn, 'alias/webhooks', 'arn:aws:kms:us-east-1:111122223333:alias/webhooks'].map((id) =>
        kms.generateMac({ KeyId: id, Message: message, MacAlgorithm: 'HMAC_SHA_384' }),
      ),
    );
    for (const m of macs) {
      expect(m.KeyId).toBe(arn);
      expect(m.Mac).toEqual(macs[0]!.Mac);
      expect(m.Mac!.length).toBe(48);
    }
    const ok = await kms.verifyMac({ KeyId: 'alias/webhooks', Message: message, MacAlgorithm: 'HMAC_SHA_384', Mac: macs[0]!.Mac });
    expect(ok).toMatchObject({ KeyId: arn, MacValid: true, MacAlgorithm: 'HMAC_SHA_384' });

    await kms.disableKey({ KeyId });
    expect((await kms.describeKey({ KeyId })).KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    await expectKmsError(kms.generateMac({ KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_384' }), 'DisabledException', `${arn} is disabled.`);
    await kms.disableKey({ KeyId }); // disabling a disabled key succeeds (DG key-state: DisableKey ✓ in Disabled)
    await kms.enableKey({ KeyId });
    await kms.enableKey({ KeyId }); // and enabling an enabled one
    await kms.generateMac({ KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_384' });

    const scheduled = await kms.scheduleKeyDeletion({ KeyId, PendingWindowInDays: 7 });
    expect(scheduled).toMatchObject({ KeyId: arn, KeyState: 'PendingDeletion', PendingWindowInDays: 7, DeletionDate: new Date(T0.getTime() + 7 * DAY) });
    expect((await kms.describeKey({ KeyId })).KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, DeletionDate: new Date(T0.getTime() + 7 * DAY) });
    await expectKmsError(kms.verifyMac({ KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_384', Mac: macs[0]!.Mac }), 'KMSInvalidStateException', `${arn} is pending deletion.`);

    // CancelKeyDeletion always lands in Disabled, whatever the state before (API CancelKeyDeletion)
    expect(await kms.cancelKeyDeletion({ KeyId })).toMatchObject({ KeyId: arn });
    const cancelled = (await kms.describeKey({ KeyId })).KeyMetadata!;
    expect(cancelled).toMatchObject({ KeyState: 'Disabled', Enabled: false });
    expect(cancelled).not.toHaveProperty('DeletionDate');

    // default window: 30 days
    const again = await kms.scheduleKeyDeletion({ KeyId });
    expect(again.PendingWindowInDays).toBe(30);
    expect(again.DeletionDate).toEqual(new Date(T0.getTime() + 30 * DAY));

    clock.advance(30 * DAY - 1);
    expect((await kms.describeKey({ KeyId })).KeyMetadata!.KeyState).toBe('PendingDeletion');
    clock.advance(1);
    // gone everywhere: by id, by ARN, by alias; not listed; its alias went with it
    await expectKmsError(kms.describeKey({ KeyId }), 'NotFoundException', `Key '${arn}' does not exist`);
    await expectKmsError(kms.describeKey({ KeyId: arn }), 'NotFoundException', `Key '${arn}' does not exist`);
    await expectKmsError(kms.describeKey({ KeyId: 'alias/webhooks' }), 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/webhooks is not found.');
    expect((await kms.listKeys()).Keys).toEqual([]);
    expect((await kms.listAliases()).Aliases).toEqual([]);
    // the alias name is free again
    const { KeyMetadata: next } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await kms.createAlias({ AliasName: 'alias/webhooks', TargetKeyId: next!.KeyId });
  });

  it('a deleted key is gone for every caller and every derived instance', async () => {
    const { kms, clock } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await kms.scheduleKeyDeletion({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 });
    const user = kms.as('arn:aws:iam::111122223333:user/Alice');
    clock.advance(7 * DAY);
    await expectKmsError(user.describeKey({ KeyId: KeyMetadata!.Arn }), 'NotFoundException', `Key '${KeyMetadata!.Arn}' does not exist`);
  });

  it('UpdateKeyDescription, and Description "" by default', async () => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(KeyMetadata!.Description).toBe('');
    await kms.updateKeyDescription({ KeyId: KeyMetadata!.KeyId, Description: 'new' });
    expect((await kms.describeKey({ KeyId: KeyMetadata!.KeyId })).KeyMetadata!.Description).toBe('new');
    await kms.updateKeyDescription({ KeyId: KeyMetadata!.KeyId, Description: '' }); // min length 0
    expect((await kms.describeKey({ KeyId: KeyMetadata!.KeyId })).KeyMetadata!.Description).toBe('');
  });

  it('GetKeyRotationStatus answers false for HMAC keys; rotation itself is unsupported', async () => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(await kms.getKeyRotationStatus({ KeyId: KeyMetadata!.KeyId })).toMatchObject({ KeyRotationEnabled: false, KeyId: KeyMetadata!.Arn });
    await expectKmsError(kms.enableKeyRotation({ KeyId: KeyMetadata!.KeyId }), 'UnsupportedOperationException', '');
  });
});

describe('aliases', () => {
  it('UpdateAlias moves an alias to another HMAC key (another spec is fine), ListAliases filters by key', async () => {
    const { kms, clock } = testKms();
    const a = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    const b = (await kms.createKey({ KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    await kms.createAlias({ AliasName: 'alias/current', TargetKeyId: a.Arn! });
    await kms.createAlias({ AliasName: 'alias/other', TargetKeyId: a.KeyId });
    clock.advance(1000);
    await kms.updateAlias({ AliasName: 'alias/current', TargetKeyId: b.KeyId });
    const { Aliases } = await kms.listAliases();
    expect(Aliases).toEqual([
      { AliasName: 'alias/current', AliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/current', TargetKeyId: b.KeyId, CreationDate: T0, LastUpdatedDate: new Date(T0.getTime() + 1000) },
      { AliasName: 'alias/other', AliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/other', TargetKeyId: a.KeyId, CreationDate: T0, LastUpdatedDate: T0 },
    ]);
    expect((await kms.listAliases({ KeyId: a.Arn })).Aliases!.map((x) => x.AliasName)).toEqual(['alias/other']);
    expect((await kms.describeKey({ KeyId: 'alias/current' })).KeyMetadata!.KeyId).toBe(b.KeyId);
    // an alias of a key pending deletion may be moved away from it (DG key-state fn 10)
    await kms.scheduleKeyDeletion({ KeyId: a.KeyId });
    await kms.updateAlias({ AliasName: 'alias/other', TargetKeyId: b.KeyId });
    await kms.deleteAlias({ AliasName: 'alias/other' });
    await expectKmsError(kms.describeKey({ KeyId: 'alias/other' }), 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/other is not found.');
  });

  it('aliases are per account and Region; names are case-sensitive', async () => {
    const { kms } = testKms();
    const k = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    await kms.createAlias({ AliasName: 'alias/Name', TargetKeyId: k.KeyId });
    await kms.createAlias({ AliasName: 'alias/name', TargetKeyId: k.KeyId });
    const west = kms.inRegion('us-west-2');
    const w = (await west.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    await west.createAlias({ AliasName: 'alias/Name', TargetKeyId: w.KeyId });
    expect((await west.describeKey({ KeyId: 'alias/Name' })).KeyMetadata!.KeyId).toBe(w.KeyId);
    expect((await kms.describeKey({ KeyId: 'alias/Name' })).KeyMetadata!.KeyId).toBe(k.KeyId);
  });

  it('50 aliases per key (adjustable quota), then LimitExceededException', async () => {
    const { kms } = testKms();
    const k = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    for (let i = 0; i < 50; i++) await kms.createAlias({ AliasName: `alias/a${i}`, TargetKeyId: k.KeyId });
    // real text: scylladb/scylla-cluster-tests#7611
    await expectKmsError(kms.createAlias({ AliasName: 'alias/a50', TargetKeyId: k.KeyId }), 'LimitExceededException',
      'Aliases per key quota for this account in this region is 50, current usage is 50.');
    const other = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    await kms.createAlias({ AliasName: 'alias/b', TargetKeyId: other.KeyId });
    await expectKmsError(kms.updateAlias({ AliasName: 'alias/b', TargetKeyId: k.KeyId }), 'LimitExceededException',
      'Aliases per key quota for this account in this region is 50, current usage is 50.');
    expect((await kms.listAliases({ KeyId: k.KeyId, Limit: 100 })).Aliases).toHaveLength(50);
  });
});

describe('tags', () => {
  it('50 tags per key; untagging unknown keys is silent', async () => {
    const { kms } = testKms();
    const k = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Tags: [{ TagKey: 't0', TagValue: '' }] })).KeyMetadata!;
    await kms.tagResource({ KeyId: k.KeyId, Tags: Array.from({ length: 49 }, (_, i) => ({ TagKey: `t${i + 1}`, TagValue: 'v' })) });
    // replacing a value does not count as a new tag
    await kms.tagResource({ KeyId: k.KeyId, Tags: [{ TagKey: 't0', TagValue: 'now set' }] });
    await expectKmsError(kms.tagResource({ KeyId: k.KeyId, Tags: [{ TagKey: 't50', TagValue: 'v' }] }), 'TagException', 'Too many tags');
    await kms.untagResource({ KeyId: k.KeyId, TagKeys: ['nope', 't49'] });
    await kms.tagResource({ KeyId: k.KeyId, Tags: [{ TagKey: 't50', TagValue: 'v' }] });
    const page1 = await kms.listResourceTags({ KeyId: k.KeyId, Limit: 20 });
    expect(page1.Tags![0]).toEqual({ TagKey: 't0', TagValue: 'now set' });
    expect(page1.Truncated).toBe(true);
    const page2 = await kms.listResourceTags({ KeyId: k.KeyId, Limit: 20, Marker: page1.NextMarker });
    const page3 = await kms.listResourceTags({ KeyId: k.KeyId, Limit: 20, Marker: page2.NextMarker });
    expect(page3.Truncated).toBe(false);
    expect(page3).not.toHaveProperty('NextMarker');
    expect([...page1.Tags!, ...page2.Tags!, ...page3.Tags!]).toHaveLength(50);
  });
});

describe('listing and pagination', () => {
  it('ListKeys pages in creation order with opaque markers; keys of other Regions and accounts are not listed', async () => {
    const { kms } = testKms();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!);
    await kms.inRegion('eu-west-1').createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    await kms.as('arn:aws:iam::444455556666:root').createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const seen: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await kms.listKeys({ Limit: 3, ...(Marker ? { Marker } : {}) });
      expect(page.Keys!.length).toBeLessThanOrEqual(3);
      for (const k of page.Keys!) {
        expect(k.KeyArn).toBe(arnOf(k.KeyId!));
        seen.push(k.KeyId!);
      }
      Marker = page.NextMarker;
      expect(page.Truncated).toBe(Marker !== undefined);
    } while (Marker);
    expect(seen).toEqual(ids);
    // a key deleted between pages does not break the listing
    const first = await kms.listKeys({ Limit: 2 });
    await kms.scheduleKeyDeletion({ KeyId: ids[2]! });
    expect((await kms.listKeys({ Marker: first.NextMarker })).Keys!.map((k) => k.KeyId)).toEqual(ids.slice(2));
  });

  it('documented maxima: Limit above them is clamped (ListAliases 100)', async () => {
    const { kms } = testKms();
    const k = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    const many = testKms({ quotas: { aliasesPerKey: 200 } }).kms;
    const k2 = (await many.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    for (let i = 0; i < 120; i++) await many.createAlias({ AliasName: `alias/x${i}`, TargetKeyId: k2.KeyId });
    const page = await many.listAliases({ Limit: 1000 });
    expect(page.Aliases).toHaveLength(100);
    expect(page.Truncated).toBe(true);
    expect((await many.listAliases({ Marker: page.NextMarker })).Aliases).toHaveLength(20);
    expect((await kms.listAliases({ KeyId: k.KeyId })).Aliases).toEqual([]);
  });
});

describe('seeded keys', () => {
  it.each(['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const)('%s: the MAC equals node:crypto HMAC with the seeded material', async (spec) => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.seedKey({ KeySpec: spec, KeyMaterial: MATERIAL[spec], KeyId: IDS.k256 });
    expect(KeyMetadata).toMatchObject({ KeyId: IDS.k256, KeySpec: spec, Origin: 'AWS_KMS', KeyState: 'Enabled' });
    const alg = `HMAC_SHA_${spec.slice(5)}` as 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
    for (const size of [1, 63, 64, 65, 127, 128, 129, 4096]) {
      const message = new Uint8Array(size).map((_, i) => i * 7);
      const { Mac } = await kms.generateMac({ KeyId: IDS.k256, Message: message, MacAlgorithm: alg });
      const expected = createHmac(`sha${spec.slice(5)}`, MATERIAL[spec]).update(message).digest();
      expect(Buffer.from(Mac!).equals(expected)).toBe(true);
      await kms.verifyMac({ KeyId: IDS.k256, Message: message, MacAlgorithm: alg, Mac: new Uint8Array(expected) });
    }
  });

  it('seeded multi-Region key id, and every seedKey input error', async () => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.seedKey({ KeySpec: 'HMAC_256', KeyMaterial: MATERIAL.HMAC_256, KeyId: IDS.mrk, MultiRegion: true });
    expect(KeyMetadata).toMatchObject({ KeyId: IDS.mrk, MultiRegion: true });
    const m = MATERIAL.HMAC_256;
    const cases: [Record<string, unknown>, string, string | RegExp][] = [
      [{ KeyMaterial: m }, 'ValidationException', 'seedKey: KeySpec must be one of HMAC_224, HMAC_256, HMAC_384, HMAC_512 (got undefined)'],
      [{ KeySpec: 'SYMMETRIC_DEFAULT', KeyMaterial: m }, 'ValidationException', 'seedKey: KeySpec must be one of HMAC_224, HMAC_256, HMAC_384, HMAC_512 (got SYMMETRIC_DEFAULT)'],
      [{ KeySpec: 'HMAC_9', KeyMaterial: m }, 'ValidationException', /^1 validation error detected: Value 'HMAC_9' at 'keySpec'/],
      [{ KeySpec: 'HMAC_256' }, 'ValidationException', 'seedKey: KeyMaterial must be a Uint8Array of 32 bytes for HMAC_256 (got undefined)'],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m.subarray(1) }, 'ValidationException', 'seedKey: KeyMaterial must be a Uint8Array of 32 bytes for HMAC_256 (got 31 bytes)'],
      [{ KeySpec: 'HMAC_512', KeyMaterial: m }, 'ValidationException', 'seedKey: KeyMaterial must be a Uint8Array of 64 bytes for HMAC_512 (got 32 bytes)'],
      [{ KeySpec: 'HMAC_256', KeyMaterial: 'secret' }, 'ValidationException', 'seedKey: KeyMaterial must be a Uint8Array of 32 bytes for HMAC_256 (got string)'],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m, KeyId: 'abc' }, 'ValidationException', 'seedKey: KeyId must be a lower-case UUID (8-4-4-4-12 hex digits) (got "abc")'],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m, KeyId: IDS.mrk }, 'ValidationException', `seedKey: KeyId must be a lower-case UUID (8-4-4-4-12 hex digits) (got "${IDS.mrk}")`],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m, KeyId: IDS.k256, MultiRegion: true }, 'ValidationException',
        `seedKey: KeyId must be a lower-case 'mrk-' followed by 32 hex digits (MultiRegion: true) (got "${IDS.k256}")`],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m, KeyId: 'ABCDEF01-2345-4678-89AB-CDEF01234567' }, 'ValidationException',
        'seedKey: KeyId must be a lower-case UUID (8-4-4-4-12 hex digits) (got "ABCDEF01-2345-4678-89AB-CDEF01234567")'],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m, KeyId: IDS.mrk, MultiRegion: true }, 'AlreadyExistsException', `Key '${arnOf(IDS.mrk)}' already exists`],
      [{ KeySpec: 'HMAC_256', KeyMaterial: m, Tags: [{ TagKey: 'aws:x', TagValue: '' }] }, 'TagException', 'Tags beginning with aws: are reserved'],
    ];
    for (const [input, name, message] of cases) await expectKmsError(kms.seedKey(input as never), name, message);
    expect((await kms.listKeys()).Keys).toHaveLength(1);
  });
});
