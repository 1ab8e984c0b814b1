/**
 * Seed entries as a JSON file gives them (`hmac-kms serve --seed FILE`): `seedKey` inputs whose `KeyMaterial` is a
 * hex or base64 string (told apart by length: hex has two characters per byte of the spec's key length).
 */
import { fromBase64 } from '../crypto/base64.js';
import { HMAC_KEY_SPECS, isHmacKeySpec } from '../crypto/key-specs.js';
import type { SeedKeyInput } from 'hmac-kms';

export interface SeedEntry extends Omit<SeedKeyInput, 'KeyMaterial'> {
  KeyMaterial: string | Uint8Array;
}

export function parseSeed(entry: SeedKeyInput | SeedEntry): SeedKeyInput {
  if (typeof entry !== 'object' || entry === null) throw new TypeError('seed: each entry must be an object');
  const material = entry.KeyMaterial;
  if (typeof material !== 'string') return entry as SeedKeyInput;
  const length = isHmacKeySpec(entry.KeySpec) ? HMAC_KEY_SPECS[entry.KeySpec].keyLength : 0;
  let bytes: Uint8Array;
  if (material.length === length * 2 && /^[0-9a-fA-F]+$/.test(material)) {
    bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = parseInt(material.slice(2 * i, 2 * i + 2), 16);
  } else {
    try {
      bytes = fromBase64(material);
    } catch {
      throw new TypeError(`seed: KeyMaterial of ${entry.KeyId ?? entry.KeySpec} is neither ${length * 2} hex digits nor base64`);
    }
  }
  return { ...entry, KeyMaterial: bytes };
}
