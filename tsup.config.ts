import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // the isomorphic core: no Node built-ins, runs in browsers, Deno, Bun and workerd
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    sourcemap: true,
    clean: true,
    treeshake: true,
  },
  {
    // hmac-kms/node and the command line
    entry: { 'node/index': 'src/node/index.ts', cli: 'src/node/cli.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { 'node/index': 'src/node/index.ts' } },
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    treeshake: true,
    tsconfig: 'tsconfig.node.json',
    // the core is imported from the package itself, never bundled twice (one HmacKms class, one set of error classes)
    external: ['hmac-kms'],
  },
]);
