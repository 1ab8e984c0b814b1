/**
 * hmac-kms/testing under the `node` export condition: everything of the runtime-neutral build (src/testing/), with
 * the real `startTestServer`. Its types are those of src/testing/index.ts (the same declarations for both builds).
 */
export * from '../testing/common.js';
export { startTestServer } from './test-server.js';
