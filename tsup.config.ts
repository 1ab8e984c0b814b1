import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // the isomorphic core: no Node built-ins, runs in browsers, Deno, Bun and workerd
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    clean: true,
    treeshake: true,
  },
  {
    // hmac-kms/node
    entry: { 'node/index': 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
    tsconfig: 'tsconfig.node.json',
    // the core is imported from the package itself, never bundled twice (one HmacKms class, one set of error classes)
    external: ['hmac-kms'],
  },
  {
    // hmac-kms/jwt: isomorphic like the core, its own entry (the core bundle does not grow); it imports the core only
    // as the package itself, never bundled a second time
    entry: { 'jwt/index': 'src/jwt/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
    external: ['hmac-kms'],
  },
  {
    // the command line (ESM, like the bin entry)
    entry: { cli: 'src/node/cli.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    treeshake: true,
    tsconfig: 'tsconfig.node.json',
    external: ['hmac-kms'],
  },
]);
