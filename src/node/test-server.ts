/**
 * `startTestServer()` (hmac-kms/testing, Node build): `startServer` on a free loopback port, and the environment that
 * points the AWS SDKs at it, restored by `close()`.
 *
 * The variables, as the SDKs read them ("Service-specific endpoints", AWS SDKs and Tools Reference Guide; honoured by
 * the AWS SDK for JavaScript v3 and botocore/boto3, tested in test/testing/server.test.ts):
 * - `AWS_ENDPOINT_URL_KMS` = the server (it beats `AWS_ENDPOINT_URL` and the config file's `endpoint_url`);
 * - `AWS_ENDPOINT_URL` = the server too, unless it is already set (an endpoint the tests use for other services,
 *   LocalStack say, stays); `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is removed (it would make the SDKs ignore both);
 * - `AWS_REGION` and `AWS_DEFAULT_REGION` (boto3 reads the latter), each only when unset: the server's Region;
 * - `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, only when no access key is set: the first of `credentials` (so
 *   the code runs as its principal), or `test`/`test` without `credentials` (any signature is accepted). Then
 *   `AWS_PROFILE` and `AWS_SESSION_TOKEN` are removed: the JavaScript SDK prefers a named profile to the access key
 *   in the environment (it warns "Multiple credential sources detected"), and botocore fails on a profile it lacks.
 * Clients read these when they are made (and resolve them once): make them after `startTestServer()`.
 */
import type { TestServer, TestServerOptions } from '../testing/test-server.js';
import { startServer } from './server.js';

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startServer({ ...options, host: '127.0.0.1', port: 0 });
  const env = process.env;
  const set: Record<string, string> = {};
  const saved = new Map<string, string | undefined>();
  const put = (name: string, value: string): void => {
    if (!saved.has(name)) saved.set(name, env[name]);
    env[name] = value;
    set[name] = value;
  };
  const remove = (name: string): void => {
    if (env[name] === undefined) return;
    saved.set(name, env[name]);
    delete env[name];
  };
  put('AWS_ENDPOINT_URL_KMS', server.url);
  if (!env.AWS_ENDPOINT_URL) put('AWS_ENDPOINT_URL', server.url);
  remove('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS');
  if (!env.AWS_REGION) put('AWS_REGION', server.kms.region);
  if (!env.AWS_DEFAULT_REGION) put('AWS_DEFAULT_REGION', env.AWS_REGION!);
  if (!env.AWS_ACCESS_KEY_ID) {
    const [accessKeyId, credential] = Object.entries(options.credentials ?? {})[0] ?? ['test', { secretAccessKey: 'test' }];
    put('AWS_ACCESS_KEY_ID', accessKeyId);
    put('AWS_SECRET_ACCESS_KEY', credential.secretAccessKey);
    remove('AWS_PROFILE');
    remove('AWS_SESSION_TOKEN');
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // restore what is still as this server left it (a variable changed since belongs to whoever changed it);
      // a removed variable is absent in both `env` and `set`
      for (const [name, before] of saved) {
        if (env[name] !== set[name]) continue;
        if (before === undefined) delete env[name];
        else env[name] = before;
      }
      await server.close();
    })());
  return { url: server.url, port: server.port, kms: server.kms, env: Object.freeze({ ...set }), close, [Symbol.asyncDispose]: close };
}
