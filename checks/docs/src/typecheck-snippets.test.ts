import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from './doc-problem';
import { markdownFiles } from './markdown-files';
import { packageDir, repoRoot } from './repo';
import { checkSnippets, type SnippetReport } from './typecheck-snippets';

/** The README quickstart before 52aae04, which passed `w.read()` (a Tensor) as a tf.Variable. */
const QUICKSTART_BEFORE = 'checks/docs/src/fixtures/quickstart-before-52aae04.md';

/** The 1-based line of the first line of a markdown file that contains `text`. */
function lineOf(file: string, text: string): number {
  const index = readFileSync(join(repoRoot, file), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  expect(index, `${file} contains ${text}`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('checkSnippets', () => {
  // One tsc run for the docs and the fixture together: loading tfjs' declarations is its cost.
  let report: SnippetReport;
  const docs = markdownFiles(repoRoot);
  beforeAll(() => {
    report = checkSnippets({ markdown: [...docs, QUICKSTART_BEFORE] });
  });
  const problemsIn = (inFixture: boolean) =>
    report.problems.filter((p) => (p.file === QUICKSTART_BEFORE) === inFixture).map(formatProblem);

  it('reports the old quickstart: TS2345 (Tensor[] for Variable[]) at the markdown line of the argument', () => {
    const line = lineOf(QUICKSTART_BEFORE, 'model.trainableWeights.map((w) => w.read()),');
    expect(problemsIn(true)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${QUICKSTART_BEFORE}:${line}:3 TS2345 Argument of type 'Tensor<Rank>\\[\\]' is not assignable to parameter of type 'Variable<Rank>\\[\\]'`,
        ),
      ),
    ]);
  });

  it("passes every snippet of the repository's docs", () => {
    expect(problemsIn(false)).toEqual([]);
  });

  it('checks the ```ts blocks of the READMEs, CONTRIBUTING.md and docs/DESIGN.md', () => {
    const checked = new Set(report.checked.map((m) => m.markdown));
    for (const file of ['README.md', 'CONTRIBUTING.md', 'docs/DESIGN.md', 'packages/core/README.md']) {
      expect(checked).toContain(file);
    }
  });

  it('skips only the blocks opted out with a reason: the design sketch', () => {
    // Fix a snippet rather than opting it out; a new opt-out is a decision this list records.
    expect(report.skipped.map(({ markdown, reason }) => ({ markdown, reason }))).toEqual([
      { markdown: 'docs/DESIGN.md', reason: expect.stringContaining('sketch') },
    ]);
  });

  it('uses every name of the prelude in some snippet, so the prelude holds only what the docs need', () => {
    const prelude = readFileSync(join(packageDir, 'snippet-prelude.ts'), 'utf8');
    const names = [...prelude.matchAll(/^ {2}(?:const|function) (\w+)/gm)].map((m) => m[1]);
    expect(names).toContain('model');
    const code = report.checked.map((m) => readFileSync(m.file, 'utf8')).join('\n');
    expect(names.filter((name) => !new RegExp(`\\b${name}\\b`).test(code))).toEqual([]);
  });
});
