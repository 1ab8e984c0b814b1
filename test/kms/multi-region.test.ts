// Multi-Region HMAC keys: replicas share id, spec and material (a MAC from one Region verifies in another), and
// keep their own state, policy, aliases, tags and grants.
import { describe, expect, it } from 'vitest';
import { arnOf, bytes, DAY, expectKmsError, IDS, MATERIAL, T0, testKms } from '../helpers/kms.js';

const message = bytes('cross-region payload');

async function world() {
  const t = testKms();
  const { KeyMetadata } = await t.kms.seedKey({ KeySpec: 'HMAC_384', KeyMaterial: MATERIAL.HMAC_384, KeyId: IDS.mrk, MultiRegion: true, Description: 'primary' });
  return { ...t, primary: KeyMetadata! };
}

describe('multi-Region keys', () => {
  it('ReplicateKey: same id, a MAC made in one Region verifies in the other', async () => {
    const { kms, primary } = await world();
    const west = kms.inRegion('us-west-2');
    const r = await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-west-2', Tags: [{ TagKey: 'r', TagValue: 'west' }] });
    // recorded (test_replicate_key): the response shows the replica Creating, with its policy and tags
    expect(r.ReplicaKeyMetadata).toMatchObject({
      KeyId: IDS.mrk, Arn: arnOf(IDS.mrk, 'us-west-2'), KeyState: 'Creating', Enabled: false, Description: '', MultiRegion: true, KeySpec: 'HMAC_384',
      MultiRegionConfiguration: { MultiRegionKeyType: 'REPLICA', PrimaryKey: { Arn: primary.Arn, Region: 'us-east-1' }, ReplicaKeys: [{ Arn: arnOf(IDS.mrk, 'us-west-2'), Region: 'us-west-2' }] },
    });
    expect(r.ReplicaPolicy).toContain('"Id" : "key-default-1"');
    expect(r.ReplicaTags).toEqual([{ TagKey: 'r', TagValue: 'west' }]);

    const { Mac } = await kms.generateMac({ KeyId: IDS.mrk, Message: message, MacAlgorithm: 'HMAC_SHA_384' });
    const verified = await west.verifyMac({ KeyId: IDS.mrk, Message: message, MacAlgorithm: 'HMAC_SHA_384', Mac });
    expect(verified.KeyId).toBe(arnOf(IDS.mrk, 'us-west-2'));
    expect((await west.generateMac({ KeyId: IDS.mrk, Message: message, MacAlgorithm: 'HMAC_SHA_384' })).Mac).toEqual(Mac);
    // the primary lists its replica
    expect((await kms.describeKey({ KeyId: IDS.mrk })).KeyMetadata!.MultiRegionConfiguration).toEqual({
      MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: primary.Arn, Region: 'us-east-1' }, ReplicaKeys: [{ Arn: arnOf(IDS.mrk, 'us-west-2'), Region: 'us-west-2' }],
    });
  });

  it('replicas keep their own state, aliases and tags', async () => {
    const { kms } = await world();
    const west = kms.inRegion('us-west-2');
    await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-west-2' });
    await west.disableKey({ KeyId: IDS.mrk });
    await kms.generateMac({ KeyId: IDS.mrk, Message: message, MacAlgorithm: 'HMAC_SHA_384' });
    await expectKmsError(west.generateMac({ KeyId: IDS.mrk, Message: message, MacAlgorithm: 'HMAC_SHA_384' }), 'DisabledException', `${arnOf(IDS.mrk, 'us-west-2')} is disabled.`);
    await west.createAlias({ AliasName: 'alias/west-only', TargetKeyId: IDS.mrk });
    await expectKmsError(kms.describeKey({ KeyId: 'alias/west-only' }), 'NotFoundException', 'Alias arn:aws:kms:us-east-1:111122223333:alias/west-only is not found.');
    expect((await kms.listResourceTags({ KeyId: IDS.mrk })).Tags).toEqual([]);
  });

  it('refusals: a replica is not a primary (recorded), a single-Region key, an existing Region, another partition', async () => {
    const { kms } = await world();
    await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'eu-west-1' });
    await expectKmsError(kms.inRegion('eu-west-1').replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'ap-southeast-1' }), 'UnsupportedOperationException',
      `${arnOf(IDS.mrk, 'eu-west-1')} is not a multi-region primary key.`);
    await expectKmsError(kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'eu-west-1' }), 'AlreadyExistsException', `Key '${arnOf(IDS.mrk, 'eu-west-1')}' already exists`);
    await expectKmsError(kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-east-1' }), 'AlreadyExistsException', `Key '${arnOf(IDS.mrk)}' already exists`);
    await expectKmsError(kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'cn-north-2' }), 'ValidationException', 'cn-north-2 is not in the same partition as us-east-1: multi-Region keys cannot cross partitions.');
    await expectKmsError(kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'eu-central-1' }), 'UnsupportedOperationException',
      'KeySpec HMAC_384 is not supported in this Region (eu-central-1): HMAC KMS keys are not available in eu-central-1.');
    await expectKmsError(kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'mars' }), 'ValidationException',
      "1 validation error detected: Value 'mars' at 'replicaRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$");
    const single = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    await expectKmsError(kms.replicateKey({ KeyId: single.KeyId, ReplicaRegion: 'us-west-2' }), 'UnsupportedOperationException', `${single.Arn} is not a multi-region key.`);
  });

  it('UpdatePrimaryRegion swaps primary and replica', async () => {
    const { kms } = await world();
    const west = kms.inRegion('us-west-2');
    await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-west-2' });
    await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'eu-west-1' });
    await kms.updatePrimaryRegion({ KeyId: IDS.mrk, PrimaryRegion: 'us-west-2' });
    const cfg = (await west.describeKey({ KeyId: IDS.mrk })).KeyMetadata!.MultiRegionConfiguration!;
    expect(cfg.MultiRegionKeyType).toBe('PRIMARY');
    expect(cfg.PrimaryKey).toEqual({ Arn: arnOf(IDS.mrk, 'us-west-2'), Region: 'us-west-2' });
    expect(cfg.ReplicaKeys!.map((k) => k.Region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    expect((await kms.describeKey({ KeyId: IDS.mrk })).KeyMetadata!.MultiRegionConfiguration!.MultiRegionKeyType).toBe('REPLICA');
    await expectKmsError(kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'ap-south-1' }), 'UnsupportedOperationException', `${arnOf(IDS.mrk)} is not a multi-region primary key.`);
    await expectKmsError(west.updatePrimaryRegion({ KeyId: IDS.mrk, PrimaryRegion: 'ap-south-1' }), 'NotFoundException', `Key '${arnOf(IDS.mrk, 'ap-south-1')}' does not exist`);
  });

  it('deleting a primary waits for its replicas (PendingReplicaDeletion), then its own window', async () => {
    const { kms, clock } = await world();
    const west = kms.inRegion('us-west-2');
    await kms.replicateKey({ KeyId: IDS.mrk, ReplicaRegion: 'us-west-2' });
    const scheduled = await kms.scheduleKeyDeletion({ KeyId: IDS.mrk, PendingWindowInDays: 10 });
    expect(scheduled).toEqual({ KeyId: arnOf(IDS.mrk), KeyState: 'PendingReplicaDeletion', PendingWindowInDays: 10, $metadata: expect.anything() });
    expect((await kms.describeKey({ KeyId: IDS.mrk })).KeyMetadata).toMatchObject({ KeyState: 'PendingReplicaDeletion', PendingDeletionWindowInDays: 10 });
    await expectKmsError(kms.generateMac({ KeyId: IDS.mrk, Message: message, MacAlgorithm: 'HMAC_SHA_384' }), 'KMSInvalidStateException', `${arnOf(IDS.mrk)} is pending replica deletion.`);
    await west.scheduleKeyDeletion({ KeyId: IDS.mrk, PendingWindowInDays: 7 });
    clock.advance(7 * DAY);
    await expectKmsError(west.describeKey({ KeyId: IDS.mrk }), 'NotFoundException', `Key '${arnOf(IDS.mrk, 'us-west-2')}' does not exist`);
    const primary = (await kms.describeKey({ KeyId: IDS.mrk })).KeyMetadata!;
    expect(primary).toMatchObject({ KeyState: 'PendingDeletion', DeletionDate: new Date(T0.getTime() + 17 * DAY) });
    expect(primary.MultiRegionConfiguration!.ReplicaKeys).toEqual([]);
    clock.advance(10 * DAY);
    await expectKmsError(kms.describeKey({ KeyId: IDS.mrk }), 'NotFoundException', `Key '${arnOf(IDS.mrk)}' does not exist`);
  });
});
