/** Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, and the rules CreateKey shares. */
import { LimitExceededException, MalformedPolicyDocumentException, ValidationException } from '../errors.js';
import type { KeyRecord } from '../model/key.js';
import { compilePolicyOnce, MAX_KEY_POLICY_BYTES, policyBytes, type CompiledPolicy } from '../policy/document.js';
import { decideOnKey, type AuthRequest } from '../policy/authorize.js';
import type { OperationDef } from './context.js';

/** "The only valid value is default" (API GetKeyPolicy/PutKeyPolicy PolicyName); the error for others is not recorded. */
function checkPolicyName(input: { PolicyName?: string }): void {
  if (input.PolicyName !== undefined && input.PolicyName !== 'default') {
    throw new ValidationException(`PolicyName ${input.PolicyName} is not valid: the only valid policy name is default.`);
  }
}

/**
 * A key policy document about to be stored: within the 32 KB quota (LimitExceededException, API CreateKey/PutKeyPolicy
 * Policy) and well formed (MalformedPolicyDocumentException).
 */
export function checkKeyPolicyDocument(text: string): CompiledPolicy {
  const bytes = policyBytes(text);
  if (bytes > MAX_KEY_POLICY_BYTES) {
    throw new LimitExceededException(`The key policy is ${bytes} bytes; the quota for key policy document size is ${MAX_KEY_POLICY_BYTES} bytes.`);
  }
  return compilePolicyOnce(text, 'key');
}

/**
 * The lockout safety check (API CreateKey/PutKeyPolicy: "the key policy must allow the principal that is making the
 * request to make a subsequent PutKeyPolicy request"): a full decision for kms:PutKeyPolicy by the same caller
 * against the new policy, key policy and IAM alike, with BypassPolicyLockoutSafetyCheck absent (kms-authz.md §1.3).
 * Observed text.
 */
export function lockoutCheck(auth: AuthRequest, key: KeyRecord, policy: CompiledPolicy, keyArn = key.Arn): void {
  const { BypassPolicyLockoutSafetyCheck: _, ...input } = auth.input;
  const d = decideOnKey({ ...auth, operation: 'PutKeyPolicy', input }, 'kms:PutKeyPolicy', key, { keyPolicy: policy, keyArn });
  if (!d.allowed) throw new MalformedPolicyDocumentException('The new key policy will not allow you to update the key policy in the future.');
}

interface PutKeyPolicyRequest {
  KeyId: string;
  PolicyName?: string;
  Policy: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}

export const policyOperations: OperationDef[] = [
  {
    name: 'GetKeyPolicy',
    shape: 'GetKeyPolicyRequest',
    check: checkPolicyName,
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:GetKeyPolicy',
    states: 'any',
    readOnly: true,
    handler: (_ctx, _input, r) => ({ Policy: r!.key.policy, PolicyName: 'default' }),
  },
  {
    name: 'PutKeyPolicy',
    shape: 'PutKeyPolicyRequest',
    check: (input: PutKeyPolicyRequest) => {
      checkPolicyName(input);
      checkKeyPolicyDocument(input.Policy);
    },
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:PutKeyPolicy',
    states: 'any',
    readOnly: false,
    usage: (key, input: PutKeyPolicyRequest, ctx) => {
      if (input.BypassPolicyLockoutSafetyCheck !== true) lockoutCheck({ ctx, operation: 'PutKeyPolicy', input: input as never }, key, checkKeyPolicyDocument(input.Policy));
    },
    handler: (_ctx, input: PutKeyPolicyRequest, r) => {
      r!.key.policy = input.Policy; // stored verbatim: GetKeyPolicy returns the caller's text
      r!.key.compiledPolicy = checkKeyPolicyDocument(input.Policy);
      return {};
    },
  },
  {
    name: 'ListKeyPolicies',
    shape: 'ListKeyPoliciesRequest',
    key: { member: 'KeyId', forms: 'key' },
    action: 'kms:ListKeyPolicies',
    states: 'any',
    readOnly: true,
    // a key has exactly one policy, named default (API ListKeyPolicies)
    handler: () => ({ PolicyNames: ['default'], Truncated: false }),
  },
];
