/**
 * What keys the world holds, read-only, for tools that show them (hmac-kms/node's web console): one plain row per key
 * of every account and Region, with its aliases, tags and number of grants. Never key material, MACs or grant tokens:
 * a row is built field by field from the key's public attributes.
 */
import { worldOf, type HmacKms } from '../kms.js';

/** One key as the inventory lists it. Dates in ms since the epoch. */
export interface InventoryKey {
  readonly account: string;
  readonly region: string;
  readonly keyId: string;
  readonly arn: string;
  readonly keySpec: string;
  readonly keyState: string;
  readonly description: string;
  /** For a multi-Region key, whether this one is the primary or a replica. */
  readonly multiRegion: 'PRIMARY' | 'REPLICA' | undefined;
  /** Alias names (`alias/...`) pointing at the key. */
  readonly aliases: readonly string[];
  readonly tags: readonly { readonly TagKey: string; readonly TagValue: string }[];
  /** How many grants the key has. */
  readonly grants: number;
  readonly creationDate: number;
  /** While the key waits for deletion: when it will be deleted. */
  readonly deletionDate: number | undefined;
}

export interface Inventory {
  /**
   * Changes with every change of the world (a key, alias, grant, tag or policy created, changed or deleted): equal
   * versions of one world mean equal inventories, so a caller may keep what it derived from one.
   */
  readonly version: number;
  /** Every key, by account and Region, each Region's in creation order. */
  readonly keys: readonly InventoryKey[];
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The keys of the world `kms` belongs to (every instance derived from one constructor shares it). Given `previous`,
 * an inventory of the same world, returns it as it is when nothing changed since (without walking the keys).
 */
export function inventory(kms: HmacKms, previous?: Inventory): Inventory {
  const world = worldOf(kms);
  if (previous?.version === world.lsn) return previous;
  const keys: InventoryKey[] = [];
  for (const regions of world.accounts.values()) {
    for (const state of regions.values()) {
      for (const k of state.keys.values()) {
        const group = k.multiRegion;
        keys.push({
          account: k.AWSAccountId,
          region: k.Region,
          keyId: k.KeyId,
          arn: k.Arn,
          keySpec: k.KeySpec,
          keyState: k.KeyState,
          description: k.Description,
          multiRegion: group && (group.primaryRegion === k.Region ? 'PRIMARY' : 'REPLICA'),
          aliases: k.aliases.length ? [...k.aliases] : NONE,
          tags: k.tags.length ? k.tags.map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue })) : NONE,
          grants: k.grants?.byId.size ?? 0,
          creationDate: k.createdMs,
          deletionDate: k.DeletionDate?.getTime(),
        });
      }
    }
  }
  return { version: world.lsn, keys };
}
