/**
 * Policy documents: parsed, validated and compiled once when stored, never re-parsed per call.
 *
 * Grammar: IAM User Guide reference_policies_grammar.md; KMS rules: DG key-policy-overview.md (kms-authz.md §1.1):
 * Version `2012-10-17` or `2008-10-17`; Statement an object or a non-empty list; Effect `Allow`/`Deny`; a key policy
 * statement needs Principal or NotPrincipal, an identity policy statement must not have one; Action/NotAction and
 * Resource/NotResource may be missing (the statement then has no effect); Condition `{operator: {key: values}}`.
 */
import { MalformedPolicyDocumentException } from '../errors.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import { globMatcher, type Matcher } from './glob.js';

export type PolicyKind = 'key' | 'identity';

/** A principal a key policy names, normalised. */
export type PolicyPrincipal =
  | { kind: 'any' }
  | { kind: 'account'; account: string }
  | { kind: 'arn'; arn: string }
  | { kind: 'service'; service: string };

export interface CompiledStatement {
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** Key policies: whom the statement names; `notPrincipals` for NotPrincipal. */
  readonly principals?: readonly PolicyPrincipal[];
  readonly notPrincipals?: readonly PolicyPrincipal[];
  /** Undefined when both Action and NotAction are missing: the statement has no effect (DG key-policy-overview). */
  readonly actions?: readonly Matcher[];
  readonly notActions?: readonly Matcher[];
  readonly resources?: readonly Matcher[];
  readonly notResources?: readonly Matcher[];
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  readonly statements: readonly CompiledStatement[];
}

export const malformed = (message: string) => new MalformedPolicyDocumentException(message);


const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const ACCOUNT = /^\d{12}$/;
const ROOT_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const IDENTITY_ARN = /^arn:aws[a-z-]*:(?:iam::\d{12}:(?:user|role)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+|sts::\d{12}:(?:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+|federated-user\/[\w+=,.@-]+))$/;
const SERVICE = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

const INVALID_PRINCIPALS = 'Policy contains a statement with one or more invalid principals.'; // observed, kms-authz.md §1.3
const NO_PRINCIPAL = 'Policy contains a statement with no principal.'; // observed
const NOT_PRINCIPAL_ALLOW = 'Policy contains a statement with NotPrincipal and Effect Allow: NotPrincipal must be used with Effect Deny.';

function compilePrincipals(value: unknown): PolicyPrincipal[] {
  if (value === '*') return [{ kind: 'any' }];
  if (!isObject(value) || Object.keys(value).length === 0) throw malformed(value === undefined ? NO_PRINCIPAL : INVALID_PRINCIPALS);
  const out: PolicyPrincipal[] = [];
  for (const [type, raw] of Object.entries(value)) {
    const list = asList(raw);
    if (list.length === 0) throw malformed(NO_PRINCIPAL);
    for (const p of list) {
      if (typeof p !== 'string') throw malformed(INVALID_PRINCIPALS);
      if (type === 'AWS') {
        if (p === '*') out.push({ kind: 'any' });
        else if (ACCOUNT.test(p)) out.push({ kind: 'account', account: p });
        else if (ROOT_ARN.test(p)) out.push({ kind: 'account', account: ROOT_ARN.exec(p)![1]! });
        else if (IDENTITY_ARN.test(p)) out.push({ kind: 'arn', arn: p });
        else throw malformed(INVALID_PRINCIPALS); // groups, partial wildcards and malformed ARNs are never principals
      } else if (type === 'Service') {
        if (!SERVICE.test(p)) throw malformed(INVALID_PRINCIPALS);
        out.push({ kind: 'service', service: p });
      } else if (type === 'Federated' || type === 'CanonicalUser') {
        throw malformed(INVALID_PRINCIPALS); // not principals KMS can authorize
      } else {
        throw malformed(INVALID_PRINCIPALS);
      }
    }
  }
  return out;
}

const ACTION = /^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$/;
function compileActions(value: unknown, element: string): Matcher[] {
  const list = asList(value);
  if (list.length === 0) throw malformed(`Policy statement has an empty ${element} element.`);
  return list.map((a) => {
    if (typeof a !== 'string' || !ACTION.test(a)) throw malformed(`Policy statement has an invalid ${element}: ${JSON.stringify(a)}.`);
    // action names are case-insensitive (IAM reference_policies_elements_action): compiled lower-case and matched
    // against the lower-cased action of the request
    return globMatcher(a.toLowerCase());
  });
}

function compileResources(value: unknown, element: string): Matcher[] {
  const list = asList(value);
  if (list.length === 0) throw malformed(`Policy statement has an empty ${element} element.`);
  return list.map((r) => {
    if (typeof r !== 'string' || r === '' || (r !== '*' && !r.startsWith('arn:'))) throw malformed(`Policy statement has an invalid ${element}: ${JSON.stringify(r)}.`);
    return globMatcher(r);
  });
}

