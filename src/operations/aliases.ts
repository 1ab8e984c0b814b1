/** CreateAlias, UpdateAlias, DeleteAlias, ListAliases. */
import { AlreadyExistsException, InvalidAliasNameException, LimitExceededException, NotFoundException, ValidationException } from '../errors.js';
import { aliasArn } from '../model/identifiers.js';
import type { KeyRecord } from '../model/key.js';
import { seqFrom } from '../model/ordered.js';
import { deleteAlias, isLiveAlias, nextSeq, peekRegionState, regionState, storeAlias, type AliasRecord } from '../model/world.js';
import { requireIdentityAccess, requireKeyAccess, type AuthRequest } from '../policy/authorize.js';
import { pageSize, paginate, resolveKey, type CallContext, type OperationDef } from './context.js';

interface AliasRequest {
  AliasName: string;
  TargetKeyId: string;
}

/**
 * Service rules for a new alias name (the model already checked 1..256 and `^[a-zA-Z0-9:/_-]+$`):
 * - must start with `alias/` (recorded: test_create_alias, text verbatim);
 * - the model pattern allows `:` but the service does not (real AWS text quoted in terraform-provider-aws#12891);
 * - `alias/aws/` is reserved for AWS managed keys (DG alias-about.md); the model's InvalidAliasNameException is the
 *   plausible error (text not recorded).
 */
