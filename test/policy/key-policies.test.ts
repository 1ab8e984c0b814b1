// Key policies: the default policy byte for byte, GetKeyPolicy/PutKeyPolicy/ListKeyPolicies, validation of documents
// (each refused with the state unchanged), the 32 KB quota, the lockout safety check, identity policies.
import { describe, expect, it } from 'vitest';
import { arnOf, expectKmsError, fixture, IDS, observe, testKms } from '../helpers/kms.js';

const A = '111122223333';
const ALICE = `arn:aws:iam::${A}:user/Alice`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ROOT_ALL = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' };

// API reference GetKeyPolicy example / botocore examples-1.json (to-retrieve-a-key-policy-1479170128325)
const DEFAULT_POLICY =
  '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n    "Principal" : {\n      "AWS" : "arn:aws:iam::111122223333:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}';

describe('GetKeyPolicy / ListKeyPolicies', () => {
  it('the default key policy, byte for byte, with the partition of the Region', async () => {
    const { kms } = await fixture();
    expect(await kms.getKeyPolicy({ KeyId: IDS.k256 })).toMatchObject({ Policy: DEFAULT_POLICY, PolicyName: 'default' });
    expect((await kms.getKeyPolicy({ KeyId: IDS.k256, PolicyName: 'default' })).Policy).toBe(DEFAULT_POLICY);
    const cn = testKms({ hmacUnsupportedRegions: [] }).kms.inRegion('cn-northwest-1');
    const { KeyMetadata } = await cn.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect((await cn.getKeyPolicy({ KeyId: KeyMetadata!.KeyId })).Policy).toBe(DEFAULT_POLICY.replace('arn:aws:iam::', 'arn:aws-cn:iam::'));
  });

  it('ListKeyPolicies: always ["default"]', async () => {
    const { kms } = await fixture();
    expect(await kms.listKeyPolicies({ KeyId: IDS.k256 })).toMatchObject({ PolicyNames: ['default'], Truncated: false });
  });

  it('PolicyName other than default is refused', async () => {
    const { kms } = await fixture();
    await expectKmsError(kms.getKeyPolicy({ KeyId: IDS.k256, PolicyName: 'other' }), 'ValidationException', 'PolicyName other is not valid: the only valid policy name is default.');
    await expectKmsError(kms.getKeyPolicy({ KeyId: IDS.k256, PolicyName: 'a-b' }), 'ValidationException',
      "1 validation error detected: Value 'a-b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+");
  });

  it('works in every key state, and not across accounts', async () => {
    const { kms } = await fixture();
    await kms.getKeyPolicy({ KeyId: IDS.pending });
    await kms.putKeyPolicy({ KeyId: IDS.disabled, Policy: DEFAULT_POLICY });
    const bob = kms.as('arn:aws:iam::444455556666:user/Bob');
    kms.putIdentityPolicy('arn:aws:iam::444455556666:user/Bob', 'all', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }));
    await expectKmsError(bob.getKeyPolicy({ KeyId: arnOf(IDS.k256) }), 'AccessDeniedException',
      `User: arn:aws:iam::444455556666:user/Bob is not authorized to perform: kms:GetKeyPolicy on resource: ${arnOf(IDS.k256)} because no resource-based policy allows the kms:GetKeyPolicy action`);
  });
});

