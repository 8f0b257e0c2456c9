import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { output } from './shell';
import { pnpm, root, type Manifest } from './workspace';

/** One package as `pnpm publish` would upload it. */
export interface Packed {
  tarball: string;
  /** Paths inside the tarball, without npm's leading `package/`. */
  files: string[];
  /** The package.json inside the tarball: pnpm has replaced `workspace:` ranges by real ones. */
  manifest: Manifest;
}

/**
 * Packs every published package into `destination` with one `pnpm -r pack`: the same packing
 * (the `files` list, always-included files, `workspace:` rewriting) that `changeset publish` uploads.
 */
export function packAll(destination: string): Map<string, Packed> {
  const args = [
    ...pnpm.slice(1),
    '-r',
    '--filter',
    './packages/*',
    'pack',
    '--pack-destination',
    destination,
  ];
  output(pnpm[0], args, root);
  const packed = new Map<string, Packed>();
  for (const name of readdirSync(destination).filter((file) => file.endsWith('.tgz'))) {
    const tarball = join(destination, name);
    const files = output('tar', ['-tzf', tarball], root)
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/^package\//, ''));
    const manifest = JSON.parse(output('tar', ['-xzOf', tarball, 'package/package.json'], root)) as Manifest;
    packed.set(manifest.name, { tarball, files, manifest });
  }
  return packed;
}
