/**
 * How Node calls into a lane page: the page registers named async functions on one global, and
 * every call returns a plain result, so an error thrown in the page reaches Node with its name
 * and message intact (not as a Playwright "page.evaluate: ..." wrapper around a stringified stack).
 */
export const PAGE_GLOBAL = '__flatoptLane';

export type PageFunction = (...args: never[]) => unknown;

export type PageResult =
  { ok: true; value: unknown } | { ok: false; name: string; message: string; stack: string };

export interface PageApi {
  call(name: string, args: unknown[]): Promise<PageResult>;
  names(): string[];
}
