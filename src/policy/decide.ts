/**
 * The authorization decision as KMS makes it (kms-authz.md §2): key policy, the caller's IAM identity policies and
 * grants.
 *
 * 1. An explicit Deny in the key policy or in an identity policy wins (F3); grants never deny (F4).
 * 2. A key policy statement naming the caller allows on its own (F5); one naming the caller's account delegates to
 *    IAM, so an identity policy must allow too (F1, F2). The account root needs no identity policy (F12).
 * 3. Cross-account callers need both sides (F6), and only for the operations AWS allows across accounts (F7).
 * 4. A grant for the operation is another path to Allow (F4, §5.4).
 * 5. IAM-only operations (CreateKey, ListKeys, ListAliases, ListRetirableGrants, GenerateRandom) read IAM alone (F9).
 */
import { AccessDeniedException } from '../errors.js';
import type { Caller } from '../model/principal.js';
import type { ConditionContext } from './conditions.js';
import type { CompiledPolicy, CompiledStatement, PolicyPrincipal } from './document.js';

export type DenyReason = 'EXPLICIT_DENY_RESOURCE' | 'EXPLICIT_DENY_IDENTITY' | 'NO_RESOURCE_ALLOW' | 'NO_IDENTITY_ALLOW';
export type Decision = { allowed: true; via: 'keyPolicy' | 'keyPolicy+IAM' | 'grant' | 'IAM' } | { allowed: false; reason: DenyReason };

/** F7: the only operations a principal of another account can be allowed (API "Cross-account use: Yes"). */
export const CROSS_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(
  [
    'GenerateMac', 'VerifyMac', 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
    'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'Sign', 'Verify', 'GetPublicKey', 'DeriveSharedSecret',
    'CreateGrant', 'DescribeKey', 'GetKeyRotationStatus', 'ListGrants', 'RetireGrant', 'RevokeGrant',
  ].map((op) => `kms:${op}`),
);

type Match = 'none' | 'direct' | 'account';

/** Same role: a role ARN in a policy covers its sessions; a session ARN carries no role path (F13). */
function sameRole(policyArn: string, callerRoleArn: string): boolean {
  const p = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(policyArn);
  const c = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(callerRoleArn);
  return !!p && !!c && p[1] === c[1] && p[2] === c[2];
}

function matchPrincipal(p: PolicyPrincipal, caller: Caller): Match {
  switch (p.kind) {
    case 'any':
      return 'direct';
    case 'account':
      // the account principal delegates to IAM; only the root user itself is "named" by it (F12, DG key-policy-default)
      return p.account === caller.account ? (caller.kind === 'root' ? 'direct' : 'account') : 'none';
    case 'arn':
      if (p.arn === caller.arn) return 'direct';
      return caller.roleArn && sameRole(p.arn, caller.roleArn) ? 'direct' : 'none';
    case 'service':
      return 'none'; // callers here are IAM identities, never services
  }
}

function principalMatch(s: CompiledStatement, caller: Caller): Match {
  if (s.notPrincipals) {
    // NotPrincipal: everyone not listed. The caller itself must be listed (its ARN, its role for a session, the account
    // for the root user); listing only the account exempts no one else (IAM reference_policies_elements_notprincipal)
    return s.notPrincipals.some((p) => matchPrincipal(p, caller) === 'direct') ? 'none' : 'direct';
  }
  let best: Match = 'none';
  for (const p of s.principals ?? []) {
    const m = matchPrincipal(p, caller);
    if (m === 'direct') return 'direct';
    if (m === 'account') best = 'account';
  }
  return best;
}

/** `action` is lower-cased: action names are case-insensitive. */
function actionMatches(s: CompiledStatement, action: string): boolean {
  if (s.actions) return s.actions.some((m) => m(action));
  if (s.notActions) return !s.notActions.some((m) => m(action));
  return false; // no Action and no NotAction: the statement has no effect
}

/** `resource` is the key ARN, the alias ARN, or `*` for operations without a resource. In a key policy `*` means this key. */
function resourceMatches(s: CompiledStatement, resource: string): boolean {
  if (s.resources) return s.resources.some((m) => m(resource));
  if (s.notResources) return !s.notResources.some((m) => m(resource));
  return false;
}

function conditionsMatch(s: CompiledStatement, ctx: ConditionContext): boolean {
  for (const c of s.conditions) if (!c.test(ctx)) return false;
  return true;
}

/** How a key policy statement applies to this request: not at all, to the caller directly, or to the caller's account. */
function keyStatementApplies(s: CompiledStatement, caller: Caller, actionLower: string, keyArn: string, ctx: ConditionContext): Match {
  if (!actionMatches(s, actionLower) || !resourceMatches(s, keyArn)) return 'none';
  const m = principalMatch(s, caller);
  return m !== 'none' && conditionsMatch(s, ctx) ? m : 'none';
}

const identityStatementApplies = (s: CompiledStatement, actionLower: string, resource: string, ctx: ConditionContext): boolean =>
  actionMatches(s, actionLower) && resourceMatches(s, resource) && conditionsMatch(s, ctx);

export interface IdentityEvaluation {
  explicitDeny: boolean;
  allowed: boolean;
}

