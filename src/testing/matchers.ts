/**
 * `kmsMatchers`: custom matchers for `expect.extend` in vitest and jest, asserting on the calls an attachment
 * (`attachKms`) recorded. Each takes a command class (`GenerateMacCommand`) or an operation name (`'GenerateMac'`).
 * Inputs match partially, as `expect.objectContaining`: each given member must be present and is compared with the
 * runner's own `equals` (deep, asymmetric matchers such as `expect.any(Uint8Array)` work). Failure messages list the calls that
 * were received, in the manner of aws-sdk-client-mock-jest. Nothing here imports vitest or jest: the runner hands its
 * `equals` and printing utilities in the matcher context.
 */
import type { KmsOperations } from 'hmac-kms';
import { isKmsAttachment, type KmsAttachment, type KmsCall } from './attach.js';

/** A KMS operation name as AWS spells it (`GenerateMac`). */
export type KmsOperationName = Capitalize<Extract<keyof KmsOperations, string>>;
/** A command class of `@aws-sdk/client-kms` (any copy or version): what matters is its instances' `input`. */
export type KmsCommandClass = abstract new (...args: never[]) => { readonly input?: unknown };
/** What the matchers take for "which command": a command class or an operation name. */
export type KmsCommand = KmsCommandClass | KmsOperationName;

type InputByOperation = { [K in Extract<keyof KmsOperations, string> as Capitalize<K>]: NonNullable<Parameters<KmsOperations[K]>[0]> };
/** A partial input for a command: its members, each a value or an asymmetric matcher. */
export type KmsInputMatch<C> = C extends KmsOperationName
  ? { readonly [K in keyof InputByOperation[C]]?: unknown }
  : C extends abstract new (...args: never[]) => { readonly input?: infer I }
    ? { readonly [K in keyof NonNullable<I>]?: unknown }
    : Readonly<Record<string, unknown>>;

export interface KmsMatchers<R = unknown> {
  /** The attachment received `command` at least once. */
  toHaveReceivedCommand(command: KmsCommand): R;
  /** The attachment received `command` at least once with an input matching `input` (partially; asymmetric matchers work). */
  toHaveReceivedCommandWith<C extends KmsCommand>(command: C, input: KmsInputMatch<C>): R;
  /** The attachment received `command` exactly `times` times. */
  toHaveReceivedCommandTimes(command: KmsCommand, times: number): R;
  /** The `n`-th call (from 1, all commands counted) was `command` with an input matching `input`. */
  toHaveReceivedNthCommandWith<C extends KmsCommand>(n: number, command: C, input: KmsInputMatch<C>): R;
  /** A `command` call failed with the error `error` (a name such as `'DisabledException'`, or an exception class). */
  toHaveReceivedCommandFailedWith(command: KmsCommand, error: string | { readonly name: string }): R;
}

// The augmentations below reach the emitted .d.ts as written. A declaration file may augment a module the program does
// not have (a jest project has no vitest, a vitest project no `expect`): TypeScript then ignores the augmentation. A
// .ts source may not (TS2664), and the project's own type-checks of src/ have neither module, hence the @ts-ignore.

// vitest: `expect(attached).toHaveReceivedCommand(...)` and `expect.toHaveReceivedCommand(...)`
// @ts-ignore TS2664 where the program has no vitest
declare module 'vitest' {
  interface Assertion<T = any> extends KmsMatchers<T> {}
  interface AsymmetricMatchersContaining extends KmsMatchers {}
}

// jest with `import { expect } from '@jest/globals'` (the `expect` package's Matchers)
// @ts-ignore TS2664 where the program has no jest
declare module 'expect' {
  interface Matchers<R extends void | Promise<void>, T = unknown> extends KmsMatchers<R> {}
}

declare global {
  // jest's global `expect` (@types/jest)
  namespace jest {
    interface Matchers<R, T = {}> extends KmsMatchers<R> {}
  }
}

