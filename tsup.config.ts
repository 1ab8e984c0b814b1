import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/** The package version, built into the Node entries (`hmac-kms --version`, GET /health). */
const define = { __HMAC_KMS_VERSION__: JSON.stringify((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version) };

// noble 2 is ESM only. Node >= 20.19 can require() it, but jest's CommonJS runtime (and any loader without
// require(esm)) cannot: "Must use import to load ES Module: .../@noble/hashes/sha2.js". So every CJS build bundles the
// @noble modules it uses, and every ESM build keeps them external (one copy, shared with the application). tsup's
// noExternal cannot differ between formats of one build, hence one build per format; the declarations (.d.ts and
// .d.cts) come from one declaration-only build per entry point, so TypeScript runs once for each.
const perFormat = (options: Options): Options[] => [
  { ...options, format: ['esm'] },
  { ...options, format: ['cjs'], noExternal: [/^@noble\//], clean: false },
];
const declarations = (options: Options): Options => ({ ...options, format: ['esm', 'cjs'], dts: { ...(typeof options.dts === 'object' ? options.dts : {}), only: true }, clean: false });

const core: Options = {
  // the isomorphic core: no Node built-ins, runs in browsers, Deno, Bun and workerd
  entry: { index: 'src/index.ts' },
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
};
const node: Options = {
  // hmac-kms/node, and hmac-kms/testing under the "node" condition (its types: those of the neutral build below)
  entry: { 'node/index': 'src/node/index.ts', 'node/testing': 'src/node/testing.ts' },
  splitting: false,
  target: 'node20',
  platform: 'node',
  treeshake: true,
  tsconfig: 'tsconfig.node.json',
  // the core is imported from the package itself, never bundled twice (one HmacKms class, one set of error classes)
  external: ['hmac-kms'],
  define,
};
const testing: Options = {
  // hmac-kms/testing anywhere else (browsers, workerd): the same but startTestServer
  entry: { 'testing/index': 'src/testing/index.ts' },
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
  external: ['hmac-kms'],
};

export default defineConfig([
  ...perFormat({ ...core, clean: true }),
  declarations(core),
  ...perFormat(node),
  declarations({ ...node, entry: { 'node/index': 'src/node/index.ts' } }),
  ...perFormat(testing),
  // the declarations use Disposable (`using attached = attachKms(...)`); the bundler drops the source's reference
  declarations({ ...testing, dts: { banner: '/// <reference lib="esnext.disposable" />' } }),
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
    // hmac-kms/cloudflare: a Worker and its Durable Object; isomorphic, the core imported as the package
    entry: { 'cloudflare/index': 'src/cloudflare/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    treeshake: true,
    external: ['hmac-kms'],
    define,
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
    define,
  },
]);
