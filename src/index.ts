/**
 * hmac-kms: AWS KMS HMAC keys, emulated in pure TypeScript. This entry point is isomorphic: nothing under it imports
 * `node:*`, uses `Buffer` or `process`.
 */
export { HmacKms, addAuditListener, assertHmacKms, countKeys, isStopped } from './kms.js';
export type { HmacKmsOptions, SeedKeyInput, StateOptions } from './kms.js';
// for tools that show the world's keys (hmac-kms/node's web console): plain rows, nothing secret
export { inventory } from './state/inventory.js';
export type { Inventory, InventoryKey } from './state/inventory.js';
export { StateError, STATE_VERSION } from './state/snapshot.js';
export type { StateErrorCode, StateSnapshot } from './state/snapshot.js';
// for durable stores (hmac-kms/node's state file, hmac-kms/cloudflare's Durable Object): the record of changes
export { attachJournal, applyChange, settle as settleDeletions } from './kms.js';
export { sealChange, openChange } from './state/changes.js';
export type { ChangeRecord, Journal } from './state/changes.js';
export type { AuditEvent, AuditUserIdentity } from './audit/cloudtrail.js';
export type { RandomSource } from './crypto/random.js';
export type { MacEngine, MacHash } from './crypto/mac-key.js';
export type { Quotas } from './operations/context.js';
export { CURRENT_HMAC_UNSUPPORTED_REGIONS, DEFAULT_HMAC_UNSUPPORTED_REGIONS } from './model/regions.js';
export { createFetchHandler } from './wire/fetch-handler.js';
export type { FetchHandlerOptions } from './wire/fetch-handler.js';
export { createSdkRequestHandler } from './wire/sdk-handler.js';
export type { SdkHttpRequest, SdkHttpResponse } from './wire/sdk-handler.js';
export { createWireDispatcher, MAX_BODY_BYTES } from './wire/dispatch.js';
export type { WireOptions, WireResponse, Credentials, Credential, RequestLogEntry, SigV4Crypto } from './wire/dispatch.js';
export { createWireCore } from './wire/dispatch.js';
export type { WireRequest } from './wire/sigv4.js';
export * from './errors.js';
export * from './enums.js';
export type * from './model/kms-types.generated.js';
