/** CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant (DG grants.md; kms-authz.md §5). */
import { randomBytes, toHex } from '../crypto/random.js';
import { InvalidGrantIdException, InvalidGrantTokenException, LimitExceededException, NotFoundException, ValidationException } from '../errors.js';
import {
  GRANT_ID, grantFingerprint, HMAC_GRANT_OPERATIONS, isLiveGrant, removeGrant, retirableIn, retiringPrincipalId, retiringServiceId, storeGrant, granteeListId, toGrantListEntry, type GrantRecord,
} from '../model/grant.js';
import { accountRootArn } from '../model/identifiers.js';
import type { KeyRecord } from '../model/key.js';
import { seqFrom } from '../model/ordered.js';
import { parseCaller } from '../model/principal.js';
import { nextSeq, peekRegionState } from '../model/world.js';
import { accessDenied, evaluateIdentity } from '../policy/decide.js';
import { grantPrincipalMatches, identityPoliciesOf, requireIdentityAccess, requireKeyAccess, type AuthRequest } from '../policy/authorize.js';
import { conditionContext } from '../policy/request-context.js';
import { grantOfToken, INVALID_GRANT_TOKEN, issueGrantToken, TOKEN_KEY_BYTES, TOKEN_NONCE_BYTES, tokenKeyFrom } from './grant-tokens.js';
import { fromList, pageSize, paginate, resolveKey, type CallContext, type OperationDef, type ResolvedKey } from './context.js';

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
  const count = key.grants?.byId.size ?? 0;
  const max = ctx.config.quotas.grantsPerKey;
  // only a request identical to the one that made a grant is idempotent; a reused Name with other parameters makes a
  // new grant and counts against the quota (issue #10.5)
  if (count >= max && !findIdentical(key, input, issuerOf(ctx))) {
    // the same form as the recorded alias quota text
    throw new LimitExceededException(`Grants per key quota for this account in this region is ${max}, current usage is ${count}.`);
  }
}

const fingerprint = (key: KeyRecord, input: CreateGrantRequest, issuer: string): string =>
  grantFingerprint(key.Arn, issuer, { ...input, ...(input.Constraints?.SourceArn !== undefined ? { SourceArn: input.Constraints.SourceArn } : {}) });

const issuerOf = (ctx: CallContext) => accountRootArn(ctx.region, ctx.caller.account);

/** The grant an identical named request made before, if any (an index lookup). */
function findIdentical(key: KeyRecord, input: CreateGrantRequest, issuer: string): GrantRecord | undefined {
  if (input.Name === undefined || !key.grants) return undefined;
  return key.grants.byFingerprint.get(fingerprint(key, input, issuer));
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
    const grant = grantOfToken(ctx.world, input.GrantToken);
    if (!grant) throw new InvalidGrantTokenException(INVALID_GRANT_TOKEN);
    if (input.GrantId !== undefined && input.GrantId !== grant.GrantId) throw new InvalidGrantIdException('The request was rejected because the specified GrantId is not valid.');
    const key = keyByArn(ctx, grant.KeyId);
    if (!key || key.grants?.byId.get(grant.GrantId) !== grant) throw grantNotFound(grant.GrantId, grant.KeyId);
    return { key, grant };
  }
  if (input.KeyId === undefined || input.GrantId === undefined) {
    throw new ValidationException('RetireGrant needs either GrantToken, or KeyId and GrantId.');
  }
  checkGrantId(input.GrantId);
  const { key } = resolveKey(ctx, input.KeyId, 'key', action);
  const grant = key.grants?.byId.get(input.GrantId);
  if (!grant) throw grantNotFound(input.GrantId, key.Arn);
  return { key, grant };
}

interface ListRetirableGrantsRequest {
  RetiringPrincipal?: string;
  RetiringServicePrincipal?: string;
  Limit?: number;
  Marker?: string;
}

/**
 * ListRetirableGrants (API): "You must specify a principal in your Amazon Web Services account", and "The authorized
 * resource in ListRetirableGrants calls is the retiring principal specified in the request": the caller's IAM
 * policies decide, for kms:ListRetirableGrants on that principal's ARN (an account id stands for its root). A
 * principal of another account is refused as a resource no policy of this account can open ("no resource-based
 * policy allows"); a RetiringServicePrincipal "is only usable by callers in a service principal", which the callers
 * here never are (issue #10.2; texts unrecorded, README Deviations).
 */
function authorizeListRetirable(auth: AuthRequest, input: ListRetirableGrantsRequest): void {
  const { caller } = auth.ctx;
  const action = 'kms:ListRetirableGrants';
  if (input.RetiringServicePrincipal !== undefined) throw accessDenied(caller.arn, action, input.RetiringServicePrincipal, 'NO_RESOURCE_ALLOW');
  const principal = parseCaller(input.RetiringPrincipal!, auth.ctx.region)!;
  const resource = /^\d{12}$/.test(input.RetiringPrincipal!) ? principal.arn : input.RetiringPrincipal!;
  if (principal.account !== caller.account) throw accessDenied(caller.arn, action, resource, 'NO_RESOURCE_ALLOW');
  requireIdentityAccess(auth, action, resource);
}

