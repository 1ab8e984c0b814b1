// GenerateMac/VerifyMac parse their requests with a shortcut for the common well-formed request (issue #13.4); every
// request must come out exactly as the model walk (validateInput) makes it: the same object, members in the same
// order, or the same error name and message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateInput } from '../../src/model/validate.js';
import { parseMacRequest } from '../../src/operations/mac.js';
import { propertyOptions } from '../helpers/property.js';

type Outcome = { ok: true; value: Record<string, unknown>; order: string[] } | { ok: false; name: string; message: string };

function outcome(run: () => Record<string, unknown>): Outcome {
  try {
    const value = run();
    return { ok: true, value, order: Object.keys(value) };
  } catch (e) {
    const err = e as Error;
    return { ok: false, name: err.name, message: err.message };
  }
}

const bytes = (n: number) => new Uint8Array(n).fill(7);

// every value tried for each member: around every limit, and of every wrong type
const WRONG = [undefined, null, 0, 1.5, true, 'text', '', [], {}, [1], new Date(0)];
const blobs = (max: number) => [bytes(1), bytes(32), bytes(max), bytes(max + 1), new Uint8Array(0), Buffer.from('abc'), 'a string message'];
const VALUES: Record<string, unknown[]> = {
  Message: [...blobs(4096), ...WRONG],
  KeyId: ['1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/x', 'a'.repeat(2048), 'a'.repeat(2049), '😀'.repeat(1024), '😀'.repeat(1025), ...WRONG],
  MacAlgorithm: ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512', 'HMAC_SHA_1', 'hmac_sha_256', ...WRONG],
  Mac: [...blobs(6144), ...WRONG],
  GrantTokens: [[], ['t'], ['t', null], Array.from({ length: 11 }, () => 't'), ...WRONG],
  DryRun: [true, false, 'true', ...WRONG],
  Extra: ['ignored', undefined],
};
const valid = (withMac: boolean): Record<string, unknown> =>
  withMac ? { Message: bytes(32), KeyId: 'k', MacAlgorithm: 'HMAC_SHA_256', Mac: bytes(32) } : { Message: bytes(32), KeyId: 'k', MacAlgorithm: 'HMAC_SHA_256' };
const members = (withMac: boolean) => Object.keys(VALUES).filter((m) => withMac || m !== 'Mac');

/** A well-formed request with one to three members replaced (or removed) by values of the table. */
const request = (withMac: boolean) =>
  fc
    .uniqueArray(fc.constantFrom(...members(withMac)), { minLength: 1, maxLength: 3 })
    .chain((names) => fc.tuple(...names.map((m) => fc.constantFrom(...VALUES[m]!).map((v) => [m, v] as const))))
    .map((changes) => {
      const r = valid(withMac);
      for (const [m, v] of changes) {
        if (v === undefined) delete r[m];
        else r[m] = v;
      }
      return r;
    });

describe('GenerateMac/VerifyMac request parsing: the shortcut gives what the model walk gives', () => {
  for (const [operation, withMac] of [['GenerateMac', false], ['VerifyMac', true]] as const) {
    const shape = `${operation}Request`;
    it(`${operation}: each member set to each value of the table, the others well-formed`, () => {
      for (const m of members(withMac)) {
        for (const v of VALUES[m]!) {
          const raw = { ...valid(withMac), [m]: v };
          expect(outcome(() => parseMacRequest(raw, withMac)), `${m}: ${String(v).slice(0, 40)}`).toStrictEqual(outcome(() => validateInput(shape, raw)));
        }
      }
    });

    it(`${operation}: several members changed at once (fast-check)`, () => {
      fc.assert(
        fc.property(request(withMac), (raw) => {
          expect(outcome(() => parseMacRequest(raw, withMac))).toStrictEqual(outcome(() => validateInput(shape, raw)));
        }),
        propertyOptions(400),
      );
    });

    it(`${operation}: requests that are not plain objects`, () => {
      class Request {
        Message = bytes(1);
        KeyId = 'k';
        MacAlgorithm = 'HMAC_SHA_256';
        Mac = bytes(1);
      }
      for (const raw of [undefined, null, 'x', 1, [], bytes(1), new Request(), Object.create(null)]) {
        expect(outcome(() => parseMacRequest(raw, withMac))).toStrictEqual(outcome(() => validateInput(shape, raw)));
      }
    });
  }

  it('takes the shortcut for a well-formed request (the same members, in model order, not the caller object)', () => {
    const raw = { DryRun: false, MacAlgorithm: 'HMAC_SHA_256', KeyId: 'k', Message: bytes(4), Extra: 1 };
    const parsed = parseMacRequest(raw, false);
    expect(parsed).not.toBe(raw);
    expect(Object.keys(parsed)).toEqual(['Message', 'KeyId', 'MacAlgorithm', 'DryRun']);
  });
});
