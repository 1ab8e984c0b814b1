// Truth tables for every condition operator (IAM reference_policies_elements_condition_operators.md; kms-authz.md §3):
// matching and non-matching values, absent keys, multi-valued keys, IfExists, negations, set operators, Null.
import { describe, expect, it } from 'vitest';
import { compileCondition, type ContextValue } from '../../src/policy/conditions.js';

const test = (operator: string, policyValues: unknown, request: ContextValue, key = 'k:key') =>
  compileCondition(operator, key, policyValues).test((name) => (name === key.toLowerCase() ? request : undefined));

type Row = [operator: string, policy: unknown, request: ContextValue, expected: boolean];

const ROWS: Row[] = [
  // String
  ['StringEquals', 'HMAC_SHA_256', 'HMAC_SHA_256', true],
  ['StringEquals', 'HMAC_SHA_256', 'hmac_sha_256', false],
  ['StringEquals', ['HMAC_SHA_384', 'HMAC_SHA_512'], 'HMAC_SHA_512', true], // values are ORed (IAM, not the KDG sentence)
  ['StringEquals', 'a*', 'abc', false], // no wildcards
  ['StringEquals', 'x', undefined, false],
  ['StringNotEquals', 'x', 'y', true],
  ['StringNotEquals', ['x', 'y'], 'y', false], // negated: must match none
  ['StringNotEquals', 'x', undefined, true], // negated + absent: true
  ['StringEqualsIgnoreCase', 'HMAC_SHA_256', 'hmac_sha_256', true],
  ['StringNotEqualsIgnoreCase', 'HMAC_SHA_256', 'hmac_sha_256', false],
  ['StringLike', 'alias/app-*', 'alias/app-prod', true],
  ['StringLike', 'alias/app-?', 'alias/app-1', true],
  ['StringLike', 'alias/app-?', 'alias/app-10', false],
  ['StringLike', 'a*c', 'a/b/c', true],
  ['StringLike', 'A*', 'abc', false], // case-sensitive
  ['StringLike', 'x.y', 'xzy', false], // regex characters are literal
  ['StringNotLike', ['alias/app-*', 'alias/ops-*'], 'alias/db', true],
  ['StringNotLike', 'alias/app-*', 'alias/app-x', false],
  ['StringNotLike', 'x', undefined, true],
  // Numeric
  ['NumericEquals', 30, '30', true],
  ['NumericEquals', '30', '30.0', true],
  ['NumericNotEquals', 30, '7', true],
  ['NumericLessThan', 30, '7', true],
  ['NumericLessThan', 30, '30', false],
  ['NumericLessThanEquals', 30, '30', true],
  ['NumericGreaterThan', 7, '8', true],
  ['NumericGreaterThanEquals', 7, '7', true],
  ['NumericGreaterThan', 7, 'abc', false], // not a number: false
  ['NumericLessThan', 30, undefined, false],
  ['NumericNotEquals', 30, undefined, true],
  // Date
  ['DateLessThan', '2026-06-01T00:00:00Z', '2026-01-01T00:00:00Z', true],
  ['DateLessThan', '2026-06-01T00:00:00Z', '2026-07-01T00:00:00Z', false],
  ['DateGreaterThan', '1767225600', '2026-01-01T00:00:01Z', true], // epoch seconds in the policy
  ['DateEquals', '2026-01-01T00:00:00Z', '1767225600', true],
  ['DateNotEquals', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', true],
  ['DateLessThanEquals', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', true],
  ['DateGreaterThanEquals', '2026-01-01T00:00:00Z', '2025-12-31T23:59:59Z', false],
  ['DateLessThan', 'not a date', '2026-01-01T00:00:00Z', false],
  // Bool
  ['Bool', true, 'true', true],
  ['Bool', 'true', 'TRUE', true],
  ['Bool', 'false', 'true', false],
  ['Bool', true, undefined, false],
  // Binary, IP
  ['BinaryEquals', 'QUJD', 'QUJD', true],
  ['IpAddress', '203.0.113.0/24', '203.0.113.7', true],
  ['IpAddress', '127.0.0.0/8', '::ffff:127.0.0.1', true], // an IPv4 client of a dual-stack listener (issue #10.7)
  ['NotIpAddress', '127.0.0.0/8', '::FFFF:127.0.0.1', false],
  ['IpAddress', '203.0.113.0/24', '203.0.114.7', false],
  ['IpAddress', '203.0.113.7', '203.0.113.7', true], // no prefix: /32
  ['IpAddress', '2001:db8::/32', '2001:db8:0:0:0:0:0:1', true],
  ['IpAddress', '2001:db8::/32', '2001:db9::1', false],
  ['NotIpAddress', '203.0.113.0/24', '198.51.100.1', true],
  ['NotIpAddress', '203.0.113.0/24', undefined, true],
  // ARN: each of the six parts separately; a * never crosses a colon
  ['ArnLike', 'arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/Ops', true],
  ['ArnLike', 'arn:aws:iam::*:role/Ops', 'arn:aws:iam::444455556666:role/Ops', true],
  ['ArnLike', 'arn:aws:iam::111122223333:*', 'arn:aws:iam::444455556666:role/Ops', false],
  ['ArnEquals', 'arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/Ops', true], // ArnEquals = ArnLike
  ['ArnLike', 'arn:aws:*', 'arn:aws:iam::111122223333:root', false], // too few parts in the policy value
  ['ArnNotLike', 'arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:user/Alice', true],
  ['ArnNotEquals', 'arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/X', false],
  ['ArnLike', 'arn:aws:iam::111122223333:root', 'not-an-arn', false],
  // IfExists: absent is true, present is the operator
  ['StringEqualsIfExists', 'x', undefined, true],
  ['StringEqualsIfExists', 'x', 'y', false],
  ['StringEqualsIfExists', 'x', 'x', true],
  ['NumericLessThanIfExists', 30, '40', false],
  ['ArnLikeIfExists', 'arn:aws:iam::*:root', undefined, true],
  // multi-valued keys need a set operator
  ['StringEquals', 'a', ['a'], false],
  ['ForAnyValue:StringEquals', ['alias/a', 'alias/b'], ['alias/b', 'alias/c'], true],
  ['ForAnyValue:StringEquals', 'alias/a', ['alias/b'], false],
  ['ForAnyValue:StringEquals', 'alias/a', [], false], // empty set: false (a key without aliases)
  ['ForAnyValue:StringEquals', 'alias/a', undefined, false],
  ['ForAllValues:StringEquals', ['GenerateMac', 'VerifyMac'], ['GenerateMac'], true],
  ['ForAllValues:StringEquals', ['GenerateMac', 'VerifyMac'], ['GenerateMac', 'CreateGrant'], false],
  ['ForAllValues:StringEquals', 'GenerateMac', [], true], // absent or empty: true
  ['ForAllValues:StringEquals', 'GenerateMac', undefined, true],
  ['ForAllValues:StringNotEquals', ['CreateGrant', 'RetireGrant'], ['GenerateMac', 'VerifyMac'], true],
  ['ForAllValues:StringNotEquals', ['CreateGrant'], ['GenerateMac', 'CreateGrant'], false],
  ['ForAnyValue:StringLike', 'alias/prod-*', ['alias/dev-1', 'alias/prod-2'], true],
  ['ForAnyValue:StringEquals', 'x', 'x', true], // a set operator on a single-valued key: a one-element set
  // Null
  ['Null', true, undefined, true],
  ['Null', 'true', 'x', false],
  ['Null', false, 'x', true],
  ['Null', 'false', undefined, false],
  ['Null', 'TRUE', [], true], // an empty set is absent
];

describe('condition operators', () => {
  it.each(ROWS)('%s %j vs %j -> %s', (operator, policy, request, expected) => {
    expect(test(operator, policy, request)).toBe(expected);
  });

  it('condition key names are case-insensitive', () => {
    const c = compileCondition('StringEquals', 'KMS:MacAlgorithm', 'HMAC_SHA_256');
    expect(c.key).toBe('kms:macalgorithm');
    expect(c.test((k) => (k === 'kms:macalgorithm' ? 'HMAC_SHA_256' : undefined))).toBe(true);
  });

  it.each([
    ['StringEqualz', 'x', 'Policy contains an invalid condition operator: StringEqualz.'],
    ['ForSomeValues:StringEquals', 'x', 'Policy contains an invalid condition operator: ForSomeValues:StringEquals.'],
    ['ForAnyValue:Null', 'true', 'Policy contains an invalid condition operator: ForAnyValue:Null.'],
    ['NullIfExists', 'true', 'Policy contains an invalid condition operator: NullIfExists.'],
    ['ForAnyValue:StringLike:junk', 'x', 'Policy contains an invalid condition operator: ForAnyValue:StringLike:junk.'], // found in the issue #10 review: split(':', 2) dropped the rest
    ['StringLike:', 'x', 'Policy contains an invalid condition operator: StringLike:.'],
    ['StringEquals', { a: 1 }, 'Condition StringEquals has an invalid value for k:key: {"a":1}.'],
    ['StringEquals', [], 'Condition StringEquals has no value for k:key.'],
  ])('refuses %s with %j', (operator, values, message) => {
    expect(() => compileCondition(operator, 'k:key', values)).toThrow(message);
  });

  it('ForAllValues with aws:RequestTag is refused when stored (DG conditions-kms.md)', () => {
    expect(() => compileCondition('ForAllValues:StringEquals', 'aws:RequestTag/env', 'prod')).toThrow(
      'OverlyPermissiveCondition: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified tag or with an unspecified tag. To fix, remove ForAllValues.',
    );
  });
});
