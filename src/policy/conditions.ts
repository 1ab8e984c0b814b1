/**
 * IAM condition operators (IAM User Guide reference_policies_elements_condition_operators.md; kms-authz.md §3):
 * String*, Numeric*, Date*, Bool, BinaryEquals, IpAddress/NotIpAddress, Arn*, Null, each with `...IfExists` (not
 * Null) and the set operators `ForAllValues:` / `ForAnyValue:` for multi-valued keys.
 *
 * - operators in a block, and keys under an operator, are ANDed; several values for one key are ORed, and for a
 *   negated operator the request value must match none of them;
 * - condition key names are case-insensitive; a key absent from the request makes the condition false, except for
 *   negated operators, `...IfExists` and `Null`;
 * - a multi-valued key without a set operator never matches (kms-authz.md §3.3, from iam-simulate).
 */
import { MalformedPolicyDocumentException } from '../errors.js';
import { globMatcher } from './glob.js';

/** A request value: one string, a list for multi-valued keys, or absent. */
export type ContextValue = string | readonly string[] | undefined;
/** Looks up a condition key (lower-cased) in the request. */
export type ConditionContext = (key: string) => ContextValue;

export interface CompiledCondition {
  /** Lower-cased condition key. */
  readonly key: string;
  readonly test: (ctx: ConditionContext) => boolean;
}

/** Prepares a policy value once; the result tests request values. */
type Prepare = (policyValue: string) => (requestValue: string) => boolean;

const number = (s: string): number => (s.trim() === '' ? NaN : Number(s));
/** ISO 8601, or epoch seconds when the whole value is an integer (kms-authz.md §3.2, after iam-simulate). */
const instant = (s: string): number => (/^-?\d+$/.test(s) ? Number(s) * 1000 : /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : NaN);

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}
const arnMatch: Prepare = (p) => {
  const pv = arnParts(p)?.map((part) => globMatcher(part));
  return (v) => {
    const rv = arnParts(v);
    return !!rv && !!pv && pv.every((m, i) => m(rv[i]!));
  };
};

function parseIp(s: string): { bits: bigint; width: number } | undefined {
  // an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, how a dual-stack listener sees an IPv4 client) is that IPv4
  // address (issue #10.7)
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(s);
  if (mapped) s = mapped[1]!;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const octets = s.split('.').map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { bits: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), width: 32 };
  }
  if (s.includes(':') && /^[0-9a-fA-F:]+$/.test(s)) {
    const [head, tail, extra] = s.split('::');
    if (extra !== undefined) return undefined;
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return { bits: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
  }
  return undefined;
}
const ipMatch: Prepare = (p) => {
  const [addr, prefixText] = p.split('/');
  const range = parseIp(addr!);
  const prefix = range && (prefixText === undefined ? range.width : Number(prefixText));
  if (!range || !Number.isInteger(prefix) || prefix! < 0 || prefix! > range.width) return () => false;
  const shift = BigInt(range.width - prefix!);
  return (v) => {
    const ip = parseIp(v);
    return !!ip && ip.width === range.width && ip.bits >> shift === range.bits >> shift;
  };
};

const cmp = (f: (a: number, b: number) => boolean, parse: (s: string) => number): Prepare => (p) => {
  const b = parse(p);
  return (v) => f(parse(v), b);
};
const eq = (a: number, b: number) => a === b;
const lt = (a: number, b: number) => a < b;
const le = (a: number, b: number) => a <= b;
const gt = (a: number, b: number) => a > b;
const ge = (a: number, b: number) => a >= b;
const same: Prepare = (p) => (v) => v === p;
const sameIgnoreCase: Prepare = (p) => {
  const lower = p.toLowerCase();
  return (v) => v.toLowerCase() === lower;
};
const like: Prepare = (p) => globMatcher(p);

/**
 * Base operators: how one request value matches one policy value, and whether the operator is negated. A Map, so
 * that an operator named like an `Object.prototype` member (`constructor`, `ForAnyValue:valueOf`) is simply unknown.
 */
