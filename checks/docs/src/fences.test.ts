import { describe, expect, it } from 'vitest';
import { tsBlocks } from './fences';

const md = (...lines: string[]) => lines.join('\n');

describe('tsBlocks', () => {
  it('finds ```ts blocks with the line of their fence, and skips other languages', () => {
    const { blocks, problems } = tsBlocks(
      md(
        '# Title',
        '',
        '```ts',
        'const a = 1;',
        '```',
        '',
        '```sh',
        'pnpm build',
        '```',
        '```typescript',
        'a;',
        '```',
      ),
    );
    expect(blocks).toEqual([
      { fenceLine: 3, indent: 0, code: 'const a = 1;' },
      { fenceLine: 10, indent: 0, code: 'a;' },
    ]);
    expect(problems).toEqual([]);
  });

  it('strips the indentation of a block inside a list item and remembers it for columns', () => {
    const { blocks } = tsBlocks(md('- item:', '', '  ```ts', '  f(', '    1,', '  );', '  ```'));
    expect(blocks).toEqual([{ fenceLine: 3, indent: 2, code: 'f(\n  1,\n);' }]);
  });

  it('does not take a fence inside another block for an opening one', () => {
    const { blocks } = tsBlocks(md('````md', '```ts', 'not code', '```', '````', '```ts', 'x;', '```'));
    expect(blocks).toEqual([{ fenceLine: 6, indent: 0, code: 'x;' }]);
  });

  it('reads the no-check marker and its reason from the line directly above the fence', () => {
    const { blocks, problems } = tsBlocks(
      md('<!-- snippet: no-check (a sketch of the interfaces) -->', '```ts', 'interface A { f(x) }', '```'),
    );
    expect(blocks[0].noCheck).toBe('a sketch of the interfaces');
    expect(problems).toEqual([]);
    const nested = tsBlocks(md('<!-- snippet: no-check (see f() in types.ts) -->', '```ts', 'f(', '```'));
    expect(nested.blocks[0].noCheck).toBe('see f() in types.ts');
  });

  it('refuses a marker without a reason, and checks that block', () => {
    const { blocks, problems } = tsBlocks(md('<!-- snippet: no-check -->', '```ts', 'x;', '```'));
    expect(blocks[0].noCheck).toBeUndefined();
    expect(problems).toEqual([{ line: 1, message: expect.stringContaining('the reason is required') }]);
    expect(tsBlocks(md('<!-- snippet: no-check () -->', '```ts', 'x;', '```')).problems).toHaveLength(1);
  });

  it('takes a marker with blank lines before the fence, as prettier formats it', () => {
    const { blocks, problems } = tsBlocks(md('<!-- snippet: no-check (why) -->', '', '```ts', 'x;', '```'));
    expect(blocks[0].noCheck).toBe('why');
    expect(problems).toEqual([]);
  });

  it('refuses a marker that is not right above a ```ts fence', () => {
    const apart = tsBlocks(md('<!-- snippet: no-check (why) -->', 'text', '', '```ts', 'x;', '```'));
    expect(apart.blocks[0].noCheck).toBeUndefined();
    expect(apart.problems).toEqual([{ line: 1, message: expect.stringContaining('right above') }]);
    const aboveSh = tsBlocks(md('<!-- snippet: no-check (why) -->', '```sh', 'ls', '```'));
    expect(aboveSh.problems.map((p) => p.line)).toEqual([1]);
    expect(tsBlocks(md('text', '<!-- snippet: no-check (why) -->')).problems).toHaveLength(1);
  });

  it('ignores a marker shown inside a code block', () => {
    expect(tsBlocks(md('```md', '<!-- snippet: no-check -->', '```')).problems).toEqual([]);
  });
});
