import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TsBlock } from './fences';

/** A ```ts block and the markdown file it is in (a path from the repository root). */
export interface Snippet {
  readonly markdown: string;
  readonly block: TsBlock;
}

/** A snippet written out as a module, and the way back from its lines to the markdown's. */
export interface SnippetModule {
  readonly file: string;
  readonly markdown: string;
  readonly fenceLine: number;
  readonly indent: number;
}

export interface SnippetWorkspace {
  /** The tsconfig.json that compiles every module with the prelude. */
  readonly project: string;
  readonly modules: SnippetModule[];
}

/**
 * How the snippets compile: as a user's ESM project with a bundler would (TypeScript's
 * recommended `Bundler` resolution, which reads the packages' `exports`), for the browser and
 * Node alike (tfjs' types name DOM classes). Library declarations are trusted as shipped.
 */
const COMPILER_OPTIONS = {
  strict: true,
  noEmit: true,
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'Bundler',
  lib: ['ES2022', 'DOM'],
  skipLibCheck: true,
  types: [],
};

/**
 * Writes each snippet to `dir` (emptied first) as its own module, with a tsconfig.json that
 * compiles them all with the ambient `prelude`. The code keeps its lines, so the module's line n
 * is the markdown's `fenceLine + n`; `export {}` goes after it, making every snippet a module, so
 * that its own declarations shadow the prelude's and no two snippets clash.
 */
export function writeSnippetWorkspace(
  dir: string,
  snippets: readonly Snippet[],
  prelude: string,
): SnippetWorkspace {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const modules = snippets.map(({ markdown, block }) => {
    const file = join(dir, `${markdown.replaceAll('/', '--')}.L${block.fenceLine}.ts`);
    writeFileSync(file, `${block.code}\nexport {};\n`);
    return { file, markdown, fenceLine: block.fenceLine, indent: block.indent };
  });
  const project = join(dir, 'tsconfig.json');
  const files = [prelude, ...modules.map((m) => m.file)].map((file) => relative(dir, file));
  writeFileSync(project, `${JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files }, null, 2)}\n`);
  return { project, modules };
}

/** The markdown line and column of a position (1-based) in a snippet module. */
export function markdownPosition(
  module: SnippetModule,
  line: number,
  column: number,
): { line: number; column: number } {
  return { line: module.fenceLine + line, column: module.indent + column };
}
