/**
 * Input checking from the KMS service model, in the two phases AWS's JSON stack applies:
 *
 * 1. deserialization: a member of the wrong JSON type is a `SerializationException` (the call never reaches the
 *    service); unknown members are ignored and `null` means absent;
 * 2. validation: every violated constraint (required, length, range, pattern, enum) is collected and reported as one
 *    `ValidationException` in AWS's format, e.g. `1 validation error detected: Value 'INVALID' at 'macAlgorithm'
 *    failed to satisfy constraint: Member must satisfy enum value set: [...]` (recorded, aws-recorded-hmac.json).
 *    Member paths are lower-camel-cased, list items are 1-based (`tags.1.member.tagKey`, recorded), and values of
 *    `sensitive` members are not echoed (`Value at 'plaintext'`, recorded).
 */
import { SerializationException, ValidationException } from '../errors.js';
import { SHAPES, type ModelShape } from './kms-shapes.generated.js';

/**
 * The order in which AWS prints an enum's value set. AWS prints a hash-set order, not the model's; where a real
 * response was recorded (aws-recorded-hmac.json) we use its order, and the values AWS has added since go last.
 */
const ENUM_DISPLAY_ORDER: Readonly<Record<string, readonly string[]>> = {
  // test_invalid_generate_mac[HMAC_256-INVALID] (recorded 2023-04, validated 2024-04)
  MacAlgorithmSpec: ['HMAC_SHA_384', 'HMAC_SHA_256', 'HMAC_SHA_224', 'HMAC_SHA_512'],
  // test_hmac_create_key_invalid_operations (recorded 2023-04): 12 values then; the 5 added since are appended
  KeySpec: [
    'RSA_2048', 'ECC_NIST_P384', 'ECC_NIST_P256', 'ECC_NIST_P521', 'HMAC_384', 'RSA_3072', 'ECC_SECG_P256K1', 'RSA_4096',
    'SYMMETRIC_DEFAULT', 'HMAC_256', 'HMAC_224', 'HMAC_512', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'ECC_NIST_EDWARDS25519',
  ],
  // same test: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC]; KEY_AGREEMENT added since
  KeyUsageType: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'],
};

const patterns = new Map<string, RegExp>();
/** Model patterns are Java regular expressions that must match the whole value (`Matcher.matches()`). */
function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) patterns.set(source, (re = new RegExp(`^(?:${source})$`)));
  return re;
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
const codePoints = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
};

const utf8 = new TextEncoder();
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

// ---------------------------------------------------------------- phase 1: types

const JSON_KIND = (v: unknown): string =>
  typeof v === 'string' ? 'STRING_VALUE' : typeof v === 'number' ? 'NUMBER_VALUE' : typeof v === 'boolean' ? 'BOOLEAN_VALUE' : 'VALUE';

function typeError(value: unknown, expected: string): SerializationException {
  if (Array.isArray(value)) return new SerializationException('Start of list found where not expected');
  if (isPlainObject(value)) return new SerializationException('Start of structure or map found where not expected.');
  return new SerializationException(`${JSON_KIND(value)} can not be converted to ${expected}`);
}

/**
 * Phase 1: returns a copy of `value` holding only the model's members, with blobs as `Uint8Array` (a string blob is
 * taken as its UTF-8 bytes, as the AWS SDK does) and `null` dropped. Throws `SerializationException` on a type mismatch.
 */