function checkAliasName(name: string): void {
  if (!name.startsWith('alias/')) {
    throw new ValidationException('Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
  }
  if (name.includes(':')) throw new ValidationException(`${name} contains invalid characters for an alias`);
  if (name === 'alias/') throw new ValidationException(`${name} is not a valid alias name: the name after "alias/" must not be empty`);
  if (name.startsWith('alias/aws/')) {
    throw new InvalidAliasNameException(`Alias names that begin with "alias/aws/" are reserved for AWS managed keys: ${name}`);
  }
}

function removeAlias(key: KeyRecord | undefined, name: string): void {
  const i = key ? key.aliases.indexOf(name) : -1;
  if (i >= 0) key!.aliases.splice(i, 1);
}

/**
 * Alias operations need two permissions: on the alias (an IAM policy; aliases have no policy of their own) and on the
 * key (key policy, or IAM through it). UpdateAlias needs both the current and the new key (API CreateAlias,
 * UpdateAlias, DeleteAlias "Required permissions"; kms-authz.md §2.3).
 */
function authorizeAlias(auth: AuthRequest, action: string, aliasName: string, keys: (KeyRecord | undefined)[]): void {
  const { ctx } = auth;
  requireIdentityAccess(auth, action, aliasArn(ctx.region, ctx.caller.account, aliasName));
  for (const key of keys) if (key) requireKeyAccess(auth, action, key);
}
const currentTarget = (ctx: CallContext, aliasName: string): KeyRecord | undefined => {
  const state = peekRegionState(ctx.world, ctx.caller.account, ctx.region);
  const alias = state?.aliases.get(aliasName);
  return alias && state!.keys.get(alias.TargetKeyId);
};

const aliasNotFound = (ctx: CallContext, name: string) =>
  new NotFoundException(`Alias ${aliasArn(ctx.region, ctx.caller.account, name)} is not found.`);

/**
 * "You can associate up to 50 aliases with each KMS key" (DG resource-limits, adjustable). Real text quoted in
 * scylladb/scylla-cluster-tests#7611.
 */
function checkAliasQuota(ctx: CallContext, key: KeyRecord): void {
  const max = ctx.config.quotas.aliasesPerKey;
  if (key.aliases.length >= max) {
    throw new LimitExceededException(`Aliases per key quota for this account in this region is ${max}, current usage is ${key.aliases.length}.`);
  }
}

export const aliasOperations: OperationDef[] = [
  {
    name: 'CreateAlias',
    shape: 'CreateAliasRequest',
    check: (input: AliasRequest) => checkAliasName(input.AliasName),
    key: { member: 'TargetKeyId', forms: 'key' },
    action: 'kms:CreateAlias',
    authorize: (auth, input: AliasRequest, r) => authorizeAlias(auth, 'kms:CreateAlias', input.AliasName, [r!.key]),
    states: 'manage',
    readOnly: false,
    handler: (ctx, input: AliasRequest, r) => {
      const key = r!.key;
      // the alias lives in the caller's account and Region, next to its key (no cross-account aliases)
      if (key.AWSAccountId !== ctx.caller.account) throw new NotFoundException(`Key '${key.Arn}' does not exist`);
      const state = regionState(ctx.world, ctx.caller.account, ctx.region);
      if (state.aliases.has(input.AliasName)) {
        throw new AlreadyExistsException(`An alias with the name ${aliasArn(ctx.region, ctx.caller.account, input.AliasName)} already exists`);
      }
      checkAliasQuota(ctx, key);
      const now = new Date(ctx.now.getTime());
      storeAlias(state, { AliasName: input.AliasName, TargetKeyId: key.KeyId, CreationDate: now, LastUpdatedDate: now, seq: nextSeq(ctx.world) });
      key.aliases.push(input.AliasName);
      return {};
    },
  },
  {
    name: 'UpdateAlias',
    shape: 'UpdateAliasRequest',
    key: { member: 'TargetKeyId', forms: 'key' },
    action: 'kms:UpdateAlias',
    authorize: (auth, input: AliasRequest, r) => authorizeAlias(auth, 'kms:UpdateAlias', input.AliasName, [currentTarget(auth.ctx, input.AliasName), r!.key]),
    // the new target must not be pending deletion; the current one may be (DG key-state fn 10)
    states: 'manage',
    readOnly: false,
    handler: (ctx, input: AliasRequest, r) => {
      const key = r!.key;
      const state = peekRegionState(ctx.world, ctx.caller.account, ctx.region);
      const alias = state?.aliases.get(input.AliasName);
      if (!state || !alias) throw aliasNotFound(ctx, input.AliasName);
      if (key.AWSAccountId !== ctx.caller.account) throw new NotFoundException(`Key '${key.Arn}' does not exist`);
      // All hmac-kms keys are HMAC keys with KeyUsage GENERATE_VERIFY_MAC, so the rule "same key type and key usage"
      // (API UpdateAlias) always holds; a different HMAC spec is allowed.
      if (alias.TargetKeyId === key.KeyId) return {};
      checkAliasQuota(ctx, key);
      removeAlias(state.keys.get(alias.TargetKeyId), alias.AliasName);
      alias.TargetKeyId = key.KeyId;
      alias.LastUpdatedDate = new Date(ctx.now.getTime());
      key.aliases.push(alias.AliasName);
      return {};
    },
  },
  {
    name: 'DeleteAlias',
    shape: 'DeleteAliasRequest',
    action: 'kms:DeleteAlias',
    authorize: (auth, input: { AliasName: string }) => authorizeAlias(auth, 'kms:DeleteAlias', input.AliasName, [currentTarget(auth.ctx, input.AliasName)]),
    readOnly: false,
    // works whatever the state of the alias's key (DG key-state: DeleteAlias ✓ everywhere)
    handler: (ctx, input: { AliasName: string }) => {
      const state = peekRegionState(ctx.world, ctx.caller.account, ctx.region);
      const alias = state?.aliases.get(input.AliasName);
      if (!state || !alias) throw aliasNotFound(ctx, input.AliasName);
      deleteAlias(state, input.AliasName);
      removeAlias(state.keys.get(alias.TargetKeyId), input.AliasName);
      return {};
    },
  },
  {
    name: 'ListAliases',
    shape: 'ListAliasesRequest',
    action: 'kms:ListAliases',
    authorize: 'identity', // IAM only, with or without KeyId (F9)
    readOnly: true,
    // KeyId filter: key id or key ARN of the caller's own account (API ListAliases); Limit documented 1..100, default 50
    handler: (ctx, input: { KeyId?: string; Limit?: number; Marker?: string }) => {
      let target: string | undefined;
      if (input.KeyId !== undefined) {
        const { key } = resolveKey(ctx, input.KeyId, 'key', 'kms:ListAliases');
        if (key.AWSAccountId !== ctx.caller.account) throw new NotFoundException(`Key '${key.Arn}' does not exist`);
        target = key.KeyId;
      }
      const state = peekRegionState(ctx.world, ctx.caller.account, ctx.region);
      const from = (seq: number): Iterable<AliasRecord> => {
        if (!state) return [];
        // a key's aliases are at most the alias quota: look them up instead of walking every alias
        if (target !== undefined) return state.keys.get(target)!.aliases.map((n) => state.aliases.get(n)!).filter((a) => a.seq >= seq).sort((a, b) => a.seq - b.seq);
        return seqFrom(state.aliasOrder, seq, isLiveAlias(state));
      };
      const { page, NextMarker, Truncated } = paginate('ListAliases', from, (a: AliasRecord) => a.seq, input.Marker, pageSize(input.Limit, 50, 100));
      return {
        Aliases: page.map((a) => ({
          AliasName: a.AliasName,
          AliasArn: aliasArn(ctx.region, ctx.caller.account, a.AliasName),
          TargetKeyId: a.TargetKeyId,
          CreationDate: new Date(a.CreationDate.getTime()),
          LastUpdatedDate: new Date(a.LastUpdatedDate.getTime()),
        })),
        ...(NextMarker ? { NextMarker } : {}),
        Truncated,
      };
    },
  },
];
