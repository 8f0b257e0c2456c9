/**
 * Serves a built playground (vite's dist folder) to a Playwright browser context through request
 * interception at a made-up `.localhost` origin, as the browser lane does: no port, no server
 * process, and every request elsewhere is aborted, so the page cannot reach the network.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const ORIGIN = 'http://playground.localhost';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm', // instantiateStreaming refuses anything else
  '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml',
};

export async function serveFolder(context: BrowserContext, root: string): Promise<void> {
  // Routes run last-registered first: the catch-all abort only sees what the origin route passes.
  await context.route('**/*', (route) => route.abort('blockedbyclient'));
  await context.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) return route.fulfill({ status: 403, body: 'outside the served folder' });
    try {
      const body = await readFile(file);
      return route.fulfill({ body, contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
    } catch {
      return route.fulfill({ status: 404, body: `not found: ${path}` });
    }
  });
}
