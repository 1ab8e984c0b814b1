/**
 * Step 3 of the pipeline: who may do what. Builds the request's condition context, finds the caller's identity
 * policies and the key's grants, and turns the decision (decide.ts) into AccessDeniedException with AWS's texts.
 */
import { granteeId, type GrantRecord } from '../model/grant.js';
import type { KeyRecord } from '../model/key.js';
import type { Caller } from '../model/principal.js';
import type { World } from '../model/world.js';
import type { CallContext } from '../operations/context.js';
import { accessDenied, decideIdentityOnly, decideKeyAccess, evaluateIdentity, type Decision, type KeyDecisionInput } from './decide.js';
import type { CompiledPolicy } from './document.js';
import { conditionContext, type RequestFacts } from './request-context.js';

/** `<account>:user/<name>` / `<account>:role/<name>`: how identity policies are filed (paths and partitions aside). */
export function identityKey(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::(\d{12}):(user|role)\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? `${m[1]}:${m[2]}/${m[3]}` : undefined;
}

/** The identity policies that apply to a caller: a user's own, or the role's for a role session. */
export function identityPoliciesOf(world: World, caller: Caller): readonly CompiledPolicy[] | undefined {
  return caller.iamId === undefined ? undefined : world.identityPolicies.get(caller.iamId)?.compiled;
}

/** The facts of one call that conditions and grants read. */
export interface AuthRequest {
  readonly ctx: CallContext;
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly requestAlias?: string;
}

function facts(r: AuthRequest, key: KeyRecord | undefined): RequestFacts {
  const f: { -readonly [K in keyof RequestFacts]: RequestFacts[K] } = { caller: r.ctx.caller, operation: r.operation, region: r.ctx.region, now: r.ctx.now, input: r.input };
  if (key) f.key = key;
  if (r.requestAlias !== undefined) f.requestAlias = r.requestAlias;
  if (r.ctx.origin?.sourceIPAddress) f.sourceIp = r.ctx.origin.sourceIPAddress;
  return f;
}

const ARN_ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;

/**
 * Whether a principal named in a grant (grantee or retiring principal) is the caller: the same ARN; a role ARN
 * covers its sessions (as a role principal does in a policy, F13); an account's root ARN stands for the account,
 * whose principals it reaches through their IAM policies (kms-authz.md §5.4).
 */
export function grantPrincipalMatches(named: string | undefined, caller: Caller, iamAllows: () => boolean): boolean {
  if (named === undefined) return false;
  if (named === caller.arn) return true;
  if (caller.kind === 'assumedRole' && identityKey(named) === caller.iamId) return true; // iamId: the role, without path
  const root = ARN_ROOT.exec(named);
  if (root && root[1] === caller.account) return caller.kind === 'root' || iamAllows();
  return false;
}

export interface KeyAccessOptions {
  /** The grant operation that allows this action (default: the action's operation name). */
  readonly grantOperation?: string;
  /** A key policy to decide with instead of the key's (the lockout safety check). */
  readonly keyPolicy?: CompiledPolicy;
  /** The key's ARN when the key does not exist yet (CreateKey's lockout check). */
  readonly keyArn?: string;
  /** Operations a grant must cover beyond its own (CreateGrant through a grant: the child's operations). */
  readonly grantMustCover?: readonly string[];
}

/** The decision for `action` on `key` (§2.3), grants included. */
export function decideOnKey(r: AuthRequest, action: string, key: KeyRecord, options: KeyAccessOptions = {}): Decision {
  const { ctx } = r;
  const f = facts(r, key);
  const identityContext = conditionContext(f, false);
  const identityPolicies = identityPoliciesOf(ctx.world, ctx.caller);
  const keyArn = options.keyArn ?? key.Arn;
  const grants = options.keyPolicy ? undefined : key.grants;
  const operation = options.grantOperation ?? action.slice('kms:'.length);
  const input: KeyDecisionInput = {
    caller: ctx.caller,
    action,
    keyArn,
    keyAccount: key.AWSAccountId,
    keyPolicy: options.keyPolicy ?? key.compiledPolicy,
    identityPolicies,
    keyPolicyContext: conditionContext(f, true),
    identityContext,
  };
  if (grants) {
    input.grantAllows = () => {
      // only the grants filed under the caller's ids, for this operation (an index: issue #10.17)
      const caller = ctx.caller;
      const covering = (id: string | undefined) => (id === undefined ? undefined : grants.byGrantee.get(id)?.get(operation));
      const direct = [covering(caller.arn), caller.kind === 'assumedRole' ? covering(caller.iamId) : undefined];
      for (const set of direct) if (set) for (const g of set) if (grantCovers(g, operation, options.grantMustCover)) return true;
      // a grant to the caller's account reaches its principals through their IAM policies (kms-authz.md §5.4)
      const toAccount = covering(`root:${caller.account}`);
      if (!toAccount) return false;
      // the IAM question first, once: without it no grant to the account helps, however many there are (#10.17)
      if (caller.kind !== 'root' && !evaluateIdentity(caller, identityPolicies, action, keyArn, identityContext).allowed) return false;
      for (const g of toAccount) if (grantCovers(g, operation, options.grantMustCover)) return true;
      return false;
    };
  }
  return decideKeyAccess(input);
}

/**
 * A grant allows an operation it lists; CreateGrant through a grant may only pass on a subset of the grant's own
 * operations (DG create-grant-overview.md). A SourceArn constraint needs aws:SourceArn, which direct calls never
 * carry, so such a grant allows nothing here.
 */
function grantCovers(g: GrantRecord, operation: string, mustCover: readonly string[] | undefined): boolean {
  if (!g.Operations.includes(operation) || g.Constraints?.SourceArn !== undefined) return false;
  return !mustCover || mustCover.every((op) => g.Operations.includes(op));
}

/** Throws AccessDeniedException unless `action` on `key` is allowed. */
export function requireKeyAccess(r: AuthRequest, action: string, key: KeyRecord, options: KeyAccessOptions = {}): void {
  const d = decideOnKey(r, action, key, options);
  if (!d.allowed) throw accessDenied(r.ctx.caller.arn, action, options.keyArn ?? key.Arn, d.reason);
}

/** Throws AccessDeniedException unless the caller's IAM policies allow `action` on `resource` (`*`: no resource, no `on resource:` in the text). */
export function requireIdentityAccess(r: AuthRequest, action: string, resource: string): void {
  const { ctx } = r;
  const d = decideIdentityOnly(ctx.caller, identityPoliciesOf(ctx.world, ctx.caller), action, resource, conditionContext(facts(r, undefined), false));
  if (!d.allowed) throw accessDenied(ctx.caller.arn, action, resource === '*' ? undefined : resource, d.reason);
}

