/** Opens the served playground in a fresh headless Chromium and records every console message and page error. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
// The browser lane's Chromium choice (skip outside CI, fail in CI) and flags, shared, not copied.
import { chooseChromium } from '../../../../lanes/src/browser/chromium';
import { BASE_FLAGS, WEBGL_FLAGS } from '../../../../lanes/src/browser/flags';
import { ORIGIN, serveFolder } from './serve';

export const browser = chooseChromium();

export interface OpenPage {
  readonly page: Page;
  /** `console.<type>: text` and `page error: message`, in order. */
  readonly log: string[];
  close(): Promise<void>;
}

export async function openPlayground(dist: string, query = ''): Promise<OpenPage> {
  if (!browser.path) throw new Error(browser.reason);
  const profile = await mkdtemp(join(tmpdir(), 'flatopt-playground-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.path,
    headless: true,
    args: [...BASE_FLAGS, ...WEBGL_FLAGS],
    viewport: { width: 1280, height: 900 },
  });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    await serveFolder(context, dist);
    const page = context.pages()[0] ?? (await context.newPage());
    const log: string[] = [];
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
    await page.goto(`${ORIGIN}/${query}`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
    return { page, log, close };
  } catch (e) {
    await close();
    throw e;
  }
}
