// How the tests bundle a Worker from the built package, as wrangler would: ESM for a neutral platform (no Node
// built-ins exist in a Worker), the package's "workerd"/"worker" export conditions before "import".
import type { BuildOptions } from 'esbuild';

export const WORKER_BUILD = {
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['workerd', 'worker', 'import'],
  logLevel: 'silent',
} as const satisfies BuildOptions;
