/**
 * One headless Chromium with one page that runs a bundled page entry, and typed calls into it.
 * The page is served from a made-up origin through request interception, and every other
 * request is aborted, so nothing reaches the network. Each launch gets a fresh profile directory,
 * removed on close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { bundlePage } from './bundle';
import { BASE_FLAGS } from './flags';
import { PAGE_GLOBAL, type PageApi, type PageResult } from './protocol';

/** `.localhost` names are secure contexts (WebGPU needs one) and never resolve off the machine. */
export const ORIGIN = 'http://flatopt.localhost';

const HTML = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';

export interface LanePage {
  /** Calls the page function `name`; its error, if any, is rethrown here with its name and message. */
  call<T>(name: string, ...args: unknown[]): Promise<T>;
  /** Console messages and uncaught page errors so far, for diagnosing a failure. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  executablePath: string;
  /** Absolute path of the page entry (TypeScript). */
  entry: string;
  /** Flags beyond BASE_FLAGS. */
  flags: readonly string[];
}

async function serve(context: BrowserContext, js: string): Promise<void> {
  // Routes run last-registered first: the catch-all abort only sees what the origin route passes.
  await context.route('**/*', (route) => route.abort('blockedbyclient'));
  await context.route(`${ORIGIN}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: HTML });
    if (path === '/page.js') return route.fulfill({ contentType: 'text/javascript', body: js });
    return route.fulfill({ status: 404, body: 'not found' });
  });
}

/** Waits until the page entry has registered its functions, or fails with the page's own error. */
async function whenReady(page: Page, log: string[]): Promise<void> {
  try {
    await page.waitForFunction((g) => g in globalThis, PAGE_GLOBAL, { timeout: 60_000 });
  } catch (e) {
    throw new Error(`the lane page did not start:\n  ${log.join('\n  ') || String(e)}`, { cause: e });
  }
}

function rethrow(result: Extract<PageResult, { ok: false }>): never {
  const error = new Error(result.message);
  error.name = result.name;
  error.stack = `${result.name}: ${result.message}\n  (thrown in the page)\n${result.stack}`;
  throw error;
}

export async function openLanePage(options: LaunchOptions): Promise<LanePage> {
  const js = await bundlePage(options.entry);
  const profile = await mkdtemp(join(tmpdir(), 'flatopt-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: options.executablePath,
      headless: true,
      args: [...BASE_FLAGS, ...options.flags],
    });
    await serve(context, js);
    const page = context.pages()[0] ?? (await context.newPage());
    const log: string[] = [];
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
    await page.goto(`${ORIGIN}/`);
    await whenReady(page, log);
    const opened = context;
    return {
      log,
      async call<T>(name: string, ...args: unknown[]): Promise<T> {
        const result = await page.evaluate(
          ([g, n, a]) => (globalThis as unknown as Record<string, PageApi>)[g].call(n, a),
          [PAGE_GLOBAL, name, args] as const,
        );
        if (!result.ok) rethrow(result);
        return result.value as T;
      },
      async close() {
        await opened.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
}
