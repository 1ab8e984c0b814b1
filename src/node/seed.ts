/**
 * Seeds: a whole local setup in one JSON file (`hmac-kms serve --seed FILE`, `startServer({ seed })`), checked field
 * by field before anything is created:
 *
 * ```json
 * { "Keys": [ { "KeySpec": "HMAC_256", "KeyMaterial": "<hex or base64>", "KeyId": "<uuid>", "Description": "…",
 *               "Tags": [{ "TagKey": "team", "TagValue": "payments" }], "Policy": { … } or "…", "MultiRegion": false,
 *               "Aliases": ["alias/app"], "Grants": [{ "GranteePrincipal": "arn:…", "Operations": ["GenerateMac"] }],
 *               "Account": "111122223333", "Region": "us-east-1" } ],
 *   "IdentityPolicies": [ { "Principal": "arn:aws:iam::111122223333:role/App", "PolicyName": "kms",
 *                           "PolicyDocument": { … } or "…" } ] }
 * ```
 * A bare JSON list is the `Keys` list. `KeyMaterial` is hex (two digits per byte of the spec's key length) or base64:
 * a string of hex digits of even length is always read as hex, anything else as canonical base64.
 */
import { fromBase64 } from '../crypto/base64.js';
import { HMAC_KEY_SPECS, isHmacKeySpec } from '../crypto/key-specs.js';
import type { HmacKms, SeedKeyInput } from 'hmac-kms';

/** A grant a seed creates on its key (as CreateGrant takes it). */
export interface SeedGrant {
  GranteePrincipal: string;
  Operations: string[];
  Name?: string;
  RetiringPrincipal?: string;
}

/** One key of a seed: `seedKey`'s input with material as text, plus what is made with it. */
export interface SeedEntry extends Omit<SeedKeyInput, 'KeyMaterial' | 'Policy'> {
  KeyMaterial: string | Uint8Array;
  /** A policy document, as JSON text or as the object. */
  Policy?: string | object;
  /** Aliases to create for the key. */
  Aliases?: string[];
  /** Grants to create on the key (by the key's account). */
  Grants?: SeedGrant[];
  /** The key's account (default: the server's). */
  Account?: string;
  /** The key's Region (default: the server's). */
  Region?: string;
}

export interface SeedIdentityPolicy {
  Principal: string;
  PolicyName: string;
  PolicyDocument: string | object;
}

/** A whole seed: keys, and IAM identity policies. */
export interface Seed {
  Keys?: (SeedKeyInput | SeedEntry)[];
  IdentityPolicies?: SeedIdentityPolicy[];
}

const KEY_FIELDS = new Set(['KeySpec', 'KeyMaterial', 'KeyId', 'Description', 'Tags', 'Policy', 'BypassPolicyLockoutSafetyCheck', 'MultiRegion', 'Aliases', 'Grants', 'Account', 'Region']);
const GRANT_FIELDS = new Set(['GranteePrincipal', 'Operations', 'Name', 'RetiringPrincipal']);
const POLICY_FIELDS = new Set(['Principal', 'PolicyName', 'PolicyDocument']);
const TOP_FIELDS = new Set(['Keys', 'IdentityPolicies']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

function onlyKnown(o: Record<string, unknown>, known: Set<string>, where: string): void {
  for (const k of Object.keys(o)) if (!known.has(k)) throw new TypeError(`seed: ${where} has an unknown field "${k}" (known: ${[...known].join(', ')})`);
}

/** The material of a key entry as bytes; the error says which entry, which spec and what was expected. */
function material(entry: Record<string, unknown>, where: string): Uint8Array {
  const spec = entry.KeySpec;
  if (!isHmacKeySpec(spec)) throw new TypeError(`seed: ${where}: KeySpec must be HMAC_224, HMAC_256, HMAC_384 or HMAC_512 (got ${JSON.stringify(spec)})`);
  const length = HMAC_KEY_SPECS[spec].keyLength;
  const m = entry.KeyMaterial;
  const expected = `${length} bytes for ${spec}: ${length * 2} hex digits or ${Math.ceil(length / 3) * 4} base64 characters`;
  if (m instanceof Uint8Array) {
    if (m.length !== length) throw new TypeError(`seed: ${where}: KeyMaterial is ${m.length} bytes; expected ${expected}`);
    return m;
  }
  if (typeof m !== 'string') throw new TypeError(`seed: ${where}: KeyMaterial is required: ${expected}`);
  // hex digits of even length are hex, whatever their length (`openssl rand -hex 32` given for HMAC_384 must not be
  // read as base64 of 48 other bytes); anything else must be canonical base64
  if (/^[0-9a-fA-F]+$/.test(m) && m.length % 2 === 0) {
    const n = m.length / 2;
    if (n !== length) throw new TypeError(`seed: ${where}: KeyMaterial is ${m.length} hex digits (${n} byte${n === 1 ? '' : 's'}); expected ${expected}`);
    return Uint8Array.from({ length }, (_, i) => parseInt(m.slice(2 * i, 2 * i + 2), 16));
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(m);
  } catch {
    throw new TypeError(`seed: ${where}: KeyMaterial is neither hex nor base64; expected ${expected}`);
  }
  if (bytes.length !== length) throw new TypeError(`seed: ${where}: KeyMaterial decodes to ${bytes.length} bytes; expected ${expected}`);
  return bytes;
}

const policyText = (p: unknown, where: string): string => {
  if (typeof p === 'string') return p;
  if (isObject(p)) return JSON.stringify(p);
  throw new TypeError(`seed: ${where}: a policy must be a JSON object or its text`);
};

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new TypeError(`seed: ${where} must be a list of strings`);
  return v as string[];
}

