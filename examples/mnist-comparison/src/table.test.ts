import { describe, expect, it } from 'vitest';
import type { MethodSummary } from './summary';
import { formatTable } from './table';
import { pairedComparison } from '@flatopt/example-utils';
import type { Timing } from './timing';

const row = (
  method: string,
  label: string,
  acc: number,
  sd: number,
  extra: Partial<MethodSummary>,
): MethodSummary => ({
  method,
  label,
  testAccuracy: { mean: acc, sd, n: 2 },
  bestTestAccuracy: { mean: 0.9, sd: 0, n: 1 },
  topEigenvalue: { mean: 5, sd: 0, n: 1 },
  rIg: { mean: 1e-5, sd: 0, n: 1 },
  finalTrainLoss: 0.123456,
  evaluationsPerStep: { gradient: 1, doubleBackprop: 0 },
  curve: [],
  ...extra,
});

describe('formatTable', () => {
  it('lines up a Markdown table and states how the step time was measured', () => {
    const timing: Timing = {
      baseline: 'adam',
      warmup: 5,
      rounds: 30,
      batch: 50,
      baselineMedianMs: 8.123,
      methods: [],
    };
    // d = (0.0025, 0.0035): t = 0.003/(0.000707/√2) = 6.0 with 1 dof, p = 1 − 2·atan(6)/π = 0.105.
    const text = formatTable(
      [
        row('adam', 'Adam', 0.8766, 0.0012, {
          timing: { method: 'adam', ratio: 1, q1: 1, q3: 1, medianMs: 8 },
        }),
        row('db', 'Adam+DB-GR', 0.88, 0.004, {
          evaluationsPerStep: { gradient: 0, doubleBackprop: 1 },
          memorized: { mean: 0.125, sd: 0.015, n: 2 },
          vsAdam: pairedComparison([0.879, 0.881], [0.8765, 0.8775]),
          timing: { method: 'db', ratio: 2.345, q1: 2.2, q3: 2.4, medianMs: 19 },
        }),
        row('wn', 'Adam+weight-norm', 0.5, 0, {}),
      ],
      timing,
    );
    expect(text.split('\n')).toEqual([
      '| method           | final test % | best test % | noisy labels fit % | λ_max |    R_IG | train loss | grad evals/step | step time |',
      '|------------------|-------------:|------------:|-------------------:|------:|--------:|-----------:|----------------:|----------:|',
      '| Adam             |   87.7 ± 0.1 |  90.0 ± 0.0 |                  – |  5.00 | 1.00e-5 |      0.123 |               1 |     1.00× |',
      '| Adam+DB-GR       |   88.0 ± 0.4 |  90.0 ± 0.0 |         12.5 ± 1.5 |  5.00 | 1.00e-5 |      0.123 |            1 DB |     2.35× |',
      '| Adam+weight-norm |   50.0 ± 0.0 |  90.0 ± 0.0 |                  – |  5.00 | 1.00e-5 |      0.123 |               1 |         – |',
      '',
      'final test accuracy vs Adam, same seeds:',
      '  Adam+DB-GR: +0.3 ± 0.1 pts, p 0.105 (paired t, 2 seeds): within the seed spread',
      '',
      "step time: median of 30 per-round ratios to Adam (interleaved, 5 warm-up rounds, batch 50); Adam's median step 8.12 ms",
    ]);
  });
});
