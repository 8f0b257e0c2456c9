import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // testing imports the main entry by name, so CJS and ESM alike share one PluggedOptimizer class
  // and one plugin registry between '@flatopt/core' and '@flatopt/core/testing'.
  external: [/^@tensorflow\//, '@flatopt/core'],
});
