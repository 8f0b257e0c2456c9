import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { assertBuilt } from './built-packages';
import { byPlace, type DocProblem } from './doc-problem';
import { tsBlocks } from './fences';
import { packageDir, repoRoot } from './repo';
import {
  markdownPosition,
  writeSnippetWorkspace,
  type Snippet,
  type SnippetModule,
} from './snippet-workspace';
import { runTsc } from './tsc';

export interface SnippetReport {
  readonly checked: readonly SnippetModule[];
  /** The blocks opted out with `<!-- snippet: no-check (reason) -->`, with their reasons. */
  readonly skipped: readonly { markdown: string; fenceLine: number; reason: string }[];
  readonly problems: readonly DocProblem[];
}

export interface SnippetOptions {
  /** Markdown files, as paths from `root`; those without ```ts blocks add nothing. */
  readonly markdown: readonly string[];
  readonly root?: string;
  /** The folder the modules are written to (git-ignored). */
  readonly workspace?: string;
  /** The ambient declarations that give fragments the names they use without defining. */
  readonly prelude?: string;
}

/**
 * Typechecks every ```ts block of the given markdown files in ONE tsc run (a run costs seconds
 * of loading tfjs' declarations; one per snippet would cost minutes), and reports each error at
 * the markdown file and line it comes from.
 */
export function checkSnippets({
  markdown,
  root = repoRoot,
  workspace = join(packageDir, '.snippets'),
  prelude = join(packageDir, 'snippet-prelude.ts'),
}: SnippetOptions): SnippetReport {
  assertBuilt(packageDir);
  const snippets: Snippet[] = [];
  const skipped: { markdown: string; fenceLine: number; reason: string }[] = [];
  const problems: DocProblem[] = [];
  for (const file of markdown) {
    const fences = tsBlocks(readFileSync(join(root, file), 'utf8'));
    for (const { line, message } of fences.problems)
      problems.push({ file, line, code: 'snippet-marker', message });
    for (const block of fences.blocks) {
      if (block.noCheck === undefined) snippets.push({ markdown: file, block });
      else skipped.push({ markdown: file, fenceLine: block.fenceLine, reason: block.noCheck });
    }
  }
  const { project, modules } = writeSnippetWorkspace(workspace, snippets, prelude);
  const byFile = new Map(modules.map((m) => [m.file, m]));
  for (const diagnostic of runTsc(project)) {
    const module = diagnostic.file === undefined ? undefined : byFile.get(diagnostic.file);
    if (module && diagnostic.line !== undefined && diagnostic.column !== undefined) {
      const position = markdownPosition(module, diagnostic.line, diagnostic.column);
      problems.push({ ...diagnostic, file: module.markdown, ...position });
    } else {
      // The prelude or a package's declarations: still the docs' problem, at tsc's own place.
      problems.push({ ...diagnostic, ...(diagnostic.file && { file: relative(root, diagnostic.file) }) });
    }
  }
  return { checked: modules, skipped, problems: problems.sort(byPlace) };
}
