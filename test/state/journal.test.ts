// The record of changes as a durable store sees it (issue #9 review): a store that cannot write stops the world (every
// later call refused: the memory holds what storage does not), whether it fails at once (a Durable Object's SQL
// throws) or later (an fdatasync); and request ids start from a new prefix whenever a store is attached (the counter
// is saved with snapshots only, so after a crash it would hand out ids again).
import { describe, expect, it } from 'vitest';
import { attachJournal, HmacKms, isStopped, type ChangeRecord } from '../../src/index.js';

const stopped = { name: 'KMSInternalException', message: expect.stringMatching(/^hmac-kms has stopped: a change could not be made durable/) };
const create = (kms: HmacKms) => kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });

describe('a durable store that fails', () => {
  for (const how of ['at once (throws)', 'later (rejects)'] as const) {
    it(`fails ${how}: that call is refused, then every call, reads included, and identity policies`, async () => {
      const kms = new HmacKms();
      const written: ChangeRecord[] = [];
      attachJournal(kms, {
        append: (record) => {
          if (written.length === 1) {
            if (how === 'at once (throws)') throw new Error('SQLITE_FULL');
            return Promise.reject(new Error('EIO'));
          }
          written.push(record);
          return Promise.resolve();
        },
        pending: () => undefined,
      });
      const { KeyMetadata } = await create(kms);
      expect(isStopped(kms)).toBe(false);
      await expect(create(kms)).rejects.toMatchObject(stopped);
      expect(isStopped(kms)).toBe(true);
      await expect(kms.describeKey({ KeyId: KeyMetadata!.KeyId! })).rejects.toMatchObject(stopped);
      await expect(kms.listKeys()).rejects.toMatchObject(stopped);
      expect(() => kms.deleteIdentityPolicy('arn:aws:iam::111122223333:user/U', 'p')).toThrow(/^hmac-kms has stopped/);
      expect(written).toHaveLength(1);
    });
  }

  it('without a store nothing stops (no journal, nothing to fail)', async () => {
    const kms = new HmacKms();
    await create(kms);
    expect(isStopped(kms)).toBe(false);
  });
});

describe('request ids after a store is attached', () => {
  it('come from a new prefix: a restored counter cannot hand out an id again', async () => {
    const kms = new HmacKms();
    const before = (await kms.listKeys()).$metadata.requestId!;
    attachJournal(kms, { append: () => Promise.resolve(), pending: () => undefined });
    const after = (await kms.listKeys()).$metadata.requestId!;
    expect(after.slice(0, 24)).not.toBe(before.slice(0, 24));
    expect(after).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
