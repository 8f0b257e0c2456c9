/** A problem in the docs, found by either check, at the markdown file's line where there is one. */
export interface DocProblem {
  /** A path from the repository root: the markdown file, or tsc's file if not a snippet's. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** What found it: tsc's code (`TS2345`), a markdownlint rule (`MD056/table-column-count`), `snippet-marker`. */
  readonly code: string;
  readonly message: string;
}

/** `README.md:78:3 TS2345 Argument of type ...`: clickable in a terminal and in CI logs, and greppable. */
export function formatProblem({ file, line, column, code, message }: DocProblem): string {
  const place = [file, line, column].filter((part) => part !== undefined).join(':');
  return `${place ? `${place} ` : ''}${code} ${message}`;
}

/** In the order of the files, then of their lines: a report reads top to bottom like the docs. */
export function byPlace(a: DocProblem, b: DocProblem): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
}
