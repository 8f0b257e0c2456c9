import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM + CJS + .d.ts for the given entries, with tfjs
 * and the other @flatopt packages left external (peer and workspace dependencies, never bundled).
 */
export function packageBuild(entry: Options['entry'] = ['src/index.ts']) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    external: [/^@tensorflow\//, /^@flatopt\//],
  });
}
