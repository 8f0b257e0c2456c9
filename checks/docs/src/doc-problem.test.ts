import { describe, expect, it } from 'vitest';
import { byPlace, formatProblem } from './doc-problem';

describe('formatProblem', () => {
  it('puts the place first, as file:line:column', () => {
    expect(
      formatProblem({ file: 'README.md', line: 78, column: 3, code: 'TS2345', message: 'Argument ...' }),
    ).toBe('README.md:78:3 TS2345 Argument ...');
    expect(
      formatProblem({ file: 'a.md', line: 4, code: 'MD056/table-column-count', message: 'Too many' }),
    ).toBe('a.md:4 MD056/table-column-count Too many');
    expect(formatProblem({ code: 'TS5083', message: 'Cannot read file' })).toBe('TS5083 Cannot read file');
  });
});

describe('byPlace', () => {
  it('orders by file, then line, then column', () => {
    const problems = [
      { file: 'b.md', line: 1, code: 'x', message: '' },
      { file: 'a.md', line: 93, column: 2, code: 'x', message: '' },
      { file: 'a.md', line: 122, column: 1, code: 'x', message: '' },
      { file: 'a.md', line: 93, column: 1, code: 'x', message: '' },
    ];
    expect([...problems].sort(byPlace).map((p) => `${p.file}:${p.line}:${p.column}`)).toEqual([
      'a.md:93:1',
      'a.md:93:2',
      'a.md:122:1',
      'b.md:1:undefined',
    ]);
  });
});
