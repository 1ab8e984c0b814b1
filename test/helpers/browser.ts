/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core (TOOLCHAIN.md: no browser
 * download). `chromiumSupport()` says whether both are here, and why not in one line; a test skips with that reason,
 * unless HMAC_KMS_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserType } from 'playwright-core';

/** Debian's Chromium; HMAC_KMS_CHROMIUM names another executable. */
export const CHROMIUM = process.env.HMAC_KMS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
export const BROWSER_REQUIRED = process.env.HMAC_KMS_REQUIRE_BROWSER === '1';

export type ChromiumSupport = { ok: true; launch: () => Promise<Browser> } | { ok: false; reason: string };

/** playwright-core from the project's dependencies, or from the runtime suite's own (test/runtime/package.json). */
async function playwrightChromium(): Promise<BrowserType | undefined> {
  try {
    return (await import('playwright-core')).chromium;
  } catch {
    try {
      const path = createRequire(new URL('../runtime/package.json', import.meta.url)).resolve('playwright-core');
      return ((await import(path)) as typeof import('playwright-core')).chromium;
    } catch {
      return undefined;
    }
  }
}

export async function chromiumSupport(): Promise<ChromiumSupport> {
  if (!existsSync(CHROMIUM)) return { ok: false, reason: `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)` };
  const chromium = await playwrightChromium();
  if (!chromium) return { ok: false, reason: 'playwright-core is not installed (npm ci)' };
  return { ok: true, launch: () => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }) };
}
