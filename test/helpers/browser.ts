/**
 * Headless Chromium for browser tests: a Chromium found on the machine (test/helpers/tools.ts: HMAC_KMS_CHROMIUM, or
 * the first chromium / chromium-browser / google-chrome on PATH) driven by playwright-core from the runtime matrix
 * (test/runtime/package.json; TOOLCHAIN.md: no browser download). `chromiumSupport()` says whether both are here, and
 * why not in one line; `useChromium()` skips a test with that reason, unless HMAC_KMS_REQUIRE_BROWSER=1 (CI), where a
 * missing browser is a failure. Type-checked with test/runtime (its playwright-core), not with the other tests.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { findChromium, findRuntimeMatrix, RUNTIME_MATRIX } from './tools.js';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  // nothing beyond 127.0.0.1: without this, Chromium still looks up update.googleapis.com and accounts.google.com
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];
export const BROWSER_REQUIRED = process.env.HMAC_KMS_REQUIRE_BROWSER === '1';

export type ChromiumSupport = { ok: true; launch: () => Promise<Browser> } | { ok: false; reason: string };

export async function chromiumSupport(): Promise<ChromiumSupport> {
  const chromium = findChromium();
  if (!chromium.path) return { ok: false, reason: `${chromium.name}: ${chromium.missing}` };
  const matrix = findRuntimeMatrix();
  if (!matrix.path) return { ok: false, reason: `${matrix.name}: ${matrix.missing}` }; // playwright-core is in it
  const playwright = (await import(createRequire(join(RUNTIME_MATRIX, 'package.json')).resolve('playwright-core'))) as typeof import('playwright-core');
  return { ok: true, launch: () => playwright.chromium.launch({ executablePath: chromium.path, args: CHROMIUM_ARGS }) };
}

/** Launches Chromium; without it, fails where CI requires a browser and otherwise skips the test saying why. */
export function useChromium(support: ChromiumSupport, ctx: { skip: (note?: string) => never }): () => Promise<Browser> {
  if (support.ok) return support.launch;
  if (BROWSER_REQUIRED) throw new Error(`${support.reason} — HMAC_KMS_REQUIRE_BROWSER=1 requires it`);
  return ctx.skip(support.reason);
}
