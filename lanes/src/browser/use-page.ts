/**
 * Test-file plumbing of the browser lane: one Chromium per test file, opened in beforeAll and
 * closed in afterAll, and the skip-or-fail decision when there is no Chromium.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import { chooseChromium } from './chromium';
import { openLanePage, type LanePage } from './lane-page';

const chromium = chooseChromium();

/** No Chromium and not in CI (see chromium.ts): the browser tests skip. */
export const browserSkipped = chromium.skip;

/** `describe`, skipped when `browserSkipped`. */
export const describeBrowser = describe.skipIf(browserSkipped);

/** Opens `page/<entry>.ts` in a fresh headless Chromium for the enclosing describe block. */
export function usePage(entry: string, flags: readonly string[]): () => LanePage {
  let page: LanePage | undefined;
  beforeAll(async () => {
    if (!chromium.path) throw new Error(chromium.reason);
    page = await openLanePage({
      executablePath: chromium.path,
      entry: fileURLToPath(new URL(`./page/${entry}.ts`, import.meta.url)),
      flags,
    });
  }, 120_000);
  afterAll(async () => {
    await page?.close();
  });
  return () => {
    if (!page) throw new Error('the lane page is not open (see the error of beforeAll)');
    return page;
  };
}
