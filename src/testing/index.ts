/**
 * hmac-kms/testing: helpers for the tests of code that calls AWS KMS.
 * - `attachKms(KMSClient, kms)`: every `KMSClient`, made before or after, talks to the emulator in-process, and the
 *   attachment records the calls; `kmsMatchers` assert on them in vitest and jest.
 * - `startTestServer()` (Node only): the emulator on a free port, with `AWS_ENDPOINT_URL_KMS` pointing at it, for code
 *   (or processes) that cannot be touched at all.
 * This file is the entry of the runtime-neutral build; src/node/testing.ts is the entry of the Node build.
 */
export * from './common.js';
export { startTestServer } from './test-server.js';
