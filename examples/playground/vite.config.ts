import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { digitsAsset } from './digits-asset.ts';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`../../packages/${pkg}/src/${file}`, import.meta.url));

/**
 * The playground is built from the packages' sources (as the tests run them), so it needs no
 * `pnpm build` first and always shows the code in this checkout. One tfjs-core: every package
 * resolves it from here (`dedupe`); two copies would register kernels on different engines.
 */
export default defineConfig({
  base: './',
  resolve: {
    alias: [
      { find: /^@flatopt\/core\/testing$/, replacement: src('core', 'testing/index.ts') },
      { find: /^@flatopt\/([a-z-]+)$/, replacement: src('$1') },
    ],
    dedupe: ['@tensorflow/tfjs-core'],
  },
  plugins: [digitsAsset()],
  build: {
    target: 'es2022',
    // tfjs-core and its backends are most of the page and load anyway; no point splitting them.
    chunkSizeWarningLimit: 2500,
  },
  preview: { port: 4173 },
});
