/**
 * The types of `startTestServer()`, and what it does outside Node. The server itself is Node-only
 * (src/node/test-server.ts): `hmac-kms/testing` resolves to a build that has it under the `node` export condition
 * (Node, Bun, Deno, vitest and jest), and to this one elsewhere (browsers, workerd).
 */
/// <reference lib="esnext.disposable" />
import type { Credentials, HmacKms, HmacKmsOptions, SeedKeyInput, WireOptions } from 'hmac-kms';

export interface TestServerOptions {
  /** The emulator to serve; default `new HmacKms(kmsOptions)`. */
  kms?: HmacKms;
  /** Used when `kms` is not given. */
  kmsOptions?: HmacKmsOptions;
  /**
   * Access keys the server accepts, each acting as a principal (see `createSdkRequestHandler`); without them any
   * signature is accepted and every call runs as the account's root.
   */
  credentials?: Credentials;
  /** Keys to seed before listening. */
  seed?: readonly SeedKeyInput[];
  onError?: WireOptions['onError'];
}

export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly kms: HmacKms;
  /** The environment variables the server set (the values it put in `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** Stops the server and restores every environment variable it set or removed. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts hmac-kms on a free loopback port and points the AWS SDKs of this process (and of child processes that
 * inherit its environment) at it. Node only.
 */
export function startTestServer(options?: TestServerOptions): Promise<TestServer>;
export function startTestServer(): Promise<TestServer> {
  return Promise.reject(
    new Error(
      'startTestServer() needs Node.js (it serves HTTP with node:http), and hmac-kms/testing was loaded without the "node" export condition. ' +
        'Here, attach the emulator in-process with attachKms() or createSdkRequestHandler().',
    ),
  );
}
