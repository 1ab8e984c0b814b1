/**
 * Input checking from the KMS service model, in the two phases AWS's JSON stack applies:
 *
 * 1. deserialization: a member of the wrong JSON type is a `SerializationException` (the call never reaches the
 *    service); unknown members are ignored and `null` means absent;
 * 2. validation: every violated constraint (required, length, range, pattern, enum) is collected and reported as one
 *    `ValidationException` in AWS's format, e.g. `1 validation error detected: Value 'INVALID' at 'macAlgorithm'
 *    failed to satisfy constraint: Member must satisfy enum value set: [...]` (recorded, aws-recorded-hmac.json).
 *    Member paths are lower-camel-cased, list items are 1-based (`tags.1.member.tagKey`, recorded), and values of
 *    `sensitive` members are not echoed (`Value at 'plaintext'`, recorded). Several violations are joined with
 *    "; " after "N validation errors detected: ".
 *
 * Each shape is compiled once into a pair of functions, so a call walks precomputed member lists.
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

interface Compiled {
  /** Phase 1: a checked copy (blobs as Uint8Array, unknown members and nulls dropped); throws SerializationException. */
  de(value: unknown): unknown;
  /** Phase 2: appends the violations of `value` at `path`. */
  ck(value: unknown, path: string, errors: string[]): void;
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** Length in Unicode code points (Smithy's string length), exact only when it matters. */
function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

const utf8 = new TextEncoder();
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

/**
 * Coral's deserializer texts for a JSON value of the wrong type (the current `*_VALUE` generation, measured against
 * real AWS JSON 1.1 services; kms-api research notes: Athena 2026, CodeDeploy, DynamoDB, Kinesis).
 */
const JSON_KIND = (v: unknown): string =>
  typeof v === 'string' ? 'STRING_VALUE' : typeof v === 'number' ? 'NUMBER_VALUE' : v === true ? 'TRUE_VALUE' : v === false ? 'FALSE_VALUE' : 'VALUE';

function startOf(value: unknown): SerializationException | undefined {
  if (Array.isArray(value)) return new SerializationException('Start of list found where not expected');
  if (isPlainObject(value)) return new SerializationException('Start of structure or map found where not expected.');
  return undefined;
}
/** The wrong JSON type for a scalar member. */
function scalarMismatch(value: unknown, expected: string): SerializationException {
  return startOf(value) ?? new SerializationException(`${JSON_KIND(value)} can not be converted to ${expected}`);
}
/** The wrong JSON type for a list, map or structure member: a scalar where a container belongs. */
function containerMismatch(value: unknown, kind: 'list' | 'map' | 'structure'): SerializationException {
  if (kind !== 'list' && Array.isArray(value)) return new SerializationException('Start of list found where not expected');
  if (kind === 'list' && isPlainObject(value)) return new SerializationException('Start of structure or map found where not expected.');
  return new SerializationException(kind === 'list' ? 'Expected list or null' : kind === 'map' ? 'Expected map or null' : 'Expected null');
}

/** How a value is printed in a message: Java's `toString` of what the service deserialized. */
function display(value: unknown): string {
  if (value instanceof Uint8Array) return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (Array.isArray(value)) return `[${value.map(display).join(', ')}]`;
  if (isPlainObject(value)) return `{${Object.entries(value).map(([k, x]) => `${k}: ${display(x)}`).join(',')}}`;
  return String(value);
}

const failure = (sensitive: boolean | undefined, value: unknown, path: string, constraint: string): string =>
  `${sensitive ? 'Value' : `Value '${display(value)}'`} at '${path}' failed to satisfy constraint: ${constraint}`;

function lengthChecks(min: number | undefined, max: number | undefined, sensitive: boolean | undefined, value: unknown, n: number, path: string, errors: string[]): void {
  if (min !== undefined && n < min) errors.push(failure(sensitive, value, path, `Member must have length greater than or equal to ${min}`));
  if (max !== undefined && n > max) errors.push(failure(sensitive, value, path, `Member must have length less than or equal to ${max}`));
}

const compiled = new Map<string, Compiled>();

/**
 * Shapes whose values are never echoed in a message, beyond the model's `sensitive` ones: grant tokens (issue #10.9:
 * eleven `GrantTokens` echoed every token into the ValidationException and so into the audit record). AWS itself
 * echoes them (it calls tokens "nonsecret"); hmac-kms prints `Value at '…'` as for sensitive members (README,
 * Deviations). A list of such values is not echoed either.
 */
const NEVER_ECHOED = new Set(['GrantTokenType']);
const isSecret = (name: string): boolean => {
  const s = SHAPES[name];
  return NEVER_ECHOED.has(name) || (!!s && (s.type === 'string' || s.type === 'blob') && s.sensitive === true);
};

function compile(name: string): Compiled {
  const existing = compiled.get(name);
  if (existing) return existing;
  const shape: ModelShape | undefined = SHAPES[name];
  if (!shape) throw new Error(`no model shape ${name}`);
  // placeholder first, so that recursive shapes resolve
  const c: Compiled = { de: () => undefined, ck: () => {} };
  compiled.set(name, c);
  switch (shape.type) {
    case 'string': {
      const { min, max } = shape;
      const sensitive = isSecret(name);
      const pattern = shape.pattern === undefined ? undefined : new RegExp(`^(?:${shape.pattern})$`); // Java matches(): whole value
      const values = shape.enum && new Set(shape.enum);
      const enumText = shape.enum && `Member must satisfy enum value set: [${(ENUM_DISPLAY_ORDER[name] ?? shape.enum).join(', ')}]`;
      c.de = (v) => {
        if (typeof v !== 'string') throw scalarMismatch(v, 'a String');
        return v;
      };
      c.ck = (v, path, errors) => {
        const s = v as string;
        if (min !== undefined || max !== undefined) {
          // code points lie between length/2 and length: count them only when those bounds do not decide
          const len = s.length;
          const surelyOk = (max === undefined || len <= max) && (min === undefined || Math.ceil(len / 2) >= min);
          if (!surelyOk) lengthChecks(min, max, sensitive, s, codePointLength(s), path, errors);
        }
        if (pattern && !pattern.test(s)) errors.push(failure(sensitive, s, path, `Member must satisfy regular expression pattern: ${shape.pattern}`));
        if (values && !values.has(s)) errors.push(failure(sensitive, s, path, enumText!));
      };
      break;
    }
    case 'integer':
    case 'long': {
      const { min, max } = shape;
      const expected = shape.type === 'long' ? 'a Long' : 'an Integer';
      c.de = (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw scalarMismatch(v, expected);
        return Math.trunc(v); // a decimal is accepted and truncated (measured: 1.5 -> 1)
      };
      c.ck = (v, path, errors) => {
        const n = v as number;
        if (min !== undefined && n < min) errors.push(failure(false, n, path, `Member must have value greater than or equal to ${min}`));
        if (max !== undefined && n > max) errors.push(failure(false, n, path, `Member must have value less than or equal to ${max}`));
      };
      break;
    }
    case 'boolean':
      c.de = (v) => {
        if (typeof v !== 'boolean') throw scalarMismatch(v, 'a Boolean');
        return v;
      };
      break;
    case 'timestamp':
      c.de = (v) => {
        if (v instanceof Date) return v;
        if (typeof v === 'number') return new Date(v * 1000);
        throw scalarMismatch(v, 'a Date');
      };
      break;
    case 'blob': {
      const { min, max, sensitive } = shape;
      c.de = (v) => {
        if (v instanceof Uint8Array) return v;
        if (typeof v === 'string') return utf8.encode(v); // as the AWS SDK does for a string blob
        throw scalarMismatch(v, 'a Blob');
      };
      c.ck = (v, path, errors) => lengthChecks(min, max, sensitive, v, (v as Uint8Array).length, path, errors);
      break;
    }
    case 'list': {
      const { min, max } = shape;
      const sensitive = isSecret(shape.member);
      const member = compile(shape.member);
      c.de = (v) => {
        if (!Array.isArray(v)) throw containerMismatch(v, 'list');
        return v.map((item) => (item === null || item === undefined ? undefined : member.de(item)));
      };
      c.ck = (v, path, errors) => {
        const items = v as unknown[];
        lengthChecks(min, max, sensitive, items, items.length, path, errors);
        for (let i = 0; i < items.length; i++) {
          const itemPath = `${path}.${i + 1}.member`;
          if (items[i] === undefined) errors.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`);
          else member.ck(items[i], itemPath, errors);
        }
      };
      break;
    }
    case 'map': {
      const { min, max } = shape;
      const key = compile(shape.key);
      const value = compile(shape.value);
      c.de = (v) => {
        if (!isPlainObject(v)) throw containerMismatch(v, 'map');
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v)) if (v[k] !== null && v[k] !== undefined) out[k] = value.de(v[k]);
        return out;
      };
      c.ck = (v, path, errors) => {
        const entries = Object.entries(v as Record<string, unknown>);
        lengthChecks(min, max, false, v, entries.length, path, errors);
        for (const [k, x] of entries) {
          key.ck(k, `${path}.${k}.key`, errors);
          value.ck(x, `${path}.${k}.value`, errors);
        }
      };
      break;
    }
    case 'structure': {
      const required = new Set(shape.required ?? []);
      const members = Object.entries(shape.members).map(([m, s]) => ({ name: m, path: lowerFirst(m), required: required.has(m), c: compile(s) }));
      c.de = (v) => {
        if (!isPlainObject(v)) throw containerMismatch(v, 'structure');
        const out: Record<string, unknown> = {};
        for (const m of members) {
          const x = v[m.name];
          if (x !== null && x !== undefined) out[m.name] = m.c.de(x);
        }
        return out;
      };
      c.ck = (v, path, errors) => {
        const obj = v as Record<string, unknown>;
        for (const m of members) {
          const x = obj[m.name];
          if (x === undefined) {
            if (m.required) errors.push(`Value null at '${path ? `${path}.${m.path}` : m.path}' failed to satisfy constraint: Member must not be null`);
          } else m.c.ck(x, path ? `${path}.${m.path}` : m.path, errors);
        }
      };
      break;
    }
  }
  return c;
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
  const c = compile(shapeName);
  // a request that is not a JSON object at all: Coral answers with no message (measured), a list excepted
  if (input !== undefined && input !== null && !isPlainObject(input)) throw startOf(input) ?? new SerializationException('');
  const value = c.de(input ?? {});
  const errors: string[] = [];
  c.ck(value, '', errors);
  if (errors.length) throw new ValidationException(validationMessage(errors));
  return value as T;
}
