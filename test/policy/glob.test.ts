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

  it('many patterns × many values: the cost of a ForAnyValue:StringLike condition grows linearly in the patterns and in the values (no product blow-up), and a pattern repeated counts once', async () => {
    const { kms } = testKms();
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const distinct = (n: number) => Array.from({ length: n }, (_, i) => `*${letters[i % 26]}?${letters[Math.floor(i / 26) % 26]}${letters[Math.floor(i / 676) % 26]}*`);
    const keyWith = async (patterns: string[]) => {
      const Policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Deny', Principal: '*', Action: 'kms:TagResource', Resource: '*', Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': patterns } } },
        ],
      });
      expect(Policy.length).toBeLessThanOrEqual(POLICY_BYTES);
      return (await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy })).KeyMetadata!.KeyId!;
    };
    // digit-only tag keys of the model's 128 characters: no pattern matches, every pattern is tried on every key
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ TagKey: String(1000 + i).padEnd(128, '0'), TagValue: '0'.repeat(256) }));
    const cases = {
      '1,400 patterns, 25 keys': [await keyWith(distinct(1_400)), tags(25)],
      '2,800 patterns, 25 keys': [await keyWith(distinct(2_800)), tags(25)],
      '1,400 patterns, 50 keys': [await keyWith(distinct(1_400)), tags(50)],
      'one pattern 2,800 times, 50 keys': [await keyWith(Array.from({ length: 2_800 }, () => '*a?bc*')), tags(50)],
      'one pattern, 50 keys': [await keyWith(['*a?bc*']), tags(50)],
    } as const;
    // each case's fastest of 7 alternating runs (a busy CI core slows them alike)
    const best: Record<string, number> = {};
    for (let i = 0; i < 7; i++) {
      for (const [name, [KeyId, Tags]] of Object.entries(cases)) {
        const t = performance.now();
        await kms.tagResource({ KeyId, Tags: [...Tags] });
        best[name] = Math.min(best[name] ?? Infinity, performance.now() - t);
      }
    }
    const base = best['1,400 patterns, 25 keys']!;
    const shown = JSON.stringify(Object.fromEntries(Object.entries(best).map(([k, v]) => [k, `${v.toFixed(2)} ms`])));
    expect(best['2,800 patterns, 25 keys']! / base, shown).toBeLessThan(3); // twice the patterns: about twice the time
    expect(best['1,400 patterns, 50 keys']! / base, shown).toBeLessThan(3); // twice the values: about twice the time
    // the same pattern 2,800 times: matched once per key (was 2,800 times)
    expect(best['one pattern 2,800 times, 50 keys']! / best['one pattern, 50 keys']!, shown).toBeLessThan(3);
  });

  it('compiling a 32 KB policy of wildcard Actions, Resources and conditions is fast', () => {
    const statement = { Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['kms:*a*a*a*a*a*a*a*b'], Resource: ['arn:aws:kms:*:*:key/*a*a*a*b'], Condition: { StringLike: { 'kms:RequestAlias': '*a*a*a*a*a*a*b' } } };
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: 150 }, () => statement) });
    expect(doc.length).toBeLessThanOrEqual(POLICY_BYTES);
    expect(medianMs(5, () => compilePolicy(doc, 'key'))).toBeLessThan(50);
  });
});