/** Actions in lower case (policies match them case-insensitively), made once per action name (`kms:` + an operation). */
const lowerActions = new Map<string, string>();
function lowerAction(action: string): string {
  let lower = lowerActions.get(action);
  if (lower === undefined) {
    lower = action.toLowerCase();
    if (lowerActions.size < 1024) lowerActions.set(action, lower); // bounded whatever callers pass
  }
  return lower;
}

/** The caller's identity policies (none for the root user, who is implicitly allowed, F12). */
export function evaluateIdentity(caller: Caller, policies: Iterable<CompiledPolicy> | undefined, action: string, resource: string, ctx: ConditionContext): IdentityEvaluation {
  let allowed = caller.kind === 'root';
  if (!policies) return { explicitDeny: false, allowed };
  const actionLower = lowerAction(action);
  for (const policy of policies) {
    for (const s of policy.statements) {
      if (!identityStatementApplies(s, actionLower, resource, ctx)) continue;
      if (s.effect === 'Deny') return { explicitDeny: true, allowed: false };
      allowed = true;
    }
  }
  return { explicitDeny: false, allowed };
}

export interface KeyDecisionInput {
  caller: Caller;
  action: string;
  keyArn: string;
  keyAccount: string;
  keyPolicy: CompiledPolicy;
  identityPolicies: Iterable<CompiledPolicy> | undefined;
  /** Conditions as key policies see them (without IAM-only keys) and as identity policies see them. */
  keyPolicyContext: ConditionContext;
  identityContext: ConditionContext;
  /** Whether a grant allows the request (consulted only when the policies do not). */
  grantAllows?: () => boolean;
}

/** §2.3: the decision for an operation on a key. */
export function decideKeyAccess(d: KeyDecisionInput): Decision {
  const sameAccount = d.caller.account === d.keyAccount;
  if (!sameAccount && !CROSS_ACCOUNT_ACTIONS.has(d.action)) return { allowed: false, reason: 'NO_RESOURCE_ALLOW' };

  let direct = false;
  let delegated = false;
  const actionLower = lowerAction(d.action);
  for (const s of d.keyPolicy.statements) {
    const m = keyStatementApplies(s, d.caller, actionLower, d.keyArn, d.keyPolicyContext);
    if (m === 'none') continue;
    if (s.effect === 'Deny') return { allowed: false, reason: 'EXPLICIT_DENY_RESOURCE' };
    if (m === 'direct') direct = true;
    else delegated = true;
  }
  const identity = evaluateIdentity(d.caller, d.identityPolicies, d.action, d.keyArn, d.identityContext);
  if (identity.explicitDeny) return { allowed: false, reason: 'EXPLICIT_DENY_IDENTITY' };

  if (sameAccount) {
    if (direct) return { allowed: true, via: 'keyPolicy' };
    if (delegated && identity.allowed) return { allowed: true, via: 'keyPolicy+IAM' };
  } else if ((direct || delegated) && identity.allowed) {
    return { allowed: true, via: 'keyPolicy+IAM' };
  }
  if (d.grantAllows?.()) return { allowed: true, via: 'grant' };
  return { allowed: false, reason: direct || delegated ? 'NO_IDENTITY_ALLOW' : 'NO_RESOURCE_ALLOW' };
}

/** An IAM-only decision (F9): operations without a key, and the alias resource of alias operations. */
export function decideIdentityOnly(caller: Caller, policies: Iterable<CompiledPolicy> | undefined, action: string, resource: string, ctx: ConditionContext): Decision {
  const identity = evaluateIdentity(caller, policies, action, resource, ctx);
  if (identity.explicitDeny) return { allowed: false, reason: 'EXPLICIT_DENY_IDENTITY' };
  return identity.allowed ? { allowed: true, via: 'IAM' } : { allowed: false, reason: 'NO_IDENTITY_ALLOW' };
}

/**
 * AccessDeniedException texts (kms-authz.md §7.1, observed): `User: <caller> is not authorized to perform: <action>
 * on resource: <arn> because no resource-based policy allows the <action> action`, `... with an explicit deny in a
 * resource-based policy`, and the identity-based variants; IAM-only operations have no `on resource:` part. The
 * resource is the key ARN even when the request named an alias.
 */
export function accessDenied(callerArn: string, action: string, resource: string | undefined, reason: DenyReason): AccessDeniedException {
  const on = resource ? ` on resource: ${resource}` : '';
  const head = `User: ${callerArn} is not authorized to perform: ${action}${on}`;
  switch (reason) {
    case 'EXPLICIT_DENY_RESOURCE':
      return new AccessDeniedException(`${head} with an explicit deny in a resource-based policy`);
    case 'EXPLICIT_DENY_IDENTITY':
      return new AccessDeniedException(`${head} with an explicit deny in an identity-based policy`);
    case 'NO_IDENTITY_ALLOW':
      return new AccessDeniedException(`${head} because no identity-based policy allows the ${action} action`);
    case 'NO_RESOURCE_ALLOW':
      return new AccessDeniedException(`${head} because no resource-based policy allows the ${action} action`);
  }
}

/** The 2025 text for a key of another account that does not exist (kubernetes-sigs/aws-encryption-provider#141). */
export function accessDeniedUnknownResource(callerArn: string, action: string): AccessDeniedException {
  return new AccessDeniedException(
    `User: ${callerArn} is not authorized to perform: ${action} on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`,
  );
}
