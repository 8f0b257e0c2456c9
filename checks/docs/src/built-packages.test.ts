import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertBuilt } from './built-packages';
import { packageDir } from './repo';

const temporary: string[] = [];
afterEach(() => temporary.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A package depending on `@flatopt/x`, whose exports point at `dist/index.d.ts` and `dist/sub/index.d.ts`. */
function fakePackage(built: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'docs-check-'));
  temporary.push(dir);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('package.json', JSON.stringify({ dependencies: { '@flatopt/x': 'workspace:^', other: '1.0.0' } }));
  const exports = {
    '.': { import: { types: './dist/index.d.ts' } },
    './sub': { import: { types: './dist/sub/index.d.ts' } },
    './package.json': './package.json',
  };
  write('node_modules/@flatopt/x/package.json', JSON.stringify({ exports }));
  for (const file of built) write(`node_modules/@flatopt/x/${file}`, 'export {};');
  return dir;
}

describe('assertBuilt', () => {
  it('says to run pnpm build, naming each missing declaration file', () => {
    expect(() => assertBuilt(fakePackage(['dist/index.d.ts']))).toThrow(
      /missing:\n {2}@flatopt\/x: \.\/dist\/sub\/index\.d\.ts\nrun pnpm build first/,
    );
    expect(() => assertBuilt(fakePackage([]))).toThrow(/run pnpm build first/);
  });

  it('passes when every export is built', () => {
    expect(() => assertBuilt(fakePackage(['dist/index.d.ts', 'dist/sub/index.d.ts']))).not.toThrow();
  });

  it("passes for this package's workspace links after pnpm build", () => {
    expect(() => assertBuilt(packageDir)).not.toThrow();
  });
});
