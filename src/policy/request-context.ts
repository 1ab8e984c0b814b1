/**
 * The condition keys of a request, each present exactly when AWS makes it present (kms-authz.md §4: the SAR action
 * table, DG conditions-kms.md, IAM reference_policies_condition-keys.md). Values are computed on demand: a policy
 * without conditions costs nothing here.
 */
import type { KeyRecord } from '../model/key.js';
import type { Caller } from '../model/principal.js';
import type { ConditionContext, ContextValue } from './conditions.js';

export interface RequestFacts {
  readonly caller: Caller;
  /** The API operation (`GenerateMac`). */
  readonly operation: string;
  /** The Region of the endpoint called. */
  readonly region: string;
  readonly now: Date;
  readonly input: Readonly<Record<string, unknown>>;
  /** The key the request acts on, when there is one. */
  readonly key?: KeyRecord;
  /** The alias name, when the request named the key by alias name or alias ARN. */
  readonly requestAlias?: string;
  readonly sourceIp?: string;
}

/** Operations whose requests carry kms:RequestAlias (DG conditions-kms.md: cryptographic operations, DescribeKey, GetPublicKey). */
const REQUEST_ALIAS_OPERATIONS = new Set([
  'GenerateMac', 'VerifyMac', 'DescribeKey', 'GetPublicKey', 'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'Sign', 'Verify', 'DeriveSharedSecret',
]);
/** kms:GrantIsForAWSResource: CreateGrant, ListGrants, RevokeGrant ("true only when an AWS service calls"). */
const GRANT_FOR_AWS_RESOURCE_OPERATIONS = new Set(['CreateGrant', 'ListGrants', 'RevokeGrant']);

const PRINCIPAL_TYPE = { root: 'Account', user: 'User', assumedRole: 'AssumedRole', federatedUser: 'FederatedUser' } as const;

interface TagLike {
  TagKey?: string;
  TagValue?: string;
}

/**
 * The request's condition keys. `forKeyPolicy` hides `aws:ResourceTag/*` and `kms:ResourceAliases`, which KMS
 * supports in IAM policies only (DG tag-authorization.md, conditions-kms.md): in a key policy they evaluate as absent.
 */
export function conditionContext(f: RequestFacts, forKeyPolicy: boolean): ConditionContext {
  const { caller, operation, input, key } = f;
  const createKey = operation === 'CreateKey';
  return (name: string): ContextValue => {
    switch (name) {
      // global keys
      case 'aws:currenttime':
        return f.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      case 'aws:epochtime':
        return String(Math.floor(f.now.getTime() / 1000));
      case 'aws:principalarn':
        return caller.roleArn ?? caller.arn; // a session's role ARN, not the session ARN
      case 'aws:principalaccount':
        return caller.account;
      case 'aws:principaltype':
        return PRINCIPAL_TYPE[caller.kind];
      case 'aws:username':
        return caller.kind === 'user' ? caller.name : undefined;
      case 'aws:securetransport':
        return 'true';
      case 'aws:requestedregion':
        return f.region;
      case 'aws:viaawsservice':
        return 'false';
      case 'aws:sourceip':
        return f.sourceIp;
      // KMS keys
      case 'kms:calleraccount':
        return key || createKey ? caller.account : undefined;
      case 'kms:keyspec':
      case 'kms:customermasterkeyspec':
        if (createKey) return (input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') as string;
        return key?.KeySpec;
      case 'kms:keyusage':
      case 'kms:customermasterkeyusage':
        if (createKey) return (input.KeyUsage ?? 'ENCRYPT_DECRYPT') as string;
        return key ? 'GENERATE_VERIFY_MAC' : undefined;
      case 'kms:keyorigin':
        if (createKey) return (input.Origin ?? 'AWS_KMS') as string;
        return key?.Origin;
      case 'kms:multiregion':
        if (createKey) return String(input.MultiRegion === true);
        return key ? String(key.multiRegion !== undefined) : undefined;
      case 'kms:multiregionkeytype':
        if (createKey) return input.MultiRegion === true ? 'PRIMARY' : undefined;
        if (!key?.multiRegion) return undefined; // present only for multi-Region keys
        return key.multiRegion.primaryRegion === key.Region ? 'PRIMARY' : 'REPLICA';
      case 'kms:resourcealiases':
        return key && !forKeyPolicy ? key.aliases : undefined;
      case 'kms:macalgorithm':
        return operation === 'GenerateMac' || operation === 'VerifyMac' ? (input.MacAlgorithm as string) : undefined;
      case 'kms:requestalias':
        return REQUEST_ALIAS_OPERATIONS.has(operation) ? f.requestAlias : undefined;
      case 'kms:bypasspolicylockoutsafetycheck':
        // absent when the parameter is omitted (DG conditions-kms.md: the Null example)
        return (createKey || operation === 'PutKeyPolicy') && input.BypassPolicyLockoutSafetyCheck !== undefined
          ? String(input.BypassPolicyLockoutSafetyCheck)
          : undefined;
      case 'kms:grantoperations':
        return operation === 'CreateGrant' ? (input.Operations as string[]) : undefined;
      case 'kms:granteeprincipal':
        return operation === 'CreateGrant' ? (input.GranteePrincipal as string | undefined) : undefined;
      case 'kms:retiringprincipal':
        return operation === 'CreateGrant' ? (input.RetiringPrincipal as string | undefined) : undefined;
      case 'kms:granteeserviceprincipal':
        return operation === 'CreateGrant' ? (input.GranteeServicePrincipal as string | undefined) : undefined;
      case 'kms:retiringserviceprincipal':
        return operation === 'CreateGrant' ? (input.RetiringServicePrincipal as string | undefined) : undefined;
      case 'kms:grantisforawsresource':
        return GRANT_FOR_AWS_RESOURCE_OPERATIONS.has(operation) ? 'false' : undefined; // direct calls, never via a service
      case 'kms:grantconstraintsourcearn':
        return operation === 'CreateGrant' ? ((input.Constraints as { SourceArn?: string } | undefined)?.SourceArn) : undefined;
      case 'kms:schedulekeydeletionpendingwindowindays':
        return operation === 'ScheduleKeyDeletion' ? String(input.PendingWindowInDays ?? 30) : undefined;
      case 'kms:replicaregion':
        return operation === 'ReplicateKey' ? (input.ReplicaRegion as string) : undefined;
      case 'kms:primaryregion':
        return operation === 'UpdatePrimaryRegion' ? (input.PrimaryRegion as string) : undefined;
      case 'aws:tagkeys': {
        if (operation === 'UntagResource') return input.TagKeys as string[];
        const tags = requestTags(operation, input);
        return tags ? tags.map((t) => t.TagKey!) : undefined;
      }
    }
    if (name.startsWith('aws:requesttag/')) {
      const tag = requestTags(operation, input)?.find((t) => t.TagKey!.toLowerCase() === name.slice('aws:requesttag/'.length));
      return tag?.TagValue;
    }
    if (name.startsWith('aws:resourcetag/')) {
      if (!key || forKeyPolicy) return undefined;
      return key.tags.find((t) => t.TagKey.toLowerCase() === name.slice('aws:resourcetag/'.length))?.TagValue;
    }
    return undefined;
  };
}

function requestTags(operation: string, input: Readonly<Record<string, unknown>>): TagLike[] | undefined {
  if (operation === 'CreateKey' || operation === 'TagResource' || operation === 'ReplicateKey') return input.Tags as TagLike[] | undefined;
  return undefined;
}
