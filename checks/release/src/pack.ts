import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm, root, type Manifest } from './workspace';

/** One package as `pnpm publish` would upload it. */
export interface Packed {
  tarball: string;
  /** Paths inside the tarball, without npm's leading `package/`. */
  files: string[];
  /** The package.json inside the tarball: pnpm has replaced `workspace:` ranges by real ones. */
  manifest: Manifest;
}

function run(command: string, args: readonly string[], cwd = root): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/**
 * Packs every published package into `destination` with one `pnpm -r pack`: the same packing
 * (the `files` list, always-included files, `workspace:` rewriting) that `changeset publish` uploads.
 */
export function packAll(destination: string): Map<string, Packed> {
  run(pnpm[0], [
    ...pnpm.slice(1),
    '-r',
    '--filter',
    './packages/*',
    'pack',
    '--pack-destination',
    destination,
  ]);
  const packed = new Map<string, Packed>();
  for (const name of readdirSync(destination).filter((file) => file.endsWith('.tgz'))) {
    const tarball = join(destination, name);
    const files = run('tar', ['-tzf', tarball])
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/^package\//, ''));
    const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'])) as Manifest;
    packed.set(manifest.name, { tarball, files, manifest });
  }
  return packed;
}
