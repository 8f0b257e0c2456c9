import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Manifest {
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
}

const readManifest = (path: string): Manifest => JSON.parse(readFileSync(path, 'utf8')) as Manifest;

/**
 * Throws unless every `@flatopt/*` dependency of the package at `packageDir` has the declaration
 * files its exports point at. Snippets import the packages as a user does, through their built
 * `dist/*.d.ts`; without a build tsc would report every import as missing, in every snippet, instead
 * of the one thing to do.
 */
export function assertBuilt(packageDir: string): void {
  const dependencies = Object.keys(readManifest(join(packageDir, 'package.json')).dependencies ?? {});
  const missing = dependencies
    .filter((name) => name.startsWith('@flatopt/'))
    .flatMap((name) => {
      const dir = join(packageDir, 'node_modules', name);
      return typesOf(readManifest(join(dir, 'package.json')))
        .filter((types) => !existsSync(join(dir, types)))
        .map((types) => `${name}: ${types}`);
    });
  if (missing.length > 0) {
    throw new Error(
      `The snippets import the built packages, and these declaration files are missing:\n  ${missing.join('\n  ')}\nrun pnpm build first.`,
    );
  }
}

/** The `types` files of every ESM export of a package manifest (`./dist/index.d.ts`, ...). */
function typesOf(manifest: Manifest): string[] {
  return Object.values(manifest.exports ?? {}).flatMap((entry) => {
    const types = (entry as { import?: { types?: unknown } } | null)?.import?.types;
    return typeof types === 'string' ? [types] : [];
  });
}
