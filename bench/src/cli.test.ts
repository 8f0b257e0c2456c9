import { describe, expect, it } from 'vitest';
import { parseCli } from './cli';

describe('parseCli', () => {
  it('defaults to 5 warm-up rounds, 30 samples, wasm then cpu', () => {
    expect(parseCli([])).toEqual({ warmup: 5, samples: 30, backends: ['wasm', 'cpu'] });
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
  });
});
