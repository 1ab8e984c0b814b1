import { defineConfig } from 'vitest/config';

export default defineConfig({
  // src/node imports the core as 'hmac-kms' (as the published package does); tests run it from source
  resolve: { alias: { 'hmac-kms': new URL('./src/index.ts', import.meta.url).pathname } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // the JSON report is what .ci/run counts for its closing "N passed, N failed" line
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
