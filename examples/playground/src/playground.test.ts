/**
 * The playground end to end in headless Chromium: vite builds it, the page trains both columns
 * through its own UI, and the test checks what a visitor would see. Skips without Chromium
 * outside CI (the browser lane's rule); fails without it when CI=true.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetSizes, buildApp } from './e2e/build';
import { browser, openPlayground, type OpenPage } from './e2e/open';

/** Page errors and console errors or warnings: a clean run logs none (Plot warns about doubtful marks). */
const problems = (log: readonly string[]) =>
  log.filter((l) => /^(page error|console\.error|console\.warning)/.test(l));

let dist = '';

beforeAll(async () => {
  if (browser.skip) return;
  dist = await mkdtemp(join(tmpdir(), 'flatopt-playground-dist-'));
  await buildApp(dist);
}, 300_000);

afterAll(async () => {
  if (dist) await rm(dist, { recursive: true, force: true });
});

async function train(open: OpenPage, settings: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(settings)) {
    await open.page.locator(`#${id}`).evaluate((el, v) => {
      (el as HTMLInputElement).value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, value);
  }
  await open.page.click('#train');
  await open.page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, {
    timeout: 240_000,
  });
  const state = await open.page.evaluate(() => document.body.dataset.state);
  const status = await open.page.textContent('#status');
  expect(state, `status: ${status}\n${open.log.join('\n')}`).toBe('done');
}

const data = (open: OpenPage, id: string, key: string) =>
  open.page.evaluate(([i, k]) => Number(document.getElementById(i)?.dataset[k]), [id, key] as const);

describe.skipIf(browser.skip)('the playground in headless Chromium', () => {
  it('builds to a bundle of stated size, with the MNIST subset and the wasm binaries as files', async () => {
    const sizes = await assetSizes(dist);
    const js = sizes.filter((s) => s.file.endsWith('.js'));
    const total = (key: 'bytes' | 'gzip') => js.reduce((sum, s) => sum + s[key], 0);
    console.log(
      `playground bundle: JavaScript ${(total('bytes') / 1024).toFixed(0)} KiB (${(total('gzip') / 1024).toFixed(0)} KiB gzip); ` +
        sizes.map((s) => `${s.file} ${(s.bytes / 1024).toFixed(0)} KiB`).join(', '),
    );
    expect(sizes.map((s) => s.file)).toContain('digits.bin');
    expect(sizes.some((s) => s.file.endsWith('.wasm'))).toBe(true);
    expect(total('gzip')).toBeLessThan(1024 * 1024); // tfjs-core + 3 backends + Plot: ~0.6 MiB gzip
  });

  it('trains two configurations on WebGL through the UI and draws every picture', async () => {
    const open = await openPlayground(dist);
    try {
      expect(await open.page.evaluate(() => document.body.dataset.backend)).toBe('webgl');
      await train(open, { data: 'moons', steps: '60', 'sharp-every': '30', noise: '0.2', 'avg-B': 'ema' });
      expect(problems(open.log)).toEqual([]);
      // Steps 0, 10, …, 60 × (A, B) × (train, test), and B's EMA on the test split from step 10.
      expect(await data(open, 'chart-accuracy', 'points')).toBe(7 * 2 * 2 + 6);
      for (const id of ['chart-loss', 'chart-accuracy', 'chart-rig']) {
        expect(await data(open, id, 'points'), id).toBeGreaterThan(0);
        expect(await open.page.locator(`#${id} svg path`).count(), id).toBeGreaterThan(0);
      }
      expect(await data(open, 'chart-sharpness', 'points')).toBe(4); // steps 30 and 60, two columns
      for (const c of ['A', 'B']) {
        expect(await open.page.textContent(`#sharpness-${c}`)).toMatch(new RegExp(`^${c} -?\\d+\\.\\d+`));
        expect(await data(open, `boundary-${c}`, 'points')).toBe(48 * 48);
        expect(await data(open, `landscape-${c}`, 'finite')).toBe(21 * 21);
      }
      expect(await data(open, 'landscape-line', 'points')).toBe(2 * 21);
      expect(await open.page.textContent('#landscape-summary')).toMatch(
        /1-D 21 points in \d+ ms, 2-D 21×21 in \d+ ms/,
      );
      expect(await data(open, 'igr', 'igrPoints')).toBeGreaterThan(1);
      console.log(`playground on webgl: ${await open.page.textContent('#landscape-summary')}`);
      const shot = join(dist, 'screenshot.png');
      await open.page.screenshot({ path: shot, fullPage: true });
      expect((await stat(shot)).size).toBeGreaterThan(10_000);
      if (process.env.UPDATE_SCREENSHOT) {
        // The README's picture: the live charts and the landscapes, kept small (JPEG, clipped).
        const top = await open.page.locator('#live').boundingBox();
        const bottom = await open.page.locator('#landscape').boundingBox();
        const clip = { x: 0, y: top!.y, width: 1280, height: bottom!.y + bottom!.height - top!.y };
        const path = fileURLToPath(new URL('../screenshot.jpg', import.meta.url));
        await open.page.screenshot({ path, clip, fullPage: true, type: 'jpeg', quality: 60 });
      }
    } finally {
      await open.close();
    }
  }, 300_000);

  it('falls back to wasm on request and trains on the bundled MNIST digits', async () => {
    const open = await openPlayground(dist, '?backend=wasm');
    try {
      expect(await open.page.evaluate(() => document.body.dataset.backend)).toBe('wasm');
      await train(open, { data: 'digits', steps: '20', 'sharp-every': '20', noise: '0' });
      expect(problems(open.log)).toEqual([]);
      expect(await data(open, 'chart-loss', 'points')).toBe(3 * 2 * 2); // steps 0, 10, 20 × train/test × A/B
      for (const c of ['A', 'B']) expect(await data(open, `landscape-${c}`, 'finite')).toBe(21 * 21);
      expect(await open.page.textContent('#boundary-A')).toMatch(/2-D data sets only/);
      console.log(`playground on wasm (digits): ${await open.page.textContent('#landscape-summary')}`);
    } finally {
      await open.close();
    }
  }, 300_000);

  it('shows a bad setting as a clear error and trains nothing', async () => {
    const open = await openPlayground(dist, '?backend=cpu');
    try {
      await open.page.locator('#sam-A').check();
      await open.page.fill('#rho-A', '-1');
      await open.page.click('#train');
      await open.page.waitForFunction(() => document.body.dataset.state === 'error');
      expect(await open.page.textContent('#status')).toMatch(/rho.*-1/);
      expect(await data(open, 'chart-loss', 'points')).toBeNaN();
      expect(problems(open.log)).toEqual([]);
    } finally {
      await open.close();
    }
  }, 120_000);
});
