import { describe, expect, it } from 'vitest';
import { packageOf, packagesLoadedBy, specifiers } from './imports';
import { fileProblems, importProblems, manifestProblems } from './rules';
import type { Manifest } from './workspace';

const good: Manifest = {
  name: '@flatopt/sam',
  version: '0.1.0',
  license: 'Apache-2.0',
  exports: { '.': { import: { types: './dist/index.d.ts', default: './dist/index.js' } } },
  dependencies: { '@flatopt/core': '^0.1.0' },
  peerDependencies: { '@tensorflow/tfjs-core': '^4.22.0', '@tensorflow/tfjs-layers': '^4.22.0' },
  peerDependenciesMeta: { '@tensorflow/tfjs-layers': { optional: true } },
};
const versions = new Map([
  ['@flatopt/core', '0.1.0'],
  ['@flatopt/sam', '0.1.0'],
]);
const files = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'];

describe('the rules find what a bad package would get wrong', () => {
  it('accepts a good package', () => {
    expect(fileProblems(files, good)).toEqual([]);
    expect(manifestProblems(good, versions, '^4.22.0')).toEqual([]);
  });

  it('refuses sources and tests in the tarball, and a missing changelog or export target', () => {
    const stray = [...files.filter((f) => f !== 'CHANGELOG.md' && f !== 'dist/index.d.ts'), 'src/sam.ts'];
    expect(fileProblems(stray, good)).toEqual([
      'ships src/sam.ts, which is not dist/, README, CHANGELOG or LICENSE',
      'lacks CHANGELOG.md',
      'lacks dist/index.d.ts',
    ]);
  });

  it('refuses workspace ranges, a stale sibling range, tfjs as a dependency and a wrong peer range', () => {
    const bad: Manifest = {
      ...good,
      dependencies: { '@flatopt/core': 'workspace:^', '@tensorflow/tfjs-core': '4.22.0' },
      peerDependencies: { '@tensorflow/tfjs-core': '>=4' },
    };
    expect(manifestProblems(bad, versions, '^4.22.0')).toEqual([
      'dependencies.@flatopt/core is still workspace:^',
      'dependencies.@flatopt/core is workspace:^, but @flatopt/core is at 0.1.0 (expected ^0.1.0)',
      '@tensorflow/tfjs-core is a dependency, not a peer',
      'peerDependencies.@tensorflow/tfjs-core is >=4, expected ^4.22.0',
    ]);
    expect(
      manifestProblems({ ...good, version: '0.1.0-next.0', peerDependencies: {} }, versions, '^4.22.0'),
    ).toEqual([
      'version 0.1.0-next.0 is not a release version',
      'no peerDependency on @tensorflow/tfjs-core',
    ]);
  });

  it('refuses an undeclared import, and an optional peer loaded by the main entry', () => {
    const loaded = new Set(['@flatopt/core', '@tensorflow/tfjs-layers', 'seedrandom']);
    expect(importProblems('dist/index.js', loaded, good, true)).toEqual([
      'dist/index.js (the main entry) loads the optional peer @tensorflow/tfjs-layers',
      'dist/index.js imports seedrandom, which package.json does not declare',
    ]);
    expect(importProblems('dist/layers/index.js', new Set(['@tensorflow/tfjs-layers']), good, false)).toEqual(
      [],
    );
  });
});

describe('imports', () => {
  it('reads ESM, dynamic and CommonJS imports, not text that looks like one', () => {
    const text = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "export { a } from './chunk.js';",
      "const l = await import('@tensorflow/tfjs-layers/dist/x');",
      "const c = require('node:fs');",
      "const message = `use softmaxCrossEntropy from '@flatopt/grad-reg'`;",
    ].join('\n');
    expect(specifiers(text)).toEqual([
      '@tensorflow/tfjs-core',
      './chunk.js',
      '@tensorflow/tfjs-layers/dist/x',
      'node:fs',
    ]);
    expect(
      ['@tensorflow/tfjs-layers/dist/x', 'lodash/get', './chunk.js', 'node:fs', 'fs'].map(packageOf),
    ).toEqual(['@tensorflow/tfjs-layers', 'lodash', undefined, undefined, undefined]);
  });

  it('follows relative imports into shared chunks', () => {
    const files: Record<string, string> = {
      'dist/index.js': "import { x } from './chunk-A.js';",
      'dist/testing/index.js': "import '../chunk-A.js'; import '@tensorflow/tfjs-layers';",
      'dist/chunk-A.js': "import '@tensorflow/tfjs-core'; import './index.js';",
    };
    const read = (path: string) => files[path] ?? '';
    expect([...packagesLoadedBy('dist/index.js', read)]).toEqual(['@tensorflow/tfjs-core']);
    expect([...packagesLoadedBy('dist/testing/index.js', read)].sort()).toEqual([
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
    ]);
  });
});
