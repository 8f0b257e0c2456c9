import { describe, expect, it } from 'vitest';
import { limitOf, meanEvaluations, workNote } from '../plugin-cost';
import { runWithoutLeaks } from '../test-support';
import { AVERAGING_ALLOWANCE, AVERAGING_VARIANTS, averagingBenchmark, K } from './averaging';

describe('AVERAGING_VARIANTS', () => {
  it('runs plain as the baseline, then ema, swa and lookahead, each 1 evaluation + 0.05', () => {
    const stacks = AVERAGING_VARIANTS.map((v) => [
      v.name,
      v.plugins().map((p) => [p.type, p.getConfig()]),
      meanEvaluations(v),
      limitOf(v),
      v.statistic ?? 'median',
    ]);
    expect(stacks).toEqual([
      ['plain', [], 1, undefined, 'median'],
      ['ema', [['ema', { decay: 0.999, every: 1, start: 0 }]], 1, 1.05, 'median'],
      ['swa', [['swa', { start: 0, every: 1 }]], 1, 1.05, 'median'],
      ['lookahead k 5', [['lookahead', { k: 5, alpha: 0.5 }]], 1, 1.05, 'mean'],
    ]);
    expect([K, AVERAGING_ALLOWANCE]).toEqual([5, 0.05]);
  });
});

describe('averagingBenchmark', () => {
  it('runs every variant on a small MLP in whole lookahead cycles: 1 evaluation each, limits, no leaks', async () => {
    const bench = averagingBenchmark({ layers: [12, 8, 8, 4], batchSize: 6 });
    const { result, notes } = await runWithoutLeaks(bench, { warmup: 1, samples: 3 });
    expect(
      result.variants.map((v) => [v.name, v.samplesMs.length, v.limit, v.work?.gradientEvaluations]),
    ).toEqual([
      ['plain', 5, undefined, { min: 1, max: 1, mean: 1 }],
      ['ema', 5, 1.05, { min: 1, max: 1, mean: 1 }],
      ['swa', 5, 1.05, { min: 1, max: 1, mean: 1 }],
      ['lookahead k 5', 5, 1.05, { min: 1, max: 1, mean: 1 }],
    ]);
    expect(notes).toEqual([
      'cpu: warm-up and samples rounded up from 1 + 3 to 5 + 5: whole cycles of steps (`lookahead k 5`: 5 steps).',
      workNote('cpu', result, AVERAGING_VARIANTS),
    ]);
  });
});