const OPERATORS: ReadonlyMap<string, { match: Prepare; negated: boolean }> = new Map(Object.entries({
  StringEquals: { match: same, negated: false },
  StringNotEquals: { match: same, negated: true },
  StringEqualsIgnoreCase: { match: sameIgnoreCase, negated: false },
  StringNotEqualsIgnoreCase: { match: sameIgnoreCase, negated: true },
  StringLike: { match: like, negated: false },
  StringNotLike: { match: like, negated: true },
  NumericEquals: { match: cmp(eq, number), negated: false },
  NumericNotEquals: { match: cmp(eq, number), negated: true },
  NumericLessThan: { match: cmp(lt, number), negated: false },
  NumericLessThanEquals: { match: cmp(le, number), negated: false },
  NumericGreaterThan: { match: cmp(gt, number), negated: false },
  NumericGreaterThanEquals: { match: cmp(ge, number), negated: false },
  DateEquals: { match: cmp(eq, instant), negated: false },
  DateNotEquals: { match: cmp(eq, instant), negated: true },
  DateLessThan: { match: cmp(lt, instant), negated: false },
  DateLessThanEquals: { match: cmp(le, instant), negated: false },
  DateGreaterThan: { match: cmp(gt, instant), negated: false },
  DateGreaterThanEquals: { match: cmp(ge, instant), negated: false },
  Bool: { match: sameIgnoreCase, negated: false },
  BinaryEquals: { match: same, negated: false },
  IpAddress: { match: ipMatch, negated: false },
  NotIpAddress: { match: ipMatch, negated: true },
  ArnEquals: { match: arnMatch, negated: false },
  ArnLike: { match: arnMatch, negated: false },
  ArnNotEquals: { match: arnMatch, negated: true },
  ArnNotLike: { match: arnMatch, negated: true },
}));

const malformed = (message: string) => new MalformedPolicyDocumentException(message);

function policyValues(raw: unknown, operator: string, key: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw malformed(`Condition ${operator} has no value for ${key}.`);
  return list.map((v) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v); // normalised to strings
    throw malformed(`Condition ${operator} has an invalid value for ${key}: ${JSON.stringify(v)}.`);
  });
}

/** Compiles one `operator: { key: values }` entry; an unknown operator is refused when the policy is stored. */
export function compileCondition(rawOperator: string, rawKey: string, rawValues: unknown): CompiledCondition {
  // `[ForAllValues:|ForAnyValue:]Operator[IfExists]`: one qualifier at most (`ForAnyValue:StringLike:junk` is refused)
  const parts = rawOperator.split(':');
  const [setPart, opPart] = parts.length === 1 ? [undefined, rawOperator] : parts;
  if (parts.length > 2 || (setPart !== undefined && setPart !== 'ForAllValues' && setPart !== 'ForAnyValue')) throw malformed(`Policy contains an invalid condition operator: ${rawOperator}.`);
  const key = rawKey.toLowerCase();
  const values = policyValues(rawValues, rawOperator, rawKey);
  if (setPart === 'ForAllValues' && (key.startsWith('aws:requesttag/') || key.startsWith('kms:encryptioncontext:'))) {
    // DG conditions-kms.md: rejected when the policy is saved
    const what = key.startsWith('aws:requesttag/') ? 'tag' : 'encryption context';
    throw malformed(
      `OverlyPermissiveCondition: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified ${what} or with an unspecified ${what}. To fix, remove ForAllValues.`,
    );
  }
  if (opPart === 'Null') {
    if (setPart) throw malformed(`Policy contains an invalid condition operator: ${rawOperator}.`);
    const wanted = values.map((v) => v.toLowerCase());
    return {
      key,
      test: (ctx) => {
        const v = ctx(key);
        const absent = v === undefined || (Array.isArray(v) && v.length === 0);
        return wanted.includes(absent ? 'true' : 'false');
      },
    };
  }
  const ifExists = opPart!.endsWith('IfExists');
  const base = OPERATORS.get(ifExists ? opPart!.slice(0, -'IfExists'.length) : opPart!);
  if (!base) throw malformed(`Policy contains an invalid condition operator: ${rawOperator}.`);
  // each distinct policy value once: a list of the same pattern 4,000 times costs one match, not 4,000
  const tests = [...new Set(values)].map(base.match);
  const one = base.negated ? (v: string) => tests.every((t) => !t(v)) : (v: string) => tests.some((t) => t(v));
  return {
    key,
    test: (ctx) => {
      const v = ctx(key);
      const absent = v === undefined || (Array.isArray(v) && v.length === 0);
      // a set operator on a single-valued key treats the value as a one-element set
      // a request's values as a set: a value given twice is matched once
      if (setPart === 'ForAllValues') return absent || (typeof v === 'string' ? one(v) : [...new Set(v)].every(one));
      if (setPart === 'ForAnyValue') return !absent && (typeof v === 'string' ? one(v) : [...new Set(v)].some(one));
      if (absent) return ifExists || base.negated;
      if (typeof v !== 'string') return false; // a multi-valued key needs a set operator
      return one(v);
    },
  };
}
