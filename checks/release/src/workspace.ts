import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fields of a package.json these checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  files?: string[];
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}

export interface Published {
  name: string;
  /** Its folder, absolute. */
  dir: string;
  manifest: Manifest;
}

/** The repository's root folder. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The pnpm every script of the repository uses (TOOLING.md pins it). */
export const pnpm = ['npx', '--yes', 'pnpm@10.34.9'] as const;

/** Every `packages/*` folder whose package.json is not private: what `changeset publish` publishes. */
export function publishedPackages(): Published[] {
  const base = join(root, 'packages');
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(base, entry.name))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest,
    }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ name: manifest.name, dir, manifest }));
}
