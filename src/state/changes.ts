/**
 * The record of changes a durable store keeps between snapshots (a command log): each successful mutating call,
 * each purge of keys whose deletion came due, each identity policy set or removed — with what it needs to be done
 * again exactly on the state before it: the validated input, the caller, the Region, the time and the random bytes
 * the call drew. Replaying the records after a snapshot rebuilds the world they lead to; `lsn` numbers them, and a
 * snapshot says up to which one it includes.
 *
 * Records hold secrets (the random bytes of a new key are its material; SeedKey's input is material): a store keeps
 * them only sealed (`sealChange`), each bound to its store and position so that none can be moved, dropped from the
 * middle or replayed elsewhere.
 */
import { fromBase64, toBase64 } from '../crypto/base64.js';
import { stateKeys } from '../crypto/seal.js';
import { StateError } from './snapshot.js';

export type ChangeRecord =
  | {
      lsn: number;
      kind: 'call';
      operation: string;
      /** The validated input, bytes as `{ "$bytes": base64 }`. */
      input: unknown;
      caller: string;
      region: string;
      nowMs: number;
      /** Every random draw of the call, base64, in order. */
      draws: string[];
    }
  | { lsn: number; kind: 'purge'; nowMs: number }
  | { lsn: number; kind: 'putIdentityPolicy'; principal: string; name: string; document: string }
  | { lsn: number; kind: 'deleteIdentityPolicy'; principal: string; name: string };

/** A store of changes, attached to a world: told of each change once it is applied in memory. */
export interface Journal {
  /** Resolves once the change is durable; the answer to the call that made it waits for that. */
  append(record: ChangeRecord): Promise<void>;
  /** Resolves once every change appended so far is durable; undefined when none is waiting. */
  pending(): Promise<void> | undefined;
}

/** JSON for a validated input: Uint8Array as `{ "$bytes": base64 }` (the only non-JSON value an input holds). */
export function encodeInput(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: toBase64(value) };
  if (Array.isArray(value)) return value.map(encodeInput);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeInput(v);
    return out;
  }
  return value;
}

export function decodeInput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeInput);
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (typeof o.$bytes === 'string' && Object.keys(o).length === 1) return fromBase64(o.$bytes);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = decodeInput(v);
    return out;
  }
  return value;
}

const aad = (storeId: string, lsn: number) => `hmac-kms change v1 ${storeId} ${lsn}`;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A change sealed for storage, bound to the store (`storeId`) and its position. */
export function sealChange(wrappingKey: Uint8Array, storeId: string, record: ChangeRecord): string {
  return stateKeys(wrappingKey).seal(utf8.encode(JSON.stringify(record)), aad(storeId, record.lsn));
}

/**
 * The change sealed at position `lsn` of a store; undefined when it does not open there (altered, cut short, or
 * another store's or position's).
 */
export function openChange(wrappingKey: Uint8Array, storeId: string, lsn: number, sealed: string): ChangeRecord | undefined {
  const bytes = stateKeys(wrappingKey).open(sealed, aad(storeId, lsn));
  if (!bytes) return undefined;
  let record: ChangeRecord;
  try {
    record = JSON.parse(text.decode(bytes)) as ChangeRecord;
  } catch {
    throw new StateError('TAMPERED', `change ${lsn} opens but is not a change record`);
  }
  if (record.lsn !== lsn) throw new StateError('TAMPERED', `change ${lsn} is out of place`);
  return record;
}
