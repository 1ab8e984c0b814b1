import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = fileURLToPath(new URL('../../vectors/', import.meta.url));

export function readVector<T>(relative: string): T {
  return JSON.parse(readFileSync(VECTORS_DIR + relative, 'utf8')) as T;
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHexString = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export interface Rfc4231Case {
  id: number;
  key: string;
  data: string;
  sha224: string;
  sha256: string;
  sha384: string;
  sha512: string;
  truncateBits?: number;
}

export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: {
    keySize: number;
    tagSize: number;
    tests: { tcId: number; comment: string; flags: string[]; key: string; msg: string; tag: string; result: 'valid' | 'invalid' }[];
  }[];
}
