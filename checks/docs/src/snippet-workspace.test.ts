import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { markdownPosition, writeSnippetWorkspace } from './snippet-workspace';

describe('writeSnippetWorkspace', () => {
  const root = mkdtempSync(join(tmpdir(), 'docs-check-workspace-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, '.snippets');
  const prelude = join(root, 'prelude.d.ts');

  it('writes one module per snippet, keeping its lines, and a project listing them after the prelude', () => {
    const { project, modules } = writeSnippetWorkspace(
      dir,
      [
        { markdown: 'README.md', block: { fenceLine: 59, indent: 0, code: "import * as tf from 'x';\ntf;" } },
        { markdown: 'packages/sam/README.md', block: { fenceLine: 8, indent: 2, code: 'a;' } },
      ],
      prelude,
    );
    expect(modules).toEqual([
      { file: join(dir, 'README.md.L59.ts'), markdown: 'README.md', fenceLine: 59, indent: 0 },
      {
        file: join(dir, 'packages--sam--README.md.L8.ts'),
        markdown: 'packages/sam/README.md',
        fenceLine: 8,
        indent: 2,
      },
    ]);
    expect(readFileSync(modules[0].file, 'utf8')).toBe("import * as tf from 'x';\ntf;\nexport {};\n");
    const config = JSON.parse(readFileSync(project, 'utf8'));
    expect(config.files).toEqual(['../prelude.d.ts', 'README.md.L59.ts', 'packages--sam--README.md.L8.ts']);
    expect(config.compilerOptions).toMatchObject({ strict: true, noEmit: true });
  });

  it('empties the folder first, so a removed snippet leaves no module behind', () => {
    writeFileSync(join(dir, 'old.L1.ts'), 'broken(');
    writeSnippetWorkspace(dir, [], prelude);
    expect(existsSync(join(dir, 'old.L1.ts'))).toBe(false);
  });
});

describe('markdownPosition', () => {
  it("maps a module's line and column to the markdown's, past the fence and the block's indentation", () => {
    const module = { file: '/x.ts', markdown: 'README.md', fenceLine: 59, indent: 2 };
    expect(markdownPosition(module, 1, 1)).toEqual({ line: 60, column: 3 });
    expect(markdownPosition(module, 20, 5)).toEqual({ line: 79, column: 7 });
  });
});
