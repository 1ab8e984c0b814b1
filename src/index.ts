/**
 * hmac-kms: AWS KMS HMAC keys, emulated in pure TypeScript. This entry point is isomorphic: nothing under it imports
 * `node:*`, uses `Buffer` or `process`.
 */
export { KeySpec, MacAlgorithmSpec } from './enums.js';
export type { HmacKeySpec } from './enums.js';
export type { RandomSource } from './crypto/random.js';
