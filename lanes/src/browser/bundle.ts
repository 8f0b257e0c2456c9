/**
 * Bundles a lane page entry (TypeScript, runs in the browser) with esbuild: the same
 * `@flatopt/*` → packages/\*\/src mapping vitest uses, so the page runs the sources under test, and
 * a check that exactly one tfjs-core went in (two copies register kernels and backends on
 * different engines and fail in confusing ways).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGES = fileURLToPath(new URL('../../../packages/', import.meta.url));

/** '@flatopt/x' → x/src/index.ts; '@flatopt/x/y' → x/src/y/index.ts; '@flatopt/core/testing' likewise. */
export function sourceOf(specifier: string): string | null {
  const m = /^@flatopt\/([a-z-]+)(?:\/([a-z-]+))?$/.exec(specifier);
  if (!m) return null;
  const [, pkg, sub] = m;
  return `${PACKAGES}${pkg}/src/${sub ? `${sub}/` : ''}index.ts`;
}

const flatoptSources: Plugin = {
  name: 'flatopt-sources',
  setup(b) {
    b.onResolve({ filter: /^@flatopt\// }, (args) => {
      const path = sourceOf(args.path);
      if (!path || !existsSync(path)) return { errors: [{ text: `no source for ${args.path}` }] };
      return { path };
    });
  },
};

/**
 * The tfjs-core copies in a bundle: each distinct package directory that contributed its engine
 * (dist/engine.js, or a prebuilt dist/tf-core*.js bundle).
 */
export function tfjsCoreCopies(metafile: Metafile): string[] {
  const roots = Object.keys(metafile.inputs).flatMap((input) => {
    const m = /^(.*@tensorflow\/tfjs-core)\/dist\/(engine|tf-core[^/]*)\.js$/.exec(input);
    return m ? [`${m[1]} (${m[2]})`] : [];
  });
  return [...new Set(roots)];
}

/** The page's JavaScript (an ES module); throws unless it holds exactly one tfjs-core. */
export async function bundlePage(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
    plugins: [flatoptSources],
  });
  const copies = tfjsCoreCopies(result.metafile);
  if (copies.length !== 1) {
    throw new Error(
      `bundle of ${entry} holds ${copies.length} copies of tfjs-core, expected 1:\n  ${copies.join('\n  ')}`,
    );
  }
  return result.outputFiles[0].text;
}
