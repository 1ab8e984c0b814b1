// Bundles each TypeScript benchmark with esbuild (Node 20 cannot run .ts) and runs it in this process.
// Usage: node bench/run.mjs bench/mac.bench.ts [more.bench.ts ...]
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entries = process.argv.slice(2);
if (entries.length === 0) {
  console.error('usage: node bench/run.mjs <file.bench.ts>...');
  process.exit(2);
}
const outdir = resolve('.bench-out');
mkdirSync(outdir, { recursive: true });
for (const entry of entries) {
  const outfile = resolve(outdir, basename(entry).replace(/\.ts$/, '.mjs'));
  // our sources are bundled; packages (noble, tinybench) load from node_modules as users load them
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    // src/node imports the core as the package: here, the same sources (one HmacKms class)
    alias: { 'hmac-kms': resolve('src/index.ts') },
    define: { __HMAC_KMS_VERSION__: JSON.stringify('bench') },
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  await import(pathToFileURL(outfile).href);
}