/** The parts of vitest's and jest's matcher context (`this` of a matcher) that the matchers use. */
interface MatcherContext {
  isNot?: boolean;
  equals(a: unknown, b: unknown, customTesters?: unknown[]): boolean;
  customTesters?: unknown[];
  utils: {
    printExpected(value: unknown): string;
    printReceived(value: unknown): string;
    /** jest-diff in jest, @vitest/utils's diff in vitest: both take (expected, received) and may answer nothing. */
    diff?(expected: unknown, received: unknown): string | null | undefined;
  };
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** Methods of `HmacKms` that are not KMS operations. */
const NOT_OPERATIONS = new Set(['constructor', 'as', 'inRegion', 'putIdentityPolicy', 'deleteIdentityPolicy', 'seedKey']);

function attachmentOf(received: unknown, matcher: string): KmsAttachment {
  if (!isKmsAttachment(received)) throw new TypeError(`${matcher}: expect() must be given what attachKms() returned`);
  return received;
}

/** The operation a command class or name stands for, checked against the operations HmacKms has. */
function operationOf(command: unknown, attachment: KmsAttachment, matcher: string): string {
  let name: string | undefined;
  if (typeof command === 'string') {
    name = command;
  } else if (typeof command === 'function') {
    try {
      // smithy's operation schema ([9, namespace, name, ...]) names the operation even in minified code
      const schema = (new (command as new (input: object) => { schema?: unknown })({}) as { schema?: unknown }).schema;
      if (Array.isArray(schema) && schema[0] === 9 && typeof schema[2] === 'string') name = schema[2];
    } catch {
      // not constructible like an SDK command: fall back to its name
    }
    if (!name && command.name.endsWith('Command')) name = command.name.slice(0, -'Command'.length);
  }
  const method = name ? name.charAt(0).toLowerCase() + name.slice(1) : '';
  const isOperation = name !== undefined && /^[A-Z][A-Za-z0-9]*$/.test(name) && !NOT_OPERATIONS.has(method) && typeof (attachment.kms as unknown as Record<string, unknown>)[method] === 'function';
  if (!isOperation) {
    const shown = typeof command === 'function' ? command.name || 'an anonymous class' : JSON.stringify(command);
    throw new TypeError(`${matcher}: ${shown} is not a KMS command class (GenerateMacCommand) or operation name ('GenerateMac')`);
  }
  return name!;
}

/**
 * aws-sdk-client-mock-jest matches `this.equals(input, expect.objectContaining(expected))`: every member given must be
 * present in the input (own or inherited, as objectContaining's `hasProperty` in jest and vitest) and equal, so that
 * `{ GrantTokens: undefined }` does not match an input without GrantTokens.
 */
function inputMatches(ctx: MatcherContext, received: Readonly<Record<string, unknown>>, expected: unknown): boolean {
  if (typeof (expected as { asymmetricMatch?: unknown }).asymmetricMatch === 'function') return ctx.equals(received, expected, ctx.customTesters);
  return Object.entries(expected as Record<string, unknown>).every(([k, v]) => k in received && ctx.equals(received[k], v, ctx.customTesters));
}

function checkInput(input: unknown, matcher: string): void {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError(`${matcher}: the expected input must be an object (a partial command input)`);
}

const SHOWN_BYTES = 32;

/**
 * A value on one line, the same in vitest and jest (their printReceived differ: vitest breaks objects over lines):
 * `{"KeyId": "alias/x", "Message": Uint8Array [1, 2, 3], "Mac": Any<Uint8Array>}`, byte arrays cut after 32 bytes.
 */
function oneLine(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof RegExp) return String(value);
  const matcher = value as { asymmetricMatch?: unknown; toAsymmetricMatcher?: () => string; sample?: unknown };
  if (typeof matcher.asymmetricMatch === 'function') {
    // an asymmetric matcher, printed as the runners print them: Any<Uint8Array>, StringMatching /x/, ObjectContaining {...}
    if (typeof matcher.toAsymmetricMatcher === 'function') return matcher.toAsymmetricMatcher();
    return 'sample' in matcher ? `${String(value)} ${oneLine(matcher.sample)}` : String(value);
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = Array.from(value as unknown as ArrayLike<number>);
    const kind = Object.prototype.toString.call(value).slice(8, -1);
    return `${kind} [${items.slice(0, SHOWN_BYTES).join(', ')}${items.length > SHOWN_BYTES ? `, … (${items.length} in all)` : ''}]`;
  }
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()})`;
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')}}`;
}

/** "Calls:" and one line per call received, as aws-sdk-client-mock-jest prints them, with each call's outcome. */
function listCalls(calls: readonly KmsCall[]): string[] {
  if (calls.length === 0) return ['', 'Calls: none'];
  return [
    '',
    'Calls:',
    ...calls.map((c, i) => {
      const outcome = c.error ? ` → ${c.error.name}: ${c.error.message}` : c.output ? '' : ' (pending)';
      return `  ${i + 1}. ${c.operation}: ${oneLine(c.input)}${outcome}`;
    }),
  ];
}

function result(pass: boolean, calls: readonly KmsCall[], lines: () => string[]): MatcherResult {
  return { pass, message: () => [...lines(), ...listCalls(calls)].join('\n') };
}

const not = (ctx: MatcherContext) => (ctx.isNot ? 'not ' : '');