const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

function compileStatement(s: unknown, kind: PolicyKind): CompiledStatement {
  if (!isObject(s)) throw malformed('Policy statement must be an object.');
  for (const key of Object.keys(s)) if (!STATEMENT_KEYS.has(key)) throw malformed(`Policy statement has an unknown element: ${key}.`);
  if (s.Sid !== undefined && typeof s.Sid !== 'string') throw malformed('Policy statement Sid must be a string.');
  // key policy Sids may contain spaces (DG key-policy-overview); IAM Sids are alphanumeric
  if (kind === 'identity' && typeof s.Sid === 'string' && !/^[a-zA-Z0-9]*$/.test(s.Sid)) throw malformed(`Statement IDs (SID) must be alpha-numeric: ${s.Sid}.`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed(`Policy statement has an invalid Effect: ${JSON.stringify(s.Effect)}.`);
  if (s.Action !== undefined && s.NotAction !== undefined) throw malformed('Policy statement cannot have both Action and NotAction.');
  if (s.Resource !== undefined && s.NotResource !== undefined) throw malformed('Policy statement cannot have both Resource and NotResource.');
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) throw malformed('Policy statement cannot have both Principal and NotPrincipal.');
  const statement: {
    -readonly [K in keyof CompiledStatement]: CompiledStatement[K];
  } = { sid: s.Sid as string | undefined, effect: s.Effect, conditions: [] };
  if (kind === 'key') {
    if (s.Principal === undefined && s.NotPrincipal === undefined) throw malformed(NO_PRINCIPAL);
    if (s.Principal !== undefined) statement.principals = compilePrincipals(s.Principal);
    else {
      // "NotPrincipal must be used with Effect Deny" (IAM reference_policies_elements_notprincipal): with Allow it would
      // allow everyone not listed, other accounts included. The text is not recorded (README, Deviations and guesses).
      if (s.Effect !== 'Deny') throw malformed(NOT_PRINCIPAL_ALLOW);
      statement.notPrincipals = compilePrincipals(s.NotPrincipal);
    }
  } else if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
    throw malformed('Policy document should not specify a principal.'); // IAM's text for identity policies
  }
  if (s.Action !== undefined) statement.actions = compileActions(s.Action, 'Action');
  if (s.NotAction !== undefined) statement.notActions = compileActions(s.NotAction, 'NotAction');
  if (s.Resource !== undefined) statement.resources = compileResources(s.Resource, 'Resource');
  if (s.NotResource !== undefined) statement.notResources = compileResources(s.NotResource, 'NotResource');
  if (s.Condition !== undefined) {
    if (!isObject(s.Condition)) throw malformed('Policy statement Condition must be an object.');
    const conditions: CompiledCondition[] = [];
    for (const [operator, block] of Object.entries(s.Condition)) {
      if (!isObject(block)) throw malformed(`Condition operator ${operator} must map condition keys to values.`);
      for (const [key, values] of Object.entries(block)) conditions.push(compileCondition(operator, key, values));
    }
    statement.conditions = conditions;
  }
  return statement;
}

/**
 * Parses and validates a policy document; throws MalformedPolicyDocumentException with the observed AWS texts
 * where known (invalid or missing principals) and plain explanations otherwise.
 */
export function compilePolicy(text: string, kind: PolicyKind): CompiledPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed('The policy document is not valid JSON.');
  }
  if (!isObject(doc)) throw malformed('The policy document must be a JSON object.');
  for (const key of Object.keys(doc)) if (!['Version', 'Id', 'Statement'].includes(key)) throw malformed(`The policy document has an unknown element: ${key}.`);
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw malformed(`The policy document has an invalid Version: ${JSON.stringify(doc.Version)}.`);
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') throw malformed('The policy document Id must be a string.');
  if (doc.Statement === undefined) throw malformed('The policy document has no Statement.');
  const statements = asList(doc.Statement);
  if (statements.length === 0) throw malformed('The policy document has no Statement.');
  return { statements: statements.map((s) => compileStatement(s, kind)) };
}

/** "Up to 32 kilobytes (32,768 bytes)" (DG key-policy-overview, resource-limits): bytes of the UTF-8 text. */
export const MAX_KEY_POLICY_BYTES = 32_768;
export const policyBytes = (text: string): number => new TextEncoder().encode(text).length;

/**
 * Compiled policies by text, for the few that are validated in one pipeline step and stored in a later one (and for
 * the default policy every key of an account shares). Bounded: the least recently used entries go first.
 */
const recent = new Map<string, CompiledPolicy>();
const RECENT_MAX = 256;
export function compilePolicyOnce(text: string, kind: PolicyKind): CompiledPolicy {
  const id = `${kind}\u0000${text}`;
  let compiled = recent.get(id);
  if (compiled) recent.delete(id);
  else compiled = compilePolicy(text, kind);
  recent.set(id, compiled);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
  return compiled;
}
