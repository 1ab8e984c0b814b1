/** hmac-kms/node: the Node-only extras (an HTTP endpoint on node:http). */
export { startServer } from './server.js';
export { nodeMacEngine, nodeSigV4Crypto } from './crypto.js';
export type { RunningServer, StartServerOptions } from './server.js';
export { parseSeed } from './seed.js';
export { openStateFile, parseWrappingKey } from './state-file.js';
export type { StateFile, StateFileOptions } from './state-file.js';
export type { SeedEntry } from './seed.js';
