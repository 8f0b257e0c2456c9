import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagesLoadedBy } from './imports';
import { packAll } from './pack';
import { output } from './shell';
import { exportTargets, fileProblems, importProblems, manifestProblems } from './rules';
import { publishedPackages, root } from './workspace';

// What `changeset publish` would upload, checked from the tarballs themselves (needs `pnpm build`).
const published = publishedPackages();
const destination = mkdtempSync(join(tmpdir(), 'flatopt-pack-'));
const packed = packAll(destination);
afterAll(() => rmSync(destination, { recursive: true, force: true }));

const versions = new Map(published.map((p) => [p.name, p.manifest.version]));
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The peer range promised for tfjs: from the version every test runs on up to the next major.
const tfjsRange = `^${rootManifest.devDependencies['@tensorflow/tfjs-core']}`;

/** The runtime entries of an exports map, by subpath: { '.': ['dist/index.js', 'dist/index.cjs'], … }. */
function runtimeEntries(exports: Record<string, unknown> = {}): [string, string[]][] {
  return Object.entries(exports)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, conditions]) => [
      subpath,
      exportTargets({ name: '', version: '', exports: { conditions } }).filter((file) =>
        /\.c?js$/.test(file),
      ),
    ]);
}

describe.each(published.map((p) => [p.name, p] as const))('%s as published', (name, pkg) => {
  const tarball = () => {
    const found = packed.get(name);
    if (found === undefined) throw new Error(`pnpm pack made no tarball for ${name}`);
    return found;
  };

  it('ships only dist/, README.md, CHANGELOG.md and LICENSE, and every file its exports name', () => {
    expect(fileProblems(tarball().files, tarball().manifest)).toEqual([]);
  });

  it('has release ranges: flatopt siblings at their versions, tfjs only as a peer', () => {
    expect(tarball().manifest.version).toBe(pkg.manifest.version);
    expect(manifestProblems(tarball().manifest, versions, tfjsRange)).toEqual([]);
  });

  it('loads only what it declares, and its main entry no optional peer', () => {
    const folder = join(destination, name.replace('/', '+'));
    mkdirSync(folder, { recursive: true });
    output('tar', ['-xzf', tarball().tarball, '-C', folder], root);
    const read = (path: string) => readFileSync(join(folder, 'package', path), 'utf8');
    const entries = runtimeEntries(tarball().manifest.exports);
    expect(entries.length).toBeGreaterThan(0);
    const problems = entries.flatMap(([subpath, files]) =>
      files.flatMap((file) =>
        importProblems(file, packagesLoadedBy(file, read), tarball().manifest, subpath === '.'),
      ),
    );
    expect(problems).toEqual([]);
  });
});

it('packs every published package, and nothing else', () => {
  expect([...packed.keys()].sort()).toEqual(published.map((p) => p.name).sort());
});
