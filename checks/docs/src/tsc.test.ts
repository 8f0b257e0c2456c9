import { describe, expect, it } from 'vitest';
import { parseTscOutput } from './tsc';

// runTsc itself runs in typecheck-snippets.test.ts: the package's tests start tsc once.

describe('parseTscOutput', () => {
  it('reads file, line, column, code and message, with the indented lines that continue a message', () => {
    const output = [
      "a.ts(3,5): error TS2345: Argument of type 'Tensor<Rank>[]' is not assignable to parameter of type 'Variable<Rank>[]'.",
      "  Type 'Tensor<Rank>' is missing the following properties from type 'Variable<Rank>': trainable, assign",
      "sub/b.ts(10,1): error TS2304: Cannot find name 'model'.",
      "error TS5083: Cannot read file '/x/tsconfig.json'.",
      '',
    ].join('\n');
    expect(parseTscOutput(output, '/work')).toEqual([
      {
        file: '/work/a.ts',
        line: 3,
        column: 5,
        code: 'TS2345',
        message: expect.stringMatching(
          /not assignable to parameter of type 'Variable<Rank>\[\]'\.\n {2}Type 'Tensor/,
        ),
      },
      { file: '/work/sub/b.ts', line: 10, column: 1, code: 'TS2304', message: "Cannot find name 'model'." },
      { code: 'TS5083', message: "Cannot read file '/x/tsconfig.json'." },
    ]);
  });

  it('reads a clean run as no diagnostics', () => {
    expect(parseTscOutput('', '/work')).toEqual([]);
  });
});