describe('PutKeyPolicy', () => {
  it('stores the text verbatim and enforces it at once', async () => {
    const { kms } = await fixture();
    const text = `{"Version":"2012-10-17","Statement":[ ${JSON.stringify(ROOT_ALL)}, {"Sid":"deny macs","Effect":"Deny","Principal":"*","Action":"kms:GenerateMac","Resource":"*"} ]}`;
    await kms.putKeyPolicy({ KeyId: IDS.k256, Policy: text });
    expect((await kms.getKeyPolicy({ KeyId: IDS.k256 })).Policy).toBe(text);
    await expectKmsError(kms.generateMac({ KeyId: IDS.k256, Message: new Uint8Array([1]), MacAlgorithm: 'HMAC_SHA_256' }), 'AccessDeniedException',
      `User: arn:aws:iam::111122223333:root is not authorized to perform: kms:GenerateMac on resource: ${arnOf(IDS.k256)} with an explicit deny in a resource-based policy`);
  });

  const BAD: [label: string, policy: string, name: string, message: string][] = [
    ['not JSON', '{"Version":', 'MalformedPolicyDocumentException', 'The policy document is not valid JSON.'],
    ['a JSON array', '[]', 'MalformedPolicyDocumentException', 'The policy document must be a JSON object.'],
    ['no Statement', '{"Version":"2012-10-17"}', 'MalformedPolicyDocumentException', 'The policy document has no Statement.'],
    ['an empty Statement list', doc(), 'MalformedPolicyDocumentException', 'The policy document has no Statement.'],
    ['a bad Version', JSON.stringify({ Version: '2020-01-01', Statement: [ROOT_ALL] }), 'MalformedPolicyDocumentException', 'The policy document has an invalid Version: "2020-01-01".'],
    ['an unknown top-level element', JSON.stringify({ Statement: [ROOT_ALL], Foo: 1 }), 'MalformedPolicyDocumentException', 'The policy document has an unknown element: Foo.'],
    ['a statement without principal (observed)', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'Policy contains a statement with no principal.'],
    ['an empty principal list', doc({ Effect: 'Allow', Principal: { AWS: [] }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'Policy contains a statement with no principal.'],
    ['an IAM group as principal (observed text)', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:group/Admins` }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.'],
    ['a partial wildcard principal', doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/*` }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.'],
    ['a malformed account', doc({ Effect: 'Allow', Principal: { AWS: '1234' }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'Policy contains a statement with one or more invalid principals.'],
    ['a bad Effect', doc({ ...ROOT_ALL, Effect: 'Permit' }), 'MalformedPolicyDocumentException', 'Policy statement has an invalid Effect: "Permit".'],
    ['Action and NotAction', doc({ ...ROOT_ALL, NotAction: 'kms:Sign' }), 'MalformedPolicyDocumentException', 'Policy statement cannot have both Action and NotAction.'],
    ['a bad action', doc({ ...ROOT_ALL, Action: 'generate mac' }), 'MalformedPolicyDocumentException', 'Policy statement has an invalid Action: "generate mac".'],
    ['a bad resource', doc({ ...ROOT_ALL, Resource: 'this key' }), 'MalformedPolicyDocumentException', 'Policy statement has an invalid Resource: "this key".'],
    ['an unknown condition operator', doc({ ...ROOT_ALL, Condition: { StringEqualsish: { 'kms:CallerAccount': A } } }), 'MalformedPolicyDocumentException', 'Policy contains an invalid condition operator: StringEqualsish.'],
    ['an unknown statement element', doc({ ...ROOT_ALL, Effects: 'Allow' }), 'MalformedPolicyDocumentException', 'Policy statement has an unknown element: Effects.'],
    // issue #10.8: with Allow, NotPrincipal would allow everyone not listed, other accounts included (IAM: "use with Deny")
    ['NotPrincipal with Effect Allow', doc(ROOT_ALL, { Effect: 'Allow', NotPrincipal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'Policy contains a statement with NotPrincipal and Effect Allow: NotPrincipal must be used with Effect Deny.'],
    // issue #10.12: operators named like Object.prototype members are unknown operators, not a TypeError
    ...['constructor', 'toStringIfExists', 'ForAnyValue:valueOf', 'ForAllValues:__proto__', 'hasOwnProperty'].map(
      (op) => [`the condition operator ${op}`, doc({ ...ROOT_ALL, Condition: { [op]: { 'kms:CallerAccount': A } } }), 'MalformedPolicyDocumentException', `Policy contains an invalid condition operator: ${op}.`] as [string, string, string, string],
    ),
    ['a character outside the model pattern', doc({ ...ROOT_ALL, Sid: 'snow ☃' }), 'ValidationException', /^1 validation error detected: Value '.*' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\u0009\\u000A\\u000D\\u0020-\\u00FF\]\+$/s as unknown as string],
    ['over 32 KB', doc({ ...ROOT_ALL, Sid: 'x'.repeat(32_700) }), 'LimitExceededException', 'The key policy is 32851 bytes; the quota for key policy document size is 32768 bytes.'],
    ['one that locks the caller out (observed text)', doc({ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }), 'MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.'],
    ['one that denies the caller PutKeyPolicy', doc(ROOT_ALL, { Effect: 'Deny', Principal: '*', Action: 'kms:PutKeyPolicy', Resource: '*' }), 'MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.'],
  ];

  it.each(BAD)('refuses %s, changing nothing', async (_label, policy, name, message) => {
    const { kms } = await fixture();
    const before = await observe(kms);
    await expectKmsError(kms.putKeyPolicy({ KeyId: IDS.k256, Policy: policy }), name, message);
    expect((await kms.getKeyPolicy({ KeyId: IDS.k256 })).Policy).toBe(DEFAULT_POLICY);
    expect(await observe(kms)).toEqual(before);
    // and CreateKey refuses the same document the same way
    await expectKmsError(kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy: policy }), name, message);
    expect(await observe(kms)).toEqual(before);
  });

  it('BypassPolicyLockoutSafetyCheck lets a locking policy through (and locks the caller out)', async () => {
    const { kms } = await fixture();
    await kms.putKeyPolicy({ KeyId: IDS.k256, Policy: doc({ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'kms:*', Resource: '*' }), BypassPolicyLockoutSafetyCheck: true });
    await expectKmsError(kms.putKeyPolicy({ KeyId: IDS.k256, Policy: DEFAULT_POLICY }), 'AccessDeniedException',
      `User: arn:aws:iam::111122223333:root is not authorized to perform: kms:PutKeyPolicy on resource: ${arnOf(IDS.k256)} because no resource-based policy allows the kms:PutKeyPolicy action`);
    await kms.as(ALICE).putKeyPolicy({ KeyId: IDS.k256, Policy: DEFAULT_POLICY, BypassPolicyLockoutSafetyCheck: true });
  });

  it('the lockout check reads IAM too: delegation to the account needs an IAM allow for the caller (kms-authz.md §1.3)', async () => {
    const { kms } = await fixture();
    const alice = kms.as(ALICE);
    kms.putIdentityPolicy(ALICE, 'put', doc({ Effect: 'Allow', Action: 'kms:PutKeyPolicy', Resource: '*' }));
    await alice.putKeyPolicy({ KeyId: IDS.k256, Policy: DEFAULT_POLICY }); // delegates to the account, and IAM allows Alice
    kms.deleteIdentityPolicy(ALICE, 'put');
    kms.putIdentityPolicy(ALICE, 'put-once', doc({ Effect: 'Allow', Action: 'kms:PutKeyPolicy', Resource: '*', Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'false' } } }));
    // the check evaluates a future PutKeyPolicy without the Bypass parameter: this condition then fails
    await expectKmsError(alice.putKeyPolicy({ KeyId: IDS.k256, Policy: DEFAULT_POLICY, BypassPolicyLockoutSafetyCheck: false }), 'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.');
  });

  it('CreateKey with a policy: the lockout check sees the new key', async () => {
    const { kms } = testKms();
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy: doc(ROOT_ALL) });
    expect((await kms.getKeyPolicy({ KeyId: KeyMetadata!.KeyId })).Policy).toBe(doc(ROOT_ALL));
    await expectKmsError(kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy: doc({ ...ROOT_ALL, Resource: `arn:aws:kms:us-east-1:${A}:key/other` }) }),
      'MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
    expect((await kms.listKeys()).Keys).toHaveLength(1);
  });
});

