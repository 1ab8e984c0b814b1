/**
 * A key's detail page (issue #14): its metadata and replicas (DescribeKey), key policy (GetKeyPolicy), grants
 * (ListGrants), aliases (ListAliases) and tags (ListResourceTags), each fetched through the KMS API as the viewer —
 * the principal with credentials, the key's account's root without — so that each part shows exactly what the API
 * answers that caller, or the error it answers instead. Every field is copied by name: no grant token exists in a
 * ListGrants answer, and none could slip through.
 */
import { KmsServiceException, type HmacKms, type InventoryKey } from 'hmac-kms';

/** A part of the page: its value, or the error the API answered (name and message). */
export type Part<T> = { value: T } | { error: string; message: string };

export interface GrantView {
  GrantId: string;
  Name: string | undefined;
  CreationDate: string | undefined;
  GranteePrincipal: string | undefined;
  GranteeServicePrincipal: string | undefined;
  RetiringPrincipal: string | undefined;
  RetiringServicePrincipal: string | undefined;
  IssuingAccount: string | undefined;
  Operations: string[];
  Constraints: Record<string, unknown> | undefined;
}

export interface KeyDetail {
  arn: string;
  keyId: string;
  account: string;
  region: string;
  /** Who the calls ran as. */
  caller: string;
  metadata: Part<{
    Description: string | undefined;
    KeyState: string | undefined;
    Enabled: boolean | undefined;
    KeySpec: string | undefined;
    KeyUsage: string | undefined;
    MacAlgorithms: string[];
    Origin: string | undefined;
    KeyManager: string | undefined;
    CreationDate: string | undefined;
    DeletionDate: string | undefined;
    PendingDeletionWindowInDays: number | undefined;
    MultiRegion: boolean;
    MultiRegionKeyType: string | undefined;
    PrimaryKey: { Arn: string | undefined; Region: string | undefined } | undefined;
    ReplicaKeys: { Arn: string | undefined; Region: string | undefined }[];
  }>;
  /** The key policy, pretty-printed (as stored when it is not JSON). */
  policy: Part<string>;
  grants: Part<{ grants: GrantView[]; truncated: boolean }>;
  aliases: Part<string[]>;
  tags: Part<{ TagKey: string; TagValue: string }[]>;
}

/** Grants shown at most (a key may hold 50,000): the page says when there are more. */
export const MAX_GRANTS_SHOWN = 1000;

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Runs `call` and returns its value, or the error's name and message. */
async function part<T>(call: () => Promise<T>): Promise<Part<T>> {
  try {
    return { value: await call() };
  } catch (e) {
    if (e instanceof KmsServiceException) return { error: e.name, message: e.message };
    throw e;
  }
}

/** The detail of `key`, each part fetched as `kms`'s caller. `run` wraps each KMS call (marking it as the console's). */
export async function keyDetail(kms: HmacKms, key: InventoryKey, run: <R>(call: () => Promise<R>) => Promise<R>): Promise<KeyDetail> {
  const KeyId = key.arn;
  const metadata = await part(async () => {
    const m = (await run(() => kms.describeKey({ KeyId }))).KeyMetadata!;
    const mr = m.MultiRegionConfiguration;
    const ref = (r: { Arn?: string; Region?: string }) => ({ Arn: r.Arn, Region: r.Region });
    return {
      Description: m.Description,
      KeyState: m.KeyState,
      Enabled: m.Enabled,
      KeySpec: m.KeySpec,
      KeyUsage: m.KeyUsage,
      MacAlgorithms: strings(m.MacAlgorithms),
      Origin: m.Origin,
      KeyManager: m.KeyManager,
      CreationDate: iso(m.CreationDate),
      DeletionDate: iso(m.DeletionDate),
      PendingDeletionWindowInDays: m.PendingDeletionWindowInDays,
      MultiRegion: m.MultiRegion === true,
      MultiRegionKeyType: mr?.MultiRegionKeyType,
      PrimaryKey: mr?.PrimaryKey ? ref(mr.PrimaryKey) : undefined,
      ReplicaKeys: (mr?.ReplicaKeys ?? []).map(ref),
    };
  });
  const policy = await part(async () => {
    const text = (await run(() => kms.getKeyPolicy({ KeyId, PolicyName: 'default' }))).Policy ?? '';
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  });
  const grants = await part(async () => {
    const out: GrantView[] = [];
    let Marker: string | undefined;
    let truncated = false;
    do {
      const page = await run(() => kms.listGrants({ KeyId, Limit: 100, ...(Marker ? { Marker } : {}) }));
      for (const g of page.Grants ?? []) {
        out.push({
          GrantId: g.GrantId ?? '',
          Name: g.Name,
          CreationDate: iso(g.CreationDate),
          GranteePrincipal: g.GranteePrincipal,
          GranteeServicePrincipal: (g as { GranteeServicePrincipal?: string }).GranteeServicePrincipal,
          RetiringPrincipal: g.RetiringPrincipal,
          RetiringServicePrincipal: (g as { RetiringServicePrincipal?: string }).RetiringServicePrincipal,
          IssuingAccount: g.IssuingAccount,
          Operations: strings(g.Operations),
          Constraints: g.Constraints ? { ...g.Constraints } : undefined,
        });
      }
      Marker = page.Truncated ? page.NextMarker : undefined;
      if (Marker && out.length >= MAX_GRANTS_SHOWN) {
        truncated = true;
        Marker = undefined;
      }
    } while (Marker);
    return { grants: out, truncated };
  });
  const aliases = await part(async () => {
    const names: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await run(() => kms.listAliases({ KeyId, Limit: 100, ...(Marker ? { Marker } : {}) }));
      for (const a of page.Aliases ?? []) if (a.AliasName) names.push(a.AliasName);
      Marker = page.Truncated ? page.NextMarker : undefined;
    } while (Marker);
    return names;
  });
  const tags = await part(async () => {
    const list: { TagKey: string; TagValue: string }[] = [];
    let Marker: string | undefined;
    do {
      const page = await run(() => kms.listResourceTags({ KeyId, Limit: 50, ...(Marker ? { Marker } : {}) }));
      for (const t of page.Tags ?? []) list.push({ TagKey: t.TagKey ?? '', TagValue: t.TagValue ?? '' });
      Marker = page.Truncated ? page.NextMarker : undefined;
    } while (Marker);
    return list;
  });
  return { arn: key.arn, keyId: key.keyId, account: key.account, region: key.region, caller: kms.principal, metadata, policy, grants, aliases, tags };
}
