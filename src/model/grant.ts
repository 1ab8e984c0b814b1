/**
 * Grants (DG grants.md; kms-authz.md §5): a grant lets a grantee principal perform some operations with one key. It
 * only ever allows; it never denies. Ids are 64 lower-case hex digits (as in the API examples); tokens are opaque
 * base64url strings that hmac-kms remembers, so a token it never issued is recognisably invalid.
 */
import type { GrantListEntry } from './kms-types.generated.js';

export interface GrantRecord {
  readonly GrantId: string;
  /** The key ARN. */
  readonly KeyId: string;
  readonly Name?: string;
  readonly createdMs: number;
  readonly GranteePrincipal?: string;
  readonly RetiringPrincipal?: string;
  readonly GranteeServicePrincipal?: string;
  readonly RetiringServicePrincipal?: string;
  /** `arn:aws:iam::<account>:root` of the account that created the grant. */
  readonly IssuingAccount: string;
  readonly Operations: readonly string[];
  readonly Constraints?: { readonly SourceArn?: string };
  /** Identity of the request that made it, for CreateGrant's idempotency by Name. */
  readonly fingerprint: string;
  readonly seq: number;
}

/** Where a token points: the grant's key and id. */
export interface GrantTokenTarget {
  readonly keyArn: string;
  readonly grantId: string;
}

export const GRANT_ID = /^[0-9a-f]{64}$/;
export const GRANT_TOKEN_PREFIX = 'AQpA'; // the prefix of the tokens in the API examples

/** HMAC keys support only these grant operations (DG grants.md "Grant operations", hmac.md). */
export const HMAC_GRANT_OPERATIONS: readonly string[] = ['GenerateMac', 'VerifyMac', 'DescribeKey', 'CreateGrant', 'RetireGrant'];

export function toGrantListEntry(g: GrantRecord): GrantListEntry {
  const e: GrantListEntry = { KeyId: g.KeyId, GrantId: g.GrantId };
  if (g.Name !== undefined) e.Name = g.Name;
  e.CreationDate = new Date(g.createdMs);
  if (g.GranteePrincipal !== undefined) e.GranteePrincipal = g.GranteePrincipal;
  if (g.RetiringPrincipal !== undefined) e.RetiringPrincipal = g.RetiringPrincipal;
  e.IssuingAccount = g.IssuingAccount;
  e.Operations = [...g.Operations] as GrantListEntry['Operations'];
  if (g.Constraints) e.Constraints = { ...g.Constraints };
  if (g.GranteeServicePrincipal !== undefined) e.GranteeServicePrincipal = g.GranteeServicePrincipal;
  if (g.RetiringServicePrincipal !== undefined) e.RetiringServicePrincipal = g.RetiringServicePrincipal;
  return e;
}