describe('identity policies', () => {
  it('put, replace and delete; only IAM users and roles carry them', async () => {
    const { kms } = await fixture();
    const alice = kms.as(ALICE);
    await expectKmsError(alice.describeKey({ KeyId: IDS.k256 }), 'AccessDeniedException', /because no identity-based policy allows the kms:DescribeKey action$/);
    kms.putIdentityPolicy(ALICE, 'p', doc({ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }));
    await alice.describeKey({ KeyId: IDS.k256 });
    kms.putIdentityPolicy(ALICE, 'p', doc({ Effect: 'Allow', Action: 'kms:ListKeys', Resource: '*' }));
    await expectKmsError(alice.describeKey({ KeyId: IDS.k256 }), 'AccessDeniedException', /no identity-based policy/);
    expect(kms.deleteIdentityPolicy(ALICE, 'p')).toBe(true);
    expect(kms.deleteIdentityPolicy(ALICE, 'p')).toBe(false);
    expect(() => kms.putIdentityPolicy(`arn:aws:iam::${A}:root`, 'p', doc({ Effect: 'Allow', Action: '*', Resource: '*' }))).toThrow(TypeError);
    expect(() => kms.putIdentityPolicy(`arn:aws:iam::${A}:group/G`, 'p', doc({ Effect: 'Allow', Action: '*', Resource: '*' }))).toThrow(TypeError);
    expect(() => kms.putIdentityPolicy(ALICE, 'p', doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }))).toThrow('Policy document should not specify a principal.');
    expect(() => kms.putIdentityPolicy(ALICE, 'p', doc({ Sid: 'has space', Effect: 'Allow', Action: '*', Resource: '*' }))).toThrow('Statement IDs (SID) must be alpha-numeric: has space.');
    expect(() => kms.putIdentityPolicy(ALICE, 'p', '{')).toThrow('The policy document is not valid JSON.');
  });

  it('a role policy covers every session of the role, whatever the path of the role', async () => {
    const { kms } = await fixture();
    kms.putIdentityPolicy(`arn:aws:iam::${A}:role/teams/Ops`, 'p', doc({ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }));
    await kms.as(`arn:aws:sts::${A}:assumed-role/Ops/s1`).describeKey({ KeyId: IDS.k256 });
    await kms.as(`arn:aws:iam::${A}:role/Ops`).describeKey({ KeyId: IDS.k256 });
  });
});
