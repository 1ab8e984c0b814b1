/**
 * KMS identifiers: key ids, key ARNs, alias names and alias ARNs (KMS Developer Guide, concepts.md#key-id).
 *
 * - key id: a UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`), or `mrk-` + 32 hex digits for a multi-Region key;
 * - key ARN: `arn:<partition>:kms:<region>:<account>:key/<key-id>`;
 * - alias name: `alias/<name>`; alias ARN: `arn:<partition>:kms:<region>:<account>:alias/<name>`.
 */
import { partitionOf } from './regions.js';

export type KeyIdentifier =
  | { kind: 'keyId'; keyId: string }
  | { kind: 'keyArn'; keyId: string; region: string; account: string }
  | { kind: 'aliasName'; aliasName: string }
  | { kind: 'aliasArn'; aliasName: string; region: string; account: string }
  | { kind: 'malformed' };

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MRK_ID = /^mrk-[0-9a-fA-F]{32}$/;
const KMS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export const isKeyId = (value: string): boolean => UUID.test(value) || MRK_ID.test(value);
export const isMultiRegionKeyId = (value: string): boolean => MRK_ID.test(value);

/** Classifies an identifier as the caller wrote it. A key id or alias name is relative to the caller's account and Region. */
export function parseKeyIdentifier(value: string): KeyIdentifier {
  if (isKeyId(value)) return { kind: 'keyId', keyId: value };
  if (value.startsWith('alias/')) return { kind: 'aliasName', aliasName: value };
  const arn = KMS_ARN.exec(value);
  if (arn) {
    const [, , region, account, type, rest] = arn as unknown as [string, string, string, string, string, string];
    if (type === 'key') return isKeyId(rest) ? { kind: 'keyArn', keyId: rest, region, account } : { kind: 'malformed' };
    return { kind: 'aliasArn', aliasName: `alias/${rest}`, region, account };
  }
  return { kind: 'malformed' };
}

export const keyArn = (region: string, account: string, keyId: string): string =>
  `arn:${partitionOf(region)}:kms:${region}:${account}:key/${keyId}`;

/** `alias/ExampleAlias` in us-west-2 -> `arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias` (the `alias/` prefix is the resource type). */
export const aliasArn = (region: string, account: string, aliasName: string): string =>
  `arn:${partitionOf(region)}:kms:${region}:${account}:${aliasName}`;

export const accountRootArn = (region: string, account: string): string => `arn:${partitionOf(region)}:iam::${account}:root`;