/**
 * Who may retire a grant (API RetireGrant; kms-authz.md §5.6): its retiring principal; its grantee when it includes
 * RetireGrant; the root of the account that created it; and principals of that account (or of the retiring account)
 * whose IAM policies allow kms:RetireGrant. kms:RetireGrant in a key policy has no effect; an
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
  // "the Amazon Web Services account in which the grant is created" (API RetireGrant), not the key's owner, who
  // revokes instead (issue #10.19)
  const issuing = grant.IssuingAccount.split(':')[4];
  const delegating = caller.account === issuing;
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
      const world = ctx.world;
      const issuer = issuerOf(ctx);
      const existing = findIdentical(key, input, issuer);
      // every random draw before the first change: a throwing `random` leaves nothing half-made (issue #10.10)
      const GrantId = existing ? existing.GrantId : toHex(randomBytes(ctx.random, 32));
      const tokenKey = world.tokenKey ?? tokenKeyFrom(randomBytes(ctx.random, TOKEN_KEY_BYTES));
      const nonce = randomBytes(ctx.random, TOKEN_NONCE_BYTES);
      if (!existing && world.grants.has(GrantId)) throw new Error('random() repeated a 32-byte grant id: the random source is not random');
      world.tokenKey = tokenKey;
      if (existing) return { GrantToken: issueGrantToken(tokenKey, existing.GrantId, nonce), GrantId }; // same id, a new token
      const grant: GrantRecord = {
        GrantId,
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
        seq: nextSeq(world),
      };
      storeGrant(world, key, grant);
      return { GrantToken: issueGrantToken(tokenKey, GrantId, nonce), GrantId };
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
      const grants = r!.key.grants;
      const wanted = (g: GrantRecord) =>
        (input.GranteePrincipal === undefined || g.GranteePrincipal === input.GranteePrincipal) &&
        (input.GranteeServicePrincipal === undefined || g.GranteeServicePrincipal === input.GranteeServicePrincipal);
      const live = (x: GrantRecord) => grants!.byId.get(x.GrantId) === x;
      let from: (seq: number) => Iterable<GrantRecord>;
      if (!grants) from = () => [];
      else if (input.GrantId !== undefined) {
        const g = grants.byId.get(input.GrantId);
        from = fromList(g && wanted(g) ? [g] : [], (x) => x.seq);
      } else {
        // a grantee filter reads that grantee's grants only (an index: issue #10.17), the others every grant
        const gid = granteeListId(input);
        const list = gid === undefined ? grants.order : grants.byGranteeAsWritten.get(gid);
        from = function* (seq) {
          if (list) for (const g of seqFrom(list, seq, live)) if (wanted(g)) yield g;
        };
      }
      const { page, NextMarker, Truncated } = paginate('ListGrants', from, (g) => g.seq, input.Marker, pageSize(input.Limit, 50, 100));
      return { Grants: page.map(toGrantListEntry), ...(NextMarker ? { NextMarker } : {}), Truncated };
    },
  },
  {
    name: 'ListRetirableGrants',
    shape: 'ListRetirableGrantsRequest',
    check: (input: ListRetirableGrantsRequest) => {
      if (input.RetiringPrincipal === undefined && input.RetiringServicePrincipal === undefined) {
        throw v1("Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null"); // required until the 2026-05 model
      }
      if (input.RetiringPrincipal !== undefined && input.RetiringServicePrincipal !== undefined) {
        throw new ValidationException('You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.');
      }
      if (input.RetiringPrincipal !== undefined && !parseCaller(input.RetiringPrincipal)) {
        throw new ValidationException(`RetiringPrincipal ${input.RetiringPrincipal} is not a valid principal: name an account root, IAM user, IAM role, assumed-role session or federated user ARN.`);
      }
    },
    action: 'kms:ListRetirableGrants',
    authorize: authorizeListRetirable,
    readOnly: true,
    // grants of every account's keys in this Region whose retiring principal is the one given (API ListRetirableGrants)
    handler: (ctx, input: ListRetirableGrantsRequest) => {
      const id = input.RetiringPrincipal !== undefined ? retiringPrincipalId(input.RetiringPrincipal) : retiringServiceId(input.RetiringServicePrincipal!);
      // the grants on this Region's keys only, from an index per Region (issue #10.17)
      const list = ctx.world.retirable.get(retirableIn(id, ctx.region));
      const from = function* (seq: number) {
        if (list) yield* seqFrom(list, seq, isLiveGrant(ctx.world));
      };
      const { page, NextMarker, Truncated } = paginate('ListRetirableGrants', from, (g) => g.seq, input.Marker, pageSize(input.Limit, 50, 100));
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
      removeGrant(ctx.world, key, grant);
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
      if (!key.grants?.byId.has(input.GrantId)) throw grantNotFound(input.GrantId, key.Arn);
    },
    handler: (ctx, input: { GrantId: string }, r: ResolvedKey | undefined) => {
      removeGrant(ctx.world, r!.key, r!.key.grants!.byId.get(input.GrantId)!);
      return {};
    },
  },
];
