/** Builds the playground with vite into a folder and measures what a visitor downloads. */
import { readdir, stat, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

export const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface AssetSize {
  readonly file: string;
  readonly bytes: number;
  readonly gzip: number;
}

export async function buildApp(outDir: string): Promise<void> {
  await build({ root: APP_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

/** Every built file with its size and gzip size, largest first. */
export async function assetSizes(outDir: string): Promise<AssetSize[]> {
  const sizes = await Promise.all(
    (await files(outDir)).map(async (f) => ({
      file: relative(outDir, f),
      bytes: (await stat(f)).size,
      gzip: gzipSync(await readFile(f)).length,
    })),
  );
  return sizes.sort((a, b) => b.bytes - a.bytes);
}
