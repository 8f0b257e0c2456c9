import type { Manifest } from './workspace';

/** Files a published tarball may hold: the build, and the four files npm shows on the package page. */
const allowed = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/.+)$/;
const required = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'];

/** Every file a package's `exports` map points to ('./dist/index.js' → 'dist/index.js'). */
export function exportTargets(manifest: Manifest): string[] {
  const targets: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  return targets;
}

/** What is wrong with a tarball's file list: strays (sources, tests, configs) and missing files. */
export function fileProblems(files: readonly string[], manifest: Manifest): string[] {
  const present = new Set(files);
  return [
    ...files
      .filter((file) => !allowed.test(file))
      .map((file) => `ships ${file}, which is not dist/, README, CHANGELOG or LICENSE`),
    ...[...required, ...exportTargets(manifest)]
      .filter((file) => !present.has(file))
      .map((file) => `lacks ${file}`),
  ];
}

const ranges = (manifest: Manifest) => [
  ...Object.entries(manifest.dependencies ?? {}).map(([name, range]) => ({
    field: 'dependencies',
    name,
    range,
  })),
  ...Object.entries(manifest.peerDependencies ?? {}).map(([name, range]) => ({
    field: 'peerDependencies',
    name,
    range,
  })),
  ...Object.entries(manifest.devDependencies ?? {}).map(([name, range]) => ({
    field: 'devDependencies',
    name,
    range,
  })),
];

/**
 * What is wrong with a packed package.json. `versions` holds every published package's version;
 * `tfjsRange` is the peer range the packages promise for tfjs (the version the tests run on, up to
 * the next major).
 */
export function manifestProblems(
  manifest: Manifest,
  versions: ReadonlyMap<string, string>,
  tfjsRange: string,
): string[] {
  const problems: string[] = [];
  if (manifest.license !== 'Apache-2.0') problems.push(`license is ${manifest.license}, not Apache-2.0`);
  if (!/^\d+\.\d+\.\d+$/.test(manifest.version))
    problems.push(`version ${manifest.version} is not a release version`);
  for (const { field, name, range } of ranges(manifest)) {
    if (range.startsWith('workspace:')) problems.push(`${field}.${name} is still ${range}`);
    const sibling = versions.get(name);
    if (field === 'dependencies' && sibling !== undefined && range !== `^${sibling}`) {
      problems.push(`dependencies.${name} is ${range}, but ${name} is at ${sibling} (expected ^${sibling})`);
    }
    // One copy of tfjs-core per page (two break tfjs in confusing ways): tfjs only as a peer.
    if (field === 'dependencies' && name.startsWith('@tensorflow/'))
      problems.push(`${name} is a dependency, not a peer`);
    if (field === 'peerDependencies' && name.startsWith('@tensorflow/') && range !== tfjsRange) {
      problems.push(`peerDependencies.${name} is ${range}, expected ${tfjsRange}`);
    }
  }
  if (manifest.peerDependencies?.['@tensorflow/tfjs-core'] === undefined)
    problems.push('no peerDependency on @tensorflow/tfjs-core');
  return problems;
}

/**
 * What is wrong with the packages an entry loads: each must be declared (a dependency or a peer),
 * and the main entry must not load an optional peer, which a user may not have installed.
 */
export function importProblems(
  entry: string,
  loaded: ReadonlySet<string>,
  manifest: Manifest,
  main: boolean,
): string[] {
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const optional = (name: string) => manifest.peerDependenciesMeta?.[name]?.optional === true;
  return [...loaded].flatMap((name) => [
    ...(name === manifest.name || declared.has(name)
      ? []
      : [`${entry} imports ${name}, which package.json does not declare`]),
    ...(main && optional(name) ? [`${entry} (the main entry) loads the optional peer ${name}`] : []),
  ]);
}
