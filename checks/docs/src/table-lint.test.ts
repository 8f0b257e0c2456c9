import { describe, expect, it } from 'vitest';
import { formatProblem } from './doc-problem';
import { markdownFiles } from './markdown-files';
import { repoRoot } from './repo';
import { lintTables } from './table-lint';

/** packages/sam/README.md's options table before 0645732 escaped the `|w|` of its `adaptive` row. */
const SAM_OPTIONS_BEFORE = 'checks/docs/src/fixtures/sam-options-before-0645732.md';

describe('lintTables', () => {
  it("flags the sam options table's unescaped |w| (MD056: five cells in a table of three)", () => {
    const problems = lintTables(repoRoot, [SAM_OPTIONS_BEFORE]);
    expect(problems.map(formatProblem)).toEqual([
      `${SAM_OPTIONS_BEFORE}:13:194 MD056/table-column-count Table column count [Expected: 3; Actual: 5; Too many cells, extra data will be missing]`,
    ]);
  });

  it('finds every tracked markdown file clean', () => {
    const files = markdownFiles(repoRoot);
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'docs/TFJS_INTERNALS.md', 'packages/sam/README.md']),
    );
    expect(lintTables(repoRoot, files).map(formatProblem)).toEqual([]);
  });
});