/** The matchers, for `expect.extend(kmsMatchers)` in vitest or jest. */
export const kmsMatchers = {
  toHaveReceivedCommand(this: MatcherContext, received: unknown, command: KmsCommand): MatcherResult {
    const a = attachmentOf(received, 'toHaveReceivedCommand');
    const op = operationOf(command, a, 'toHaveReceivedCommand');
    const calls = a.calls;
    const count = calls.filter((c) => c.operation === op).length;
    return result(count > 0, calls, () => [
      `Expected ${a.clientName} to ${not(this)}receive ${this.utils.printExpected(op)}`,
      `${a.clientName} received ${this.utils.printExpected(op)} ${this.utils.printReceived(count)} times`,
    ]);
  },

  toHaveReceivedCommandWith(this: MatcherContext, received: unknown, command: KmsCommand, input: unknown): MatcherResult {
    const a = attachmentOf(received, 'toHaveReceivedCommandWith');
    const op = operationOf(command, a, 'toHaveReceivedCommandWith');
    checkInput(input, 'toHaveReceivedCommandWith');
    const calls = a.calls;
    const count = calls.filter((c) => c.operation === op && inputMatches(this, c.input, input)).length;
    return result(count > 0, calls, () => [
      `Expected ${a.clientName} to ${not(this)}receive ${this.utils.printExpected(op)} with ${oneLine(input)}`,
      `${a.clientName} received matching ${this.utils.printExpected(op)} ${this.utils.printReceived(count)} times`,
    ]);
  },

  toHaveReceivedCommandTimes(this: MatcherContext, received: unknown, command: KmsCommand, times: number): MatcherResult {
    const a = attachmentOf(received, 'toHaveReceivedCommandTimes');
    const op = operationOf(command, a, 'toHaveReceivedCommandTimes');
    if (!Number.isSafeInteger(times) || times < 0) throw new TypeError('toHaveReceivedCommandTimes: times must be a non-negative integer');
    const calls = a.calls;
    const count = calls.filter((c) => c.operation === op).length;
    return result(count === times, calls, () => [
      `Expected ${a.clientName} to ${not(this)}receive ${this.utils.printExpected(op)} ${this.utils.printExpected(times)} times`,
      `${a.clientName} received ${this.utils.printExpected(op)} ${this.utils.printReceived(count)} times`,
    ]);
  },

  toHaveReceivedNthCommandWith(this: MatcherContext, received: unknown, n: number, command: KmsCommand, input: unknown): MatcherResult {
    const a = attachmentOf(received, 'toHaveReceivedNthCommandWith');
    if (!Number.isSafeInteger(n) || n < 1) throw new TypeError('toHaveReceivedNthCommandWith: n must be an integer from 1 (the first call)');
    const op = operationOf(command, a, 'toHaveReceivedNthCommandWith');
    checkInput(input, 'toHaveReceivedNthCommandWith');
    const calls = a.calls;
    const nth = calls[n - 1];
    const pass = nth !== undefined && nth.operation === op && inputMatches(this, nth.input, input);
    return result(pass, calls, () => {
      const lines = [`Expected ${a.clientName} to ${not(this)}receive as call ${n} ${this.utils.printExpected(op)} with ${oneLine(input)}`];
      if (!nth) lines.push(`${a.clientName} received ${this.utils.printReceived(calls.length)} calls`);
      else {
        lines.push(`${a.clientName} received as call ${n} ${this.utils.printReceived(nth.operation)} with input:`);
        lines.push(this.utils.diff?.(input, nth.input) ?? oneLine(nth.input));
      }
      return lines;
    });
  },

  toHaveReceivedCommandFailedWith(this: MatcherContext, received: unknown, command: KmsCommand, error: unknown): MatcherResult {
    const a = attachmentOf(received, 'toHaveReceivedCommandFailedWith');
    const op = operationOf(command, a, 'toHaveReceivedCommandFailedWith');
    const name = typeof error === 'string' ? error : typeof (error as { name?: unknown } | null)?.name === 'string' ? (error as { name: string }).name : undefined;
    if (!name) throw new TypeError("toHaveReceivedCommandFailedWith: the error must be a name such as 'DisabledException' or an exception class");
    const calls = a.calls;
    const count = calls.filter((c) => c.operation === op && c.error?.name === name).length;
    return result(count > 0, calls, () => [
      `Expected ${a.clientName} to ${not(this)}receive ${this.utils.printExpected(op)} failing with ${this.utils.printExpected(name)}`,
      `${a.clientName} received ${this.utils.printExpected(op)} failing with ${this.utils.printExpected(name)} ${this.utils.printReceived(count)} times`,
    ]);
  },
};
