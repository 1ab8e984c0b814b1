// IAM wildcards (`*`, `?`) matched without backtracking (issue #10, item 1): the same answers as a reference
// regular expression on random patterns, and time linear in the value on adversarial patterns at the 32 KB policy
// quota, wherever globs are used (Action, Resource, StringLike, ArnLike).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../src/policy/conditions.js';
import { compilePolicy } from '../../src/policy/document.js';
import { globMatcher } from '../../src/policy/glob.js';
import { testKms, ROOT } from '../helpers/kms.js';
import { propertyOptions } from '../helpers/property.js';

const reference = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');

describe('globMatcher', () => {
  it.each([
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a*', 'a', true],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'acb', false],
    ['?', '', false],
    ['?', 'x', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*?*', '', false],
    ['*??*', 'a', false],
    ['*a?b*', 'xxaybxx', true],
    ['*a?b*', 'xxabxx', false],
    ['ab*ba', 'aba', false], // prefix and suffix must not overlap
    ['ab*ba', 'abba', true],
    ['x.y', 'xzy', false],
    ['arn:aws:kms:*:111122223333:key/*', 'arn:aws:kms:us-east-1:111122223333:key/1234', true],
  ])('%j against %j is %s', (pattern, value, expected) => {
    expect(globMatcher(pattern)(value)).toBe(expected);
  });

  it('agrees with a reference regular expression on random patterns and values', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?');
    const text = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 12 }), fc.string({ unit: text, maxLength: 16 }), (pattern, value) => {
        expect(globMatcher(pattern)(value)).toBe(reference(pattern).test(value));
      }),
      propertyOptions(3000),
    );
  });

  it('agrees with the reference with characters beyond ASCII (one-word and several-word segments)', () => {
    const unit = fc.constantFrom('a', 'é', '😀', '?');
    fc.assert(
      fc.property(fc.string({ unit, minLength: 1, maxLength: 40 }), fc.string({ unit: fc.constantFrom('a', 'é', '😀', 'b'), maxLength: 80 }), (seg, value) => {
        const pattern = `*${seg}*`;
        expect(globMatcher(pattern)(value)).toBe(reference(pattern).test(value));
      }),
      propertyOptions(500),
    );
  });

  it('agrees with the reference on long `?` segments (several 32-bit words)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '?'), minLength: 30, maxLength: 100 }), fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 300 }), (seg, value) => {
        const pattern = `*${seg}b*`;
        expect(globMatcher(pattern)(value)).toBe(reference(pattern).test(value));
      }),
      propertyOptions(300),
    );
  });
});

/** The median time of `runs` calls, in ms (a median, so that a GC pause or a busy CI core does not decide). */
function medianMs(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

describe('adversarial patterns cost time linear in the value', () => {
  const POLICY_BYTES = 32_768;
  const stars = '*a'.repeat((POLICY_BYTES - 100) / 2) + '*b'; // `*a*a*a…*b`, the size of the policy quota
  const questions = '*' + 'a?'.repeat((POLICY_BYTES - 100) / 2) + 'b*';
  const mixed = ('*' + 'a'.repeat(20) + '?').repeat(1000) + 'b';
  const values = ['a'.repeat(256), 'a'.repeat(2048), 'a'.repeat(255) + 'b', `arn:aws:kms:us-east-1:111122223333:key/${'a'.repeat(2000)}`];

  // a pattern as long as the quota is longer than any value (refused by length at once): these are read to the end
  const questionsWord = '*' + 'a?'.repeat(15) + 'b*'; // one 32-bit word
  const questionsWords = '*' + 'a?'.repeat(100) + 'b*'; // seven words
  it.each([['stars', stars], ['questions', questions], ['questions, one word', questionsWord], ['questions, seven words', questionsWords], ['mixed', mixed], ['short', '*a*a*a*a*a*a*a*a*a*a*b']])('%s', (_name, pattern) => {
    const m = globMatcher(pattern);
    const like = compileCondition('StringLike', 'aws:RequestTag/team', pattern);
    const arnLike = compileCondition('ArnLike', 'aws:PrincipalArn', `arn:aws:iam::111122223333:role/${pattern}`);
    for (const v of values) {
      m(v); // warm up
      expect(medianMs(21, () => m(v)), `${pattern.slice(0, 20)}… vs ${v.length} chars`).toBeLessThan(1);
      expect(medianMs(21, () => like.test(() => v))).toBeLessThan(1);
      expect(medianMs(21, () => arnLike.test(() => `arn:aws:iam::111122223333:role/${v}`))).toBeLessThan(1);
    }
  });

  it('a TagResource against a planted `*a*a*a*a*b` StringLike condition answers at once', async () => {
    const { kms } = testKms();
    const policy = (pattern: string) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Deny', Principal: '*', Action: 'kms:TagResource', Resource: '*', Condition: { StringLike: { 'aws:RequestTag/team': pattern } } },
        ],
      });
    const pattern = '*a'.repeat(8_000) + '*b';
    const { KeyMetadata } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy: policy(pattern) });
    const t = performance.now();
    await kms.tagResource({ KeyId: KeyMetadata!.KeyId!, Tags: [{ TagKey: 'team', TagValue: 'a'.repeat(256) }] });
    expect(performance.now() - t).toBeLessThan(50);
  });

  it('many patterns × many values: 32 KB of distinct `*x?y*` patterns against the 50 tags of a TagResource (keys of the model\'s 128 characters), none matching', async () => {
    const { kms } = testKms();
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const patterns: string[] = [];
    for (let i = 0, size = 0; size < POLICY_BYTES - 1_000; i++, size += 11) patterns.push(`*${letters[i % 26]}?${letters[Math.floor(i / 26) % 26]}${letters[Math.floor(i / 676) % 26]}*`);
    const Policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', Principal: '*', Action: 'kms:TagResource', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': patterns } } },
      ],
    });
    expect(Policy.length).toBeLessThanOrEqual(POLICY_BYTES);
    const KeyId = (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy })).KeyMetadata!.KeyId!;
    const Tags = Array.from({ length: 50 }, (_, i) => ({ TagKey: String(1000 + i).padEnd(128, '0'), TagValue: '0'.repeat(256) }));
    await kms.tagResource({ KeyId, Tags }); // allowed: no pattern matches a digit-only key
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await kms.tagResource({ KeyId, Tags });
      times.push(performance.now() - t);
    }
    // ~3,900 patterns × 50 keys × 128 characters; 264 ms a call with a Map lookup per character, ~12 ms now
    expect(times.sort((a, b) => a - b)[3]).toBeLessThan(100);
  });

  it('compiling a 32 KB policy of wildcard Actions, Resources and conditions is fast', () => {
    const statement = { Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['kms:*a*a*a*a*a*a*a*b'], Resource: ['arn:aws:kms:*:*:key/*a*a*a*b'], Condition: { StringLike: { 'kms:RequestAlias': '*a*a*a*a*a*a*b' } } };
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 150 }, () => statement) });
    expect(doc.length).toBeLessThanOrEqual(POLICY_BYTES);
    expect(medianMs(5, () => compilePolicy(doc, 'key'))).toBeLessThan(50);
  });
});
