import { copyFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { run, type Run } from './shell';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);

/**
 * A new npm project in `dir` that installs the packed `tarballs` next to `@tensorflow/tfjs` from the
 * registry, as a user would (npm, not pnpm: no workspace links), with the first program of
 * fixtures/train.ts as train.mts (ESM) and train.cts (CommonJS).
 */
export function freshProject(dir: string, tarballs: readonly string[], tfjsVersion: string): Run {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'flatopt-user', version: '1.0.0', private: true }),
  );
  copyFileSync(fixture('train.ts'), join(dir, 'train.mts'));
  copyFileSync(fixture('train.ts'), join(dir, 'train.cts'));
  const flags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
  return run('npm', ['install', ...flags, `@tensorflow/tfjs@${tfjsVersion}`, ...tarballs], dir);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** The strict settings of a new TypeScript project; the package's own .d.ts files are checked too. */
const strict = { strict: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false };

/**
 * tsc --strict over the program. 'node16' emits train.mjs and train.cjs into out/ (Node's own
 * resolution of the packages' `exports`, import and require conditions); 'bundler' only checks,
 * as a Vite or esbuild user's editor would.
 */
export function typecheck(dir: string, resolution: 'node16' | 'bundler'): Run {
  const compilerOptions =
    resolution === 'node16'
      ? { ...strict, module: 'node16', moduleResolution: 'node16', outDir: 'out' }
      : { ...strict, module: 'esnext', moduleResolution: 'bundler', noEmit: true };
  const files = resolution === 'node16' ? ['train.mts', 'train.cts'] : ['train.mts'];
  const config = `tsconfig.${resolution}.json`;
  writeFileSync(join(dir, config), JSON.stringify({ compilerOptions, files }, null, 2));
  return run(process.execPath, [tsc, '-p', config], dir);
}

/** Runs an emitted program with node. */
export function runProgram(dir: string, file: string): Run {
  return run(process.execPath, [join('out', file)], dir);
}
