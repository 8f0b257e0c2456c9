import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshProject, runProgram, typecheck } from './fresh-project';
import { packAll } from './pack';
import { publishedPackages, root } from './workspace';

// A stranger's install: npm, the packed tarballs and @tensorflow/tfjs from the registry, nothing
// from the workspace. Needs `pnpm build` and the npm registry (CI has both).
const work = mkdtempSync(join(tmpdir(), 'flatopt-user-'));
const project = join(work, 'project');
const tfjs = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies['@tensorflow/tfjs'];
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * tsc's errors outside tfjs's own declarations. tfjs 4.22's .d.ts files do not pass a strict
 * `skipLibCheck: false` check by themselves (TS2304 'Long', TS2411 in keras_format, TS2420), which
 * is why tfjs projects set skipLibCheck; flatopt's declarations are held to it.
 */
const ownErrors = (output: string) =>
  output
    .split('\n')
    .filter((line) => /error TS\d+/.test(line) && !line.startsWith('node_modules/@tensorflow/'));

const trained = (output: string) => output.split('\n').filter((line) => line.startsWith('trained '));
const everyEntry = [...publishedPackages().map((p) => p.name), '@flatopt/weight-norm/layers'].sort();

describe(
  'a fresh npm project with the packed packages next to @tensorflow/tfjs',
  { timeout: 600_000 },
  () => {
    beforeAll(() => {
      const tarballs = [...packAll(join(work, 'packs')).values()].map((p) => p.tarball);
      mkdirSync(project);
      const install = freshProject(project, tarballs, tfjs);
      if (install.status !== 0) throw new Error(`npm install failed:\n${install.output}`);
    }, 600_000);

    it('typechecks under tsc --strict with moduleResolution node16 (ESM and CommonJS)', () => {
      expect(ownErrors(typecheck(project, 'node16').output)).toEqual([]);
    });

    it('typechecks under tsc --strict with moduleResolution bundler', () => {
      expect(ownErrors(typecheck(project, 'bundler').output)).toEqual([]);
    });

    // Runs what the node16 check above emitted (tests in a file run in order).
    it.each(['train.mjs', 'train.cjs'])('%s trains a model with every package through model.fit', (file) => {
      const result = runProgram(project, file);
      expect(result.status, result.output).toBe(0);
      expect(
        trained(result.output)
          .map((line) => line.split(' ')[1])
          .sort(),
      ).toEqual(everyEntry);
    });
  },
);
