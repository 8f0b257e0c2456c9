import { describe, expect, it } from 'vitest';
import { markdownFiles } from './markdown-files';
import { repoRoot } from './repo';

describe('markdownFiles', () => {
  const files = markdownFiles(repoRoot);

  it("lists the repository's docs by their paths from the root", () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'packages/sam/README.md']));
    expect(files).toEqual([...files].sort());
  });

  it('leaves out the generated API docs, node_modules and the known-broken fixtures', () => {
    expect(files.filter((f) => /^docs\/api\/|node_modules\/|^checks\/docs\/src\/fixtures\//.test(f))).toEqual(
      [],
    );
  });

  it('takes extra exclusions', () => {
    expect(markdownFiles(repoRoot, [/^\.changeset\//]).some((f) => f.startsWith('.changeset/'))).toBe(false);
  });
});
