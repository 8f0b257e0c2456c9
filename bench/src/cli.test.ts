import { describe, expect, it } from 'vitest';
import { isUsageError, parseCli, UsageError } from './cli';

describe('parseCli', () => {
  it('defaults to 5 warm-up rounds, 30 samples, wasm then cpu, every benchmark', () => {
    const cli = parseCli([]);
    expect(cli).toEqual({ warmup: 5, samples: 30, backends: ['wasm', 'cpu'] });
    expect('benchmarks' in cli).toBe(false);
  });

  it('reads a comma-separated --benchmark list in the given order, without repeats', () => {
    expect(parseCli(['--benchmark', 'grad-reg']).benchmarks).toEqual(['grad-reg']);
    expect(parseCli(['--benchmark=grad-reg, core-overhead,grad-reg,']).benchmarks).toEqual([
      'grad-reg',
      'core-overhead',
    ]);
    expect(
      parseCli(['--', '--benchmark', 'grad-reg', '--samples', '30', '--warmup', '5', '--backends', 'cpu']),
    ).toEqual({ warmup: 5, samples: 30, backends: ['cpu'], benchmarks: ['grad-reg'] });
  });

  it('rejects an empty --benchmark list as a usage error', () => {
    expect(() => parseCli(['--benchmark', ' , '])).toThrow("--benchmark needs at least one name, got ' , '");
    expect(() => parseCli(['--benchmark', ''])).toThrow(UsageError);
  });

  it('--quick means 2 warm-up rounds and 5 samples; explicit numbers win', () => {
    expect(parseCli(['--quick'])).toEqual({ warmup: 2, samples: 5, backends: ['wasm', 'cpu'] });
    expect(parseCli(['--quick', '--samples', '7'])).toMatchObject({ warmup: 2, samples: 7 });
  });

  it('reads --samples, --warmup and a comma-separated --backends list', () => {
    expect(parseCli(['--samples', '12', '--warmup=0', '--backends', ' cpu ,wasm,'])).toEqual({
      warmup: 0,
      samples: 12,
      backends: ['cpu', 'wasm'],
    });
  });

  it('skips a leading -- (pnpm passes it through)', () => {
    expect(parseCli(['--', '--quick'])).toMatchObject({ warmup: 2, samples: 5 });
  });

  it('rejects non-integers, out-of-range values and unknown flags', () => {
    expect(() => parseCli(['--samples', '0'])).toThrow("--samples must be an integer >= 1, got '0'");
    expect(() => parseCli(['--samples', '2.5'])).toThrow("got '2.5'");
    expect(() => parseCli(['--warmup', '-1'])).toThrow();
    expect(() => parseCli(['--backends', ','])).toThrow('--backends needs at least one name');
    expect(() => parseCli(['--fast'])).toThrow(/--fast/);
    expect(() => parseCli(['--benchmarks', 'grad-reg'])).toThrow(/--benchmarks/);
  });

  it('classes its own and parseArgs errors as usage errors, other errors not', () => {
    const thrown = (argv: string[]) => {
      try {
        parseCli(argv);
      } catch (e) {
        return e;
      }
      throw new Error('did not throw');
    };
    expect(isUsageError(thrown(['--samples', 'x']))).toBe(true);
    expect(isUsageError(thrown(['--fast']))).toBe(true);
    expect(isUsageError(thrown(['--backends']))).toBe(true);
    expect(isUsageError(new Error('backend failed'))).toBe(false);
    expect(isUsageError(null)).toBe(false);
  });
});
