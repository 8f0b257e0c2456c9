import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAGS, parseFlags } from './cli';

describe('parseFlags', () => {
  it('defaults to the configuration of SCIENCE.md §3/§5.7', () => {
    const f = parseFlags([]);
    expect(f).toEqual(DEFAULT_FLAGS);
    expect([f.alpha, f.lr, f.gamma, f.d, f.n, f.k]).toEqual([0.5, 0.02, 0.1, 100, 40, 5]);
    expect(f.epsilons).toEqual([0.05, 0.1, 0.2, 0.3]);
    expect(f.backwardEpsilons).toEqual([0.1]);
  });

  it('reads every flag, ignoring the bare -- that pnpm passes through', () => {
    const f = parseFlags(
      [
        '--',
        '--alpha',
        '0.1',
        '--lr',
        '0.005',
        '--gamma',
        '0',
        '--epsilons',
        '0.2,0.4',
        '--backward-epsilons',
        '0.05,0.2',
      ].concat([
        '--threshold',
        '1e-8',
        '--max-steps',
        '300',
        '--d',
        '30',
        '--n',
        '15',
        '--k',
        '3',
        '--seed',
        '4',
        '--out',
        'x/y',
      ]),
    );
    expect(f).toEqual({
      alpha: 0.1,
      lr: 0.005,
      gamma: 0,
      epsilons: [0.2, 0.4],
      backwardEpsilons: [0.05, 0.2],
      threshold: 1e-8,
      maxSteps: 300,
      d: 30,
      n: 15,
      k: 3,
      seed: 4,
      out: 'x/y',
      help: false,
    });
    expect(parseFlags(['--epsilons', '']).epsilons).toEqual([]);
    expect(parseFlags(['--help']).help).toBe(true);
  });

  it('rejects unknown flags, missing values and out-of-range numbers with a message naming the flag', () => {
    expect(() => parseFlags(['--beta', '1'])).toThrow(/^unknown argument '--beta'/);
    expect(() => parseFlags(['--lr'])).toThrow('flag --lr needs a value.');
    expect(() => parseFlags(['--lr', '-1'])).toThrow("flag --lr takes a number > 0; got '-1'.");
    expect(() => parseFlags(['--gamma', '-0.1'])).toThrow("flag --gamma takes a number ≥ 0; got '-0.1'.");
    expect(() => parseFlags(['--max-steps', '1.5'])).toThrow(
      "flag --max-steps takes an integer ≥ 1; got '1.5'.",
    );
    expect(() => parseFlags(['--epsilons', '0.1,-0.2'])).toThrow(
      "flag --epsilons takes a comma-separated list of positive numbers; got '0.1,-0.2'.",
    );
    expect(() => parseFlags(['--d', '3', '--k', '4'])).toThrow('--k (4) cannot exceed --d (3).');
  });
});
