import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { output, run } from './shell';

const node = process.execPath;

it('run keeps the exit status and everything printed', () => {
  const result = run(node, ['-e', 'console.log("out"); console.error("err"); process.exit(3)'], tmpdir());
  expect(result.status).toBe(3);
  expect(result.output).toBe('out\nerr\n');
});

it('output returns standard output only when the command succeeds', () => {
  expect(output(node, ['-e', 'console.log("out"); console.error("err")'], tmpdir())).toBe('out\n');
});

it('output throws with the command, its status and what it printed', () => {
  expect(() => output(node, ['-e', 'console.error("broken"); process.exit(2)'], tmpdir())).toThrow(
    /-e .* failed \(2\):\nbroken/s,
  );
});

it('output names the reason when a command cannot start', () => {
  expect(() => output('flatopt-no-such-command', [], tmpdir())).toThrow(/failed \(null\):\n.*ENOENT/s);
});
