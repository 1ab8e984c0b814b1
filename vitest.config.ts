import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const src = (path: string) => new URL(`./src/${path}`, import.meta.url).pathname;

export default defineConfig({
  // as tsup builds it into the Node entries
  define: { __HMAC_KMS_VERSION__: JSON.stringify((JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }).version) },
  // the package's own entries run from source: src/node imports the core as 'hmac-kms' (as the published package
  // does), and README examples import 'hmac-kms/jwt' and 'hmac-kms/node'. Exact matches, so that one entry never
  // resolves as a path under another.
  resolve: {
    alias: [
      { find: /^hmac-kms$/, replacement: src('index.ts') },
      { find: /^hmac-kms\/node$/, replacement: src('node/index.ts') },
      { find: /^hmac-kms\/jwt$/, replacement: src('jwt/index.ts') },
      { find: /^hmac-kms\/cloudflare$/, replacement: src('cloudflare/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // in the suites and the programs they spawn: the AWS SDK pinned here (TOOLCHAIN.md: later releases need Node 22)
    // warns on Node 20 that its *future* releases will not support it, which says nothing about this run; and a client
    // without credentials (attachKms lets the SDK look for its own first) must not ask the EC2 instance metadata
    // service at 169.254.169.254: the tests make no request outside 127.0.0.1
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
    // after vitest's summary, one line per test skipped with a reason (a program missing on this machine). .ci/run
    // sets HMAC_KMS_VITEST_JSON to get the JSON report it counts for its closing "N passed, N failed" line.
    reporters: [
      'default',
      './test/helpers/skip-reasons.ts',
      ...(process.env.HMAC_KMS_VITEST_JSON ? [['json', { outputFile: process.env.HMAC_KMS_VITEST_JSON }] as ['json', { outputFile: string }]] : []),
    ],
  },
});
