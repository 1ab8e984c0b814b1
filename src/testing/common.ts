/** What `hmac-kms/testing` offers in every runtime (its Node build adds the real `startTestServer`). */
export { attachKms, isKmsAttachment, ATTACHED_ACCESS_KEY_ID } from './attach.js';
export type { AttachKmsOptions, KmsAttachment, KmsCall } from './attach.js';
export { kmsMatchers } from './matchers.js';
export type { KmsCommand, KmsCommandClass, KmsInputMatch, KmsMatchers, KmsOperationName } from './matchers.js';
export type { TestServer, TestServerOptions } from './test-server.js';
