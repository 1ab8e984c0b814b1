/** CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant (DG grants.md; kms-authz.md §5). */
import { toBase64 } from '../crypto/base64.js';
import { randomBytes, toHex } from '../crypto/random.js';
import { InvalidGrantIdException, InvalidGrantTokenException, LimitExceededException, NotFoundException, ValidationException } from '../errors.js';
import { GRANT_ID, GRANT_TOKEN_PREFIX, HMAC_GRANT_OPERATIONS, toGrantListEntry, type GrantRecord } from '../model/grant.js';
import { accountRootArn } from '../model/identifiers.js';
import type { KeyRecord } from '../model/key.js';
import { parseCaller } from '../model/principal.js';
import { nextSeq, peekRegionState } from '../model/world.js';
import { accessDenied, evaluateIdentity } from '../policy/decide.js';
import { grantPrincipalMatches, identityPoliciesOf, INVALID_GRANT_TOKEN, requireKeyAccess, type AuthRequest } from '../policy/authorize.js';
import { conditionContext } from '../policy/request-context.js';
import { pageSize, paginate, resolveKey, type CallContext, type OperationDef, type ResolvedKey } from './context.js';

interface CreateGrantRequest {
  KeyId: string;
  GranteePrincipal?: string;
  RetiringPrincipal?: string;
  GranteeServicePrincipal?: string;
  RetiringServicePrincipal?: string;
  Operations: string[];
  Constraints?: { EncryptionContextSubset?: object; EncryptionContextEquals?: object; SourceArn?: string };
  GrantTokens?: string[];
  Name?: string;
  DryRun?: boolean;
}

const v1 = (detail: string) => new ValidationException(`1 validation error detected: ${detail}`);

