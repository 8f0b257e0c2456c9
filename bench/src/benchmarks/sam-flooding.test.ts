import { describe, expect, it } from 'vitest';
import { cycleOf, limitOf, meanEvaluations, workNote } from '../plugin-cost';
import { tableHeader } from '../report';
import { variantResult, type RunResult } from '../runner';
import { runWithoutLeaks } from '../test-support';
import {
  amortizationNote,
  EVERY,
  FLOODING_ALLOWANCE,
  LEVEL,
  RHO,
  SAM_ALLOWANCE,
  SAM_FLOODING_VARIANTS,
  samFloodingBenchmark,
} from './sam-flooding';

describe('SAM_FLOODING_VARIANTS', () => {
  it('runs plain as the baseline, then sam, sam every 4 and flooding with the documented options', () => {
    const stacks = SAM_FLOODING_VARIANTS.map((v) => [
      v.name,
      v.plugins().map((p) => {
        const config = p.getConfig?.() ?? {};
        p.dispose?.();
        return p.type === 'sam'
          ? ['sam', config.rho, config.every]
          : [p.type, config.level, config.granularity];
      }),
    ]);
    expect(stacks).toEqual([
      ['plain', []],
      ['sam', [['sam', 0.05, 1]]],
      ['sam every 4', [['sam', 0.05, 4]]],
      ['flooding', [['flooding', 0.02, 'batch']]],
    ]);
    expect([RHO, EVERY, LEVEL, SAM_ALLOWANCE, FLOODING_ALLOWANCE]).toEqual([0.05, 4, 0.02, 0.05, 0.02]);
  });

  it('knows the evaluations, the cycle, the limits and the statistic each is judged by', () => {
    expect(
      SAM_FLOODING_VARIANTS.map((v) => [
        v.name,
        meanEvaluations(v),
        cycleOf(v),
        limitOf(v),
        v.statistic ?? 'median',
      ]),
    ).toEqual([
      ['plain', 1, 1, undefined, 'median'],
      ['sam', 2, 1, 2.05, 'median'],
      ['sam every 4', 1.25, 4, 1.3, 'mean'],
      ['flooding', 1, 1, 1.02, 'median'],
    ]);
    expect(SAM_FLOODING_VARIANTS[2].gradientEvaluations).toEqual([2, 1, 1, 1]);
  });
});

describe('amortizationNote', () => {
  const base = [100, 100, 100, 100];
  const run = (everyMs: number[]): RunResult => ({
    baseline: 'plain',
    warmup: 0,
    samples: 4,
    variants: [
      variantResult('plain', base, base),
      variantResult('sam', [200, 200, 200, 200], base, { limit: 2.05 }),
      variantResult('sam every 4', everyMs, base, { limit: 1.3, statistic: 'mean', cycle: 4 }),
    ],
  });

  it('compares the mean step of sam every 4 with sam against (1 + 1/4) / 2', () => {
    expect(amortizationNote({ backend: 'wasm', result: run([220, 100, 100, 100]) })).toBe(
      'wasm: `sam every 4` costs 0.650× `sam` per step (ratio of means; the gradient evaluations predict 0.625).',
    );
  });

  it('has nothing to say without both', () => {
    const r = run([200, 100, 100, 100]);
    expect(
      amortizationNote({ backend: 'cpu', result: { ...r, variants: r.variants.slice(0, 2) } }),
    ).toBeUndefined();
  });
});

describe('samFloodingBenchmark', () => {
  it('describes the setup, the limits and why every 4 is judged by the mean', () => {
    const { name, description } = samFloodingBenchmark();
    expect(name).toBe('sam-flooding');
    for (const part of [
      '784-256-256-10 ReLU MLP, batch 128',
      '`sam({ rho: 0.05 })`, `sam({ rho: 0.05, every: 4 })` or `flooding({ level: 0.02 })`',
      '`sam` 2 + 0.05, `sam every 4` 1.25 + 0.05 on the MEAN',
      'rounded up to multiples of 4',
      '`flooding` 1 + 0.02',
    ]) {
      expect(description).toContain(part);
    }
  });

  it('runs every variant on a small MLP in whole cycles of 4: work, limits, statistic, profile, no leaks', async () => {
    const bench = samFloodingBenchmark({ layers: [12, 8, 8, 4], batchSize: 6 });
    const { result, notes } = await runWithoutLeaks(bench, { warmup: 1, samples: 2 });
    expect([result.baseline, result.warmup, result.samples]).toEqual(['plain', 4, 4]);
    expect(
      result.variants.map((v) => [
        v.name,
        v.samplesMs.length,
        v.limit,
        v.statistic,
        v.cycle,
        v.work?.gradientEvaluations,
      ]),
    ).toEqual([
      ['plain', 4, undefined, 'median', undefined, { min: 1, max: 1, mean: 1 }],
      ['sam', 4, 2.05, 'median', undefined, { min: 2, max: 2, mean: 2 }],
      ['sam every 4', 4, 1.3, 'mean', 4, { min: 1, max: 2, mean: 1.25 }],
      ['flooding', 4, 1.02, 'median', undefined, { min: 1, max: 1, mean: 1 }],
    ]);
    expect(result.variants.map((v) => v.withinLimit === undefined)).toEqual([true, false, false, false]);
    expect(notes).toEqual([
      'cpu: warm-up and samples rounded up from 1 + 2 to 4 + 4: whole cycles of steps (`sam every 4`: 4 steps).',
      workNote('cpu', result, SAM_FLOODING_VARIANTS),
    ]);
    expect(notes[1]).toBe(
      'cpu: gradient evaluations per step reported by `optimizer.step()` match the known counts ' +
        '(plain 1, sam 2, sam every 4 1.25 (cycle 2, 1, 1, 1), flooding 1).',
    );
    // All the optional columns: reported work, the mean judgement, limits and the profiled step.
    const runs = [{ backend: 'cpu', result }];
    expect(tableHeader(runs)).toHaveLength(17);
    expect(tableHeader(runs)).toEqual(
      expect.arrayContaining(['grad evals / step', 'mean ms', 'statistic', 'within limit', 'step peak MB']),
    );
    const conclusions = bench.conclude!(runs);
    expect(conclusions).toHaveLength(2);
    expect(conclusions[0]).toMatch(/^cpu: `sam every 4` costs [\d.]+× `sam` per step/);
    expect(conclusions[1]).toMatch(
      /^(Every plugin stack stayed within its limit on cpu \(3 checks\)|Limits exceeded)/,
    );
  });
});