function deserialize(shapeName: string, value: unknown): unknown {
  const shape = SHAPES[shapeName]!;
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') throw typeError(value, 'a String');
      return value;
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(value, shape.type === 'long' ? 'a Long' : 'an Integer');
      if (!Number.isInteger(value)) throw new SerializationException(`NUMBER_VALUE can not be converted to ${shape.type === 'long' ? 'a Long' : 'an Integer'}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(value, 'a Boolean');
      return value;
    case 'blob':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return utf8.encode(value);
      throw typeError(value, 'a ByteBuffer');
    case 'timestamp':
      if (value instanceof Date) return value;
      if (typeof value === 'number') return new Date(value * 1000);
      throw typeError(value, 'a Date');
    case 'list': {
      if (!Array.isArray(value)) throw isPlainObject(value) ? typeError(value, '') : new SerializationException('Unexpected token received from parser');
      return value.map((item) => (item === null || item === undefined ? undefined : deserialize(shape.member, item)));
    }
    case 'map': {
      if (!isPlainObject(value)) throw Array.isArray(value) ? typeError(value, '') : new SerializationException('Unexpected token received from parser');
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = deserialize(shape.value, v);
      return out;
    }
    case 'structure': {
      if (!isPlainObject(value)) throw Array.isArray(value) ? typeError(value, '') : new SerializationException('Unexpected token received from parser');
      const out: Record<string, unknown> = {};
      for (const member in shape.members) {
        const v = value[member];
        if (v !== null && v !== undefined) out[member] = deserialize(shape.members[member]!, v);
      }
      return out;
    }
  }
}

// ---------------------------------------------------------------- phase 2: constraints

function display(shape: ModelShape, value: unknown): string {
  if (value instanceof Uint8Array) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (Array.isArray(value)) return `[${value.map((v) => (isPlainObject(v) ? displayStruct(v) : String(v))).join(', ')}]`;
  if (isPlainObject(value)) return displayStruct(value);
  void shape;
  return String(value);
}
const displayStruct = (v: Record<string, unknown>): string =>
  `{${Object.entries(v).map(([k, x]) => `${k}: ${Array.isArray(x) ? `[${x.join(', ')}]` : String(x)}`).join(',')}}`;

function check(shapeName: string, value: unknown, path: string, errors: string[]): void {
  const shape = SHAPES[shapeName]!;
  const fail = (constraint: string) => {
    const sensitive = 'sensitive' in shape && shape.sensitive;
    errors.push(`${sensitive ? 'Value' : `Value '${display(shape, value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  switch (shape.type) {
    case 'string': {
      const s = value as string;
      const n = shape.min !== undefined || shape.max !== undefined ? codePoints(s) : 0;
      if (shape.min !== undefined && n < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.pattern !== undefined && !patternOf(shape.pattern).test(s)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      if (shape.enum && !shape.enum.includes(s)) fail(`Member must satisfy enum value set: [${(ENUM_DISPLAY_ORDER[shapeName] ?? shape.enum).join(', ')}]`);
      return;
    }
    case 'integer':
    case 'long': {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case 'blob': {
      const n = (value as Uint8Array).length;
      if (shape.min !== undefined && n < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      return;
    }
    case 'list': {
      const items = value as unknown[];
      if (shape.min !== undefined && items.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && items.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      items.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === undefined) errors.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`);
        else check(shape.member, item, itemPath, errors);
      });
      return;
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      if (shape.min !== undefined && entries.length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
      for (const [k, v] of entries) {
        check(shape.key, k, `${path}.${k}.key`, errors);
        check(shape.value, v, `${path}.${k}.value`, errors);
      }
      return;
    }
    case 'structure': {
      const obj = value as Record<string, unknown>;
      const required = shape.required ?? [];
      for (const member in shape.members) {
        const memberPath = path ? `${path}.${lowerFirst(member)}` : lowerFirst(member);
        const v = obj[member];
        if (v === undefined) {
          if (required.includes(member)) errors.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
        } else check(shape.members[member]!, v, memberPath, errors);
      }
      return;
    }
    default:
      return;
  }
}

/** The validation message AWS builds from a list of violations. */
export function validationMessage(errors: readonly string[]): string {
  return `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

/**
 * Deserializes and validates an operation input against its model shape; returns the normalized copy.
 * `undefined`/`null` input is an empty request (the SDK sends `{}`).
 */
export function validateInput<T = Record<string, unknown>>(shapeName: string, input: unknown): T {
  const value = deserialize(shapeName, input ?? {}) as Record<string, unknown>;
  const errors: string[] = [];
  check(shapeName, value, '', errors);
  if (errors.length) throw new ValidationException(validationMessage(errors));
  return value as T;
}
