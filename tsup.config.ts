import { defineConfig, type Options } from 'tsup';

// noble 2 is ESM only. Node >= 20.19 can require() it, but jest's CommonJS runtime (and any loader without
// require(esm)) cannot: "Must use import to load ES Module: .../@noble/hashes/sha2.js". So every CJS build bundles the
// @noble modules it uses, and every ESM build keeps them external (one copy, shared with the application).
const CJS_BUNDLES_NOBLE: Options = { format: ['cjs'], noExternal: [/^@noble\//] };

export default defineConfig([
  {
    // the isomorphic core: no Node built-ins, runs in browsers, Deno, Bun and workerd
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    clean: true,
    treeshake: true,
  },
  {
    entry: { index: 'src/index.ts' },
    ...CJS_BUNDLES_NOBLE,
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
  },
  ...(['esm', 'cjs'] as const).map(
    (format): Options => ({
      // hmac-kms/node
      entry: { 'node/index': 'src/node/index.ts' },
      ...(format === 'cjs' ? CJS_BUNDLES_NOBLE : { format: ['esm'] }),
      dts: true,
      target: 'node20',
      platform: 'node',
      treeshake: true,
      tsconfig: 'tsconfig.node.json',
      // the core is imported from the package itself, never bundled twice (one HmacKms class, one set of error classes)
      external: ['hmac-kms'],
    }),
  ),
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