/** Rules of CreateGrant's input that do not depend on the key. */
function checkCreateGrant(input: CreateGrantRequest): void {
  // until the 2026-05 model GranteePrincipal was required; now exactly one of the two grantee members (API CreateGrant)
  if (input.GranteePrincipal === undefined && input.GranteeServicePrincipal === undefined) {
    throw v1("Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null");
  }
  if (input.GranteePrincipal !== undefined && input.GranteeServicePrincipal !== undefined) {
    throw new ValidationException('You can specify either GranteePrincipal or GranteeServicePrincipal, but not both.');
  }
  if (input.RetiringPrincipal !== undefined && input.RetiringServicePrincipal !== undefined) {
    throw new ValidationException('You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.');
  }
  if (input.GranteeServicePrincipal !== undefined && (input.Constraints?.SourceArn === undefined || (input.RetiringPrincipal ?? input.RetiringServicePrincipal) === undefined)) {
    throw new ValidationException('A grant for a GranteeServicePrincipal requires a SourceArn grant constraint and a retiring principal.');
  }
  if (input.Operations.length === 0) {
    throw v1("Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  // observed text: ansible/ansible#31960
  if (input.Operations.every((op) => op === 'CreateGrant')) throw new ValidationException('Grants must not contain only the CreateGrant operation.');
  for (const [member, value] of [['GranteePrincipal', input.GranteePrincipal], ['RetiringPrincipal', input.RetiringPrincipal]] as const) {
    // an AWS principal: account root, IAM user, role, assumed-role session, federated user (not groups or services)
    if (value !== undefined && !parseCaller(value)) throw new ValidationException(`${member} ${value} is not a valid principal: name an account root, IAM user, IAM role, assumed-role session or federated user ARN.`);
  }
}

/** Rules that depend on the key: only the operations an HMAC key supports, no encryption context constraints. */
function checkGrantForKey(key: KeyRecord, input: CreateGrantRequest, ctx: CallContext): void {
  const unsupported = input.Operations.filter((op) => !HMAC_GRANT_OPERATIONS.includes(op));
  if (unsupported.length) {
    // "ValidationError" per the API (CreateGrant Operations); the text is not recorded
    throw new ValidationException(
      `Grant operations ${unsupported.join(', ')} are not valid for ${key.Arn}: a KMS key with KeyUsage GENERATE_VERIFY_MAC supports only GenerateMac, VerifyMac, DescribeKey, CreateGrant and RetireGrant.`,
    );
  }
  if (input.Constraints?.EncryptionContextSubset !== undefined || input.Constraints?.EncryptionContextEquals !== undefined) {
    // "You cannot use an encryption context grant constraint ... with asymmetric KMS keys or HMAC KMS keys" (API)
    throw new ValidationException('Encryption context grant constraints are not supported for HMAC KMS keys.');
  }
  const count = key.grants?.size ?? 0;
  const max = ctx.config.quotas.grantsPerKey;
  if (count >= max && !findByName(key, input)) {
    // the same form as the recorded alias quota text
    throw new LimitExceededException(`Grants per key quota for this account in this region is ${max}, current usage is ${count}.`);
  }
}

/** The identity of a CreateGrant request for idempotency: "identical parameters" with the same Name (API CreateGrant Name). */
function fingerprint(key: KeyRecord, input: CreateGrantRequest, issuer: string): string {
  return JSON.stringify([key.Arn, issuer, input.Name, input.GranteePrincipal, input.RetiringPrincipal, input.GranteeServicePrincipal, input.RetiringServicePrincipal,
    [...input.Operations].sort(), input.Constraints?.SourceArn ?? null]);
}

function findByName(key: KeyRecord, input: CreateGrantRequest, issuer?: string): GrantRecord | undefined {
  if (input.Name === undefined || !key.grants) return undefined;
  for (const g of key.grants.values()) if (g.Name === input.Name && (issuer === undefined || g.fingerprint === fingerprint(key, input, issuer))) return g;
  return undefined;
}

function issueToken(ctx: CallContext, grant: GrantRecord): string {
  const token = GRANT_TOKEN_PREFIX + toBase64(randomBytes(ctx.random, 96)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  ctx.world.grantTokens.set(token, { keyArn: grant.KeyId, grantId: grant.GrantId });
  return token;
}

/** Finds a key by ARN anywhere in the world (tokens and grants name keys by ARN). */
function keyByArn(ctx: CallContext, arn: string): KeyRecord | undefined {
  const m = /^arn:[^:]+:kms:([^:]+):(\d{12}):key\/(.+)$/.exec(arn);
  return m ? peekRegionState(ctx.world, m[2]!, m[1]!)?.keys.get(m[3]!) : undefined;
}

/** The model's texts (API InvalidGrantIdException); unknown but well-formed ids are NotFoundException. */
function checkGrantId(id: string): void {
  if (!GRANT_ID.test(id)) throw new InvalidGrantIdException('The request was rejected because the specified GrantId is not valid.');
}
const grantNotFound = (id: string, keyArn: string) => new NotFoundException(`Grant ID ${id} not found for key ${keyArn}`);

interface RetireGrantRequest {
  GrantToken?: string;
  KeyId?: string;
  GrantId?: string;
  DryRun?: boolean;
}

/** The grant a RetireGrant names: by token, or by key ARN and grant id (API RetireGrant). */
function grantToRetire(ctx: CallContext, input: RetireGrantRequest, action: string): { key: KeyRecord; grant: GrantRecord } {
  if (input.GrantToken !== undefined) {
    const target = ctx.world.grantTokens.get(input.GrantToken);
    if (!target) throw new InvalidGrantTokenException(INVALID_GRANT_TOKEN);
    if (input.GrantId !== undefined && input.GrantId !== target.grantId) throw new InvalidGrantIdException('The request was rejected because the specified GrantId is not valid.');
    const key = keyByArn(ctx, target.keyArn);
    const grant = key?.grants?.get(target.grantId);
    if (!key || !grant) throw grantNotFound(target.grantId, target.keyArn);
    return { key, grant };
  }
  if (input.KeyId === undefined || input.GrantId === undefined) {
    throw new ValidationException('RetireGrant needs either GrantToken, or KeyId and GrantId.');
  }
  checkGrantId(input.GrantId);
  const { key } = resolveKey(ctx, input.KeyId, 'key', action);
  const grant = key.grants?.get(input.GrantId);
  if (!grant) throw grantNotFound(input.GrantId, key.Arn);
  return { key, grant };
}

/**
 * Who may retire a grant (API RetireGrant; kms-authz.md §5.6): its retiring principal; its grantee when it includes
 * RetireGrant; the root of the account that created it (or owns the key); and principals of those accounts (or of
 * the retiring account) whose IAM policies allow kms:RetireGrant. kms:RetireGrant in a key policy has no effect; an
 * explicit IAM Deny stops every path.
 */
function authorizeRetire(auth: AuthRequest, key: KeyRecord, grant: GrantRecord): void {
  const { ctx } = auth;
  const caller = ctx.caller;
  const action = 'kms:RetireGrant';
  const identity = evaluateIdentity(caller, identityPoliciesOf(ctx.world, caller), action, key.Arn, conditionContext({ caller, operation: 'RetireGrant', region: ctx.region, now: ctx.now, input: auth.input, key }, false));
  if (identity.explicitDeny) throw accessDenied(caller.arn, action, key.Arn, 'EXPLICIT_DENY_IDENTITY');
  const iamAllows = () => identity.allowed;
  if (grantPrincipalMatches(grant.RetiringPrincipal, caller, iamAllows)) return;
  if (grant.Operations.includes('RetireGrant') && grantPrincipalMatches(grant.GranteePrincipal, caller, iamAllows)) return;
  const issuing = grant.IssuingAccount.split(':')[4];
  const delegating = caller.account === issuing || caller.account === key.AWSAccountId;
  if (delegating && (caller.kind === 'root' || identity.allowed)) return;
  throw accessDenied(caller.arn, action, key.Arn, delegating ? 'NO_IDENTITY_ALLOW' : 'NO_RESOURCE_ALLOW');
}

export const grantOperations: OperationDef[] = [
  {
    name: 'CreateGrant',
    shape: 'CreateGrantRequest',
    check: checkCreateGrant,
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:CreateGrant',
    // a grant that includes CreateGrant lets its grantee create grants for a subset of its operations
    authorize: (auth, input: CreateGrantRequest, r) => requireKeyAccess(auth, 'kms:CreateGrant', r!.key, { grantMustCover: input.Operations }),
    states: 'crypto',
    readOnly: false,
    usage: checkGrantForKey,
    handler: (ctx, input: CreateGrantRequest, r) => {
      const key = r!.key;
      const issuer = accountRootArn(ctx.region, ctx.caller.account);
      const existing = findByName(key, input, issuer);
      if (existing) return { GrantToken: issueToken(ctx, existing), GrantId: existing.GrantId }; // same id, a new token
      const grant: GrantRecord = {
        GrantId: toHex(randomBytes(ctx.random, 32)),
        KeyId: key.Arn,
        ...(input.Name !== undefined ? { Name: input.Name } : {}),
        createdMs: ctx.now.getTime(),
        ...(input.GranteePrincipal !== undefined ? { GranteePrincipal: input.GranteePrincipal } : {}),
        ...(input.RetiringPrincipal !== undefined ? { RetiringPrincipal: input.RetiringPrincipal } : {}),
        ...(input.GranteeServicePrincipal !== undefined ? { GranteeServicePrincipal: input.GranteeServicePrincipal } : {}),
        ...(input.RetiringServicePrincipal !== undefined ? { RetiringServicePrincipal: input.RetiringServicePrincipal } : {}),
        IssuingAccount: issuer,
        Operations: [...input.Operations],
        ...(input.Constraints?.SourceArn !== undefined ? { Constraints: { SourceArn: input.Constraints.SourceArn } } : {}),
        fingerprint: fingerprint(key, input, issuer),
        seq: nextSeq(ctx.world),
      };
      (key.grants ??= new Map()).set(grant.GrantId, grant);
      return { GrantToken: issueToken(ctx, grant), GrantId: grant.GrantId };
    },
  },
  {
    name: 'ListGrants',
    shape: 'ListGrantsRequest',
    check: (input: { GrantId?: string }) => {
      if (input.GrantId !== undefined) checkGrantId(input.GrantId);
    },
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:ListGrants',
    states: 'any',
    readOnly: true,
    // Limit: documented 1..100, default 50 (API ListGrants)
    handler: (_ctx, input: { GrantId?: string; GranteePrincipal?: string; GranteeServicePrincipal?: string; Limit?: number; Marker?: string }, r) => {
      const grants = [...(r!.key.grants?.values() ?? [])].filter(
        (g) =>
          (input.GrantId === undefined || g.GrantId === input.GrantId) &&
          (input.GranteePrincipal === undefined || g.GranteePrincipal === input.GranteePrincipal) &&
          (input.GranteeServicePrincipal === undefined || g.GranteeServicePrincipal === input.GranteeServicePrincipal),
      );
      const { page, NextMarker, Truncated } = paginate('ListGrants', grants, (g) => g.seq, input.Marker, pageSize(input.Limit, 50, 100));
      return { Grants: page.map(toGrantListEntry), ...(NextMarker ? { NextMarker } : {}), Truncated };
    },
  },
  {
    name: 'ListRetirableGrants',
    shape: 'ListRetirableGrantsRequest',
    check: (input: { RetiringPrincipal?: string; RetiringServicePrincipal?: string }) => {
      if (input.RetiringPrincipal === undefined && input.RetiringServicePrincipal === undefined) {
        throw v1("Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null"); // required until the 2026-05 model
      }
    },
    action: 'kms:ListRetirableGrants',
    readOnly: true,
    // grants of every account's keys in this Region whose retiring principal is the one given (API ListRetirableGrants)
    handler: (ctx, input: { RetiringPrincipal?: string; RetiringServicePrincipal?: string; Limit?: number; Marker?: string }) => {
      const matching: GrantRecord[] = [];
      for (const regions of ctx.world.accounts.values()) {
        for (const key of regions.get(ctx.region)?.keys.values() ?? []) {
          for (const g of key.grants?.values() ?? []) {
            if (input.RetiringPrincipal !== undefined ? g.RetiringPrincipal === input.RetiringPrincipal : g.RetiringServicePrincipal === input.RetiringServicePrincipal) matching.push(g);
          }
        }
      }
      matching.sort((a, b) => a.seq - b.seq);
      const { page, NextMarker, Truncated } = paginate('ListRetirableGrants', matching, (g) => g.seq, input.Marker, pageSize(input.Limit, 50, 100));
      return { Grants: page.map(toGrantListEntry), ...(NextMarker ? { NextMarker } : {}), Truncated };
    },
  },
  {
    name: 'RetireGrant',
    shape: 'RetireGrantRequest',
    action: 'kms:RetireGrant',
    // "Permission to retire a grant is determined primarily by the grant" (DG grant-manage.md)
    authorize: (auth, input: RetireGrantRequest) => {
      const { key, grant } = grantToRetire(auth.ctx, input, 'kms:RetireGrant');
      authorizeRetire(auth, key, grant);
    },
    readOnly: false,
    handler: (ctx, input: RetireGrantRequest) => {
      const { key, grant } = grantToRetire(ctx, input, 'kms:RetireGrant');
      key.grants!.delete(grant.GrantId);
      return {};
    },
  },
  {
    name: 'RevokeGrant',
    shape: 'RevokeGrantRequest',
    check: (input: { GrantId: string }) => checkGrantId(input.GrantId),
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:RevokeGrant',
    states: 'any',
    readOnly: false,
    usage: (key, input: { GrantId: string }) => {
      if (!key.grants?.has(input.GrantId)) throw grantNotFound(input.GrantId, key.Arn);
    },
    handler: (_ctx, input: { GrantId: string }, r: ResolvedKey | undefined) => {
      r!.key.grants!.delete(input.GrantId);
      return {};
    },
  },
];
