/**
 * Runs benchmarks on the browser backends (webgl, webgpu) in headless Chromium, through the
 * browser lane's harness: one bundle of the bench code with one tfjs-core, a fresh profile, no
 * network. Node side.
 */
import { fileURLToPath } from 'node:url';
import { chooseChromium } from '../../../lanes/src/browser/chromium';
import { WEBGL_FLAGS, WEBGPU_FLAGS } from '../../../lanes/src/browser/flags';
import { openLanePage } from '../../../lanes/src/browser/lane-page';
import type { BenchmarkSettings } from '../benchmark';
import type { BenchmarkReport } from '../report';

/** The backends that run in the browser, with the Chromium flags each needs. */
export const BROWSER_BACKENDS: Readonly<Record<string, readonly string[]>> = {
  webgl: WEBGL_FLAGS,
  webgpu: WEBGPU_FLAGS,
};

export const isBrowserBackend = (backend: string): boolean => backend in BROWSER_BACKENDS;

/** Every selected benchmark on `backend`, in one page; the page's console goes to `log`. */
export async function runInBrowser(
  backend: string,
  names: readonly string[] | undefined,
  settings: BenchmarkSettings,
  log: (line: string) => void,
): Promise<BenchmarkReport[]> {
  const chromium = chooseChromium();
  if (!chromium.path) throw new Error(chromium.reason);
  const page = await openLanePage({
    executablePath: chromium.path,
    entry: fileURLToPath(new URL('./page.ts', import.meta.url)),
    flags: BROWSER_BACKENDS[backend],
  });
  try {
    return await page.call<BenchmarkReport[]>('run', backend, names, settings.warmup, settings.samples);
  } finally {
    for (const line of page.log) log(`  [page] ${line}`);
    await page.close();
  }
}

/**
 * The Node report with the browser backend's runs and notes added, and the browser's environment
 * under `<backend> …` keys.
 */
export function mergeReports(node: BenchmarkReport | undefined, browser: BenchmarkReport): BenchmarkReport {
  const backend = browser.runs[0]?.backend ?? 'browser';
  const environment = Object.fromEntries(
    Object.entries(browser.environment)
      .filter(([key]) => key !== 'tfjs-core')
      .map(([key, value]) => [`${backend} ${key}`, value]),
  );
  if (!node)
    return { ...browser, environment: { 'tfjs-core': browser.environment['tfjs-core'], ...environment } };
  return {
    ...node,
    environment: { ...node.environment, ...environment },
    runs: [...node.runs, ...browser.runs],
    notes: [...node.notes, ...browser.notes],
  };
}