/** A checked key entry: `seedKey`'s input, and what to make with the key. */
export interface PlannedKey {
  input: SeedKeyInput;
  aliases: string[];
  grants: SeedGrant[];
  account: string | undefined;
  region: string | undefined;
}

/** Checks one key entry (a seed's or `startServer({ seed })`'s). */
export function planKey(entry: unknown, where = 'a key entry'): PlannedKey {
  if (!isObject(entry)) throw new TypeError(`seed: ${where} must be an object`);
  onlyKnown(entry, KEY_FIELDS, where);
  const { KeyMaterial: _m, Aliases, Grants, Account, Region, Policy, ...rest } = entry;
  const input = { ...rest, KeyMaterial: material(entry, where), ...(Policy !== undefined ? { Policy: policyText(Policy, `${where}.Policy`) } : {}) } as SeedKeyInput;
  const aliases = Aliases === undefined ? [] : stringList(Aliases, `${where}.Aliases`);
  if (Grants !== undefined && !Array.isArray(Grants)) throw new TypeError(`seed: ${where}.Grants must be a list`);
  const grants = ((Grants as unknown[]) ?? []).map((g, i) => {
    const gw = `${where}.Grants[${i}]`;
    if (!isObject(g)) throw new TypeError(`seed: ${gw} must be an object`);
    onlyKnown(g, GRANT_FIELDS, gw);
    if (typeof g.GranteePrincipal !== 'string') throw new TypeError(`seed: ${gw}.GranteePrincipal is required`);
    stringList(g.Operations, `${gw}.Operations`);
    return g as unknown as SeedGrant;
  });
  if (Account !== undefined && (typeof Account !== 'string' || !/^\d{12}$/.test(Account))) throw new TypeError(`seed: ${where}.Account must be 12 digits`);
  if (Region !== undefined && typeof Region !== 'string') throw new TypeError(`seed: ${where}.Region must be a Region name`);
  return { input, aliases, grants, account: Account as string | undefined, region: Region as string | undefined };
}

/** Checks a whole seed (the parsed JSON of a seed file, or `startServer({ seed })`), before anything is made. */
export function planSeed(seed: unknown): { keys: PlannedKey[]; identityPolicies: SeedIdentityPolicy[] } {
  const s: Record<string, unknown> = Array.isArray(seed) ? { Keys: seed } : isObject(seed) ? seed : {};
  if (!Array.isArray(seed) && !isObject(seed)) throw new TypeError('seed: a seed is a JSON list of keys, or an object { "Keys": [...], "IdentityPolicies": [...] }');
  onlyKnown(s, TOP_FIELDS, 'the seed');
  if (s.Keys !== undefined && !Array.isArray(s.Keys)) throw new TypeError('seed: Keys must be a list');
  if (s.IdentityPolicies !== undefined && !Array.isArray(s.IdentityPolicies)) throw new TypeError('seed: IdentityPolicies must be a list');
  const keys = ((s.Keys as unknown[]) ?? []).map((e, i) => planKey(e, `Keys[${i}]${isObject(e) && typeof e.KeyId === 'string' ? ` (${e.KeyId})` : ''}`));
  const identityPolicies = ((s.IdentityPolicies as unknown[]) ?? []).map((p, i) => {
    const where = `IdentityPolicies[${i}]`;
    if (!isObject(p)) throw new TypeError(`seed: ${where} must be an object`);
    onlyKnown(p, POLICY_FIELDS, where);
    if (typeof p.Principal !== 'string' || typeof p.PolicyName !== 'string') throw new TypeError(`seed: ${where} needs Principal and PolicyName`);
    return { Principal: p.Principal, PolicyName: p.PolicyName, PolicyDocument: policyText(p.PolicyDocument, `${where}.PolicyDocument`) };
  });
  return { keys, identityPolicies };
}

/** Creates what a seed describes, in order: identity policies, then each key with its aliases and grants. */
export async function applySeed(kms: HmacKms, seed: unknown): Promise<void> {
  const plan = planSeed(seed);
  for (const p of plan.identityPolicies) kms.putIdentityPolicy(p.Principal, p.PolicyName, p.PolicyDocument as string);
  for (const [i, k] of plan.keys.entries()) {
    const owner = (k.account ? kms.as(k.account) : kms).inRegion(k.region ?? kms.region);
    try {
      const { KeyMetadata } = await owner.seedKey(k.input);
      for (const AliasName of k.aliases) await owner.createAlias({ AliasName, TargetKeyId: KeyMetadata!.KeyId! });
      for (const g of k.grants) await owner.createGrant({ KeyId: KeyMetadata!.KeyId!, ...g } as never);
    } catch (e) {
      throw new Error(`seed: Keys[${i}]${k.input.KeyId ? ` (${k.input.KeyId})` : ''}: ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** One key entry's `seedKey` input (material decoded); kept for callers of the first release. */
export function parseSeed(entry: SeedKeyInput | SeedEntry): SeedKeyInput {
  return planKey(entry).input;
}
