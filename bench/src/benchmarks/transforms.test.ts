import { describe, expect, it } from 'vitest';
import { limitOf, meanEvaluations, workNote } from '../plugin-cost';
import { runWithoutLeaks } from '../test-support';
import { STEPS, TRANSFORMS_VARIANTS, transformsBenchmark } from './transforms';

describe('TRANSFORMS_VARIANTS', () => {
  it('runs plain as the baseline, then each transform at 1 evaluation + 0.03', () => {
    const stacks = TRANSFORMS_VARIANTS.map((v) => [
      v.name,
      v.plugins().map((p) => p.type),
      meanEvaluations(v),
      limitOf(v),
      v.statistic ?? 'median',
    ]);
    expect(stacks).toEqual([
      ['plain', [], 1, undefined, 'median'],
      ['learningRate', ['learningRate'], 1, 1.03, 'median'],
      ['clipByGlobalNorm', ['clipByGlobalNorm'], 1, 1.03, 'median'],
      ['clipByValue', ['clipByValue'], 1, 1.03, 'median'],
      ['decoupledWeightDecay', ['decoupledWeightDecay'], 1, 1.03, 'median'],
      ['accumulate steps 4', ['accumulate'], 1, 1.03, 'mean'],
    ]);
  });
});

describe('transformsBenchmark', () => {
  it('runs every variant on a small MLP in whole accumulation windows: 1 evaluation each, limits, no leaks', async () => {
    const bench = transformsBenchmark({ layers: [12, 8, 8, 4], batchSize: 6 });
    const { result, notes } = await runWithoutLeaks(bench, { warmup: 1, samples: 3 });
    const one = { min: 1, max: 1, mean: 1 };
    expect(
      result.variants.map((v) => [v.name, v.samplesMs.length, v.limit, v.work?.gradientEvaluations]),
    ).toEqual([
      ['plain', STEPS, undefined, one],
      ['learningRate', STEPS, 1.03, one],
      ['clipByGlobalNorm', STEPS, 1.03, one],
      ['clipByValue', STEPS, 1.03, one],
      ['decoupledWeightDecay', STEPS, 1.03, one],
      ['accumulate steps 4', STEPS, 1.03, one],
    ]);
    expect(notes).toEqual([
      `cpu: warm-up and samples rounded up from 1 + 3 to ${STEPS} + ${STEPS}: whole cycles of steps (\`accumulate steps 4\`: 4 steps).`,
      workNote('cpu', result, TRANSFORMS_VARIANTS),
    ]);
  });
});
