/**
 * Regions and partitions. Partition patterns from botocore `partitions.json` (Region regexes); the Region name
 * pattern is the model's `RegionType` (`^([a-z]+-){2,3}\d+$`).
 */

const PARTITIONS: readonly (readonly [partition: string, pattern: RegExp])[] = [
  ['aws-cn', /^cn-\w+-\d+$/],
  ['aws-us-gov', /^us-gov-\w+-\d+$/],
  ['aws-iso', /^us-iso-\w+-\d+$/],
  ['aws-iso-b', /^us-isob-\w+-\d+$/],
  ['aws-iso-e', /^eu-isoe-\w+-\d+$/],
  ['aws-iso-f', /^us-isof-\w+-\d+$/],
  ['aws-eusc', /^eusc-de-\w+-\d+$/],
];

/** The ARN partition of a Region: `aws-cn` for China, `aws-us-gov` for GovCloud, ..., `aws` otherwise. */
export function partitionOf(region: string): string {
  for (const [partition, pattern] of PARTITIONS) if (pattern.test(region)) return partition;
  return 'aws';
}

const REGION_PATTERN = /^([a-z]+-){2,3}\d+$/;
export const isRegionName = (value: unknown): value is string => typeof value === 'string' && REGION_PATTERN.test(value);

/**
 * Regions where KMS does not offer HMAC keys. This is the list of the KMS Developer Guide (hmac.md) from July to
 * October 2022, which the project's seed follows; AWS has since enabled HMAC keys in more Regions (the guide's last
 * archived version, 2023-02, excludes only China). Override it with the `hmacUnsupportedRegions` option.
 */
export const DEFAULT_HMAC_UNSUPPORTED_REGIONS: readonly string[] = Object.freeze([
  'af-south-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'us-gov-west-1',
]);

/**
 * Regions without HMAC keys today: "HMAC KMS keys are supported in all Regions that AWS KMS supports except China"
 * (the guide's last archived version, 2023-02, and since). `hmacRegions: 'all'` / `--hmac-regions all`.
 */
export const CURRENT_HMAC_UNSUPPORTED_REGIONS: readonly string[] = Object.freeze(['cn-north-1', 'cn-northwest-1']);

const ACCOUNT_PATTERN = /^\d{12}$/;
export const isAccountId = (value: unknown): value is string => typeof value === 'string' && ACCOUNT_PATTERN.test(value);
