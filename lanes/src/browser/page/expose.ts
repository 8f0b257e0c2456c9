/**
 * Page side of protocol.ts: registers the page's functions on the lane global. Runs in the browser.
 */
import { PAGE_GLOBAL, type PageApi, type PageResult } from '../protocol';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arguments arrive as JSON from Node
type Fn = (...args: any[]) => unknown;

function failure(e: unknown): PageResult {
  if (e instanceof Error) return { ok: false, name: e.name, message: e.message, stack: e.stack ?? '' };
  return { ok: false, name: 'Error', message: `non-Error thrown: ${String(e)}`, stack: '' };
}

/** Makes `functions` callable from Node by name; call once per page, after everything is set up. */
export function expose(functions: Record<string, Fn>): void {
  const api: PageApi = {
    names: () => Object.keys(functions),
    async call(name, args) {
      const fn = functions[name];
      if (!fn) return failure(new Error(`the page has no function '${name}'`));
      try {
        return { ok: true, value: await fn(...args) };
      } catch (e) {
        return failure(e);
      }
    },
  };
  (globalThis as unknown as Record<string, PageApi>)[PAGE_GLOBAL] = api;
}
