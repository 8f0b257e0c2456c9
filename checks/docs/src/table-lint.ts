import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Configuration } from 'markdownlint';
import { lint } from 'markdownlint/sync';
import type { DocProblem } from './doc-problem';

/**
 * markdownlint with its table rules only: the docs' other style is prettier's business, and a
 * table is where markdown breaks silently — an unescaped `|` (in a code span too: GitHub splits
 * rows before it reads code spans) adds a cell, and the row renders torn across the columns.
 * - MD055 table-pipe-style: every row starts and ends with a pipe, as prettier writes tables.
 * - MD056 table-column-count: every row has the header's number of cells.
 * - MD058 blanks-around-tables: a blank line before and after, without which a paragraph after
 *   the table is read as more rows.
 */
export const TABLE_RULES: Configuration = {
  default: false,
  MD055: { style: 'leading_and_trailing' },
  MD056: true,
  MD058: true,
};

/** The table problems of markdown files (paths from `root`), in the order of the files and lines. */
export function lintTables(root: string, files: readonly string[]): DocProblem[] {
  const strings = Object.fromEntries(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
  const results = lint({ strings, config: TABLE_RULES });
  return files.flatMap((file) =>
    (results[file] ?? []).map((error) => ({
      file,
      line: error.lineNumber,
      ...(error.errorRange ? { column: error.errorRange[0] } : {}),
      code: error.ruleNames.join('/'),
      message: [error.ruleDescription, error.errorDetail && `[${error.errorDetail}]`]
        .filter(Boolean)
        .join(' '),
    })),
  );
}
