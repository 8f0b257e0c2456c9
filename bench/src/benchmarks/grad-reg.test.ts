import '@tensorflow/tfjs';
import { disableSecondOrderGradients, secondOrderGradientsEnabled } from '@flatopt/grad-reg';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableHeader, type BackendRun } from '../report';
import { cycleOf, limitOf, workNote } from '../plugin-cost';
import { runWithoutLeaks } from '../test-support';
import {
  variantResult,
  type RunResult,
  type StepProfile,
  type VariantResult,
  type WorkStats,
} from '../runner';
import {
  ALLOWANCE,
  doubleBackpropNote,
  EPSILON,
  GAMMA,
  GRAD_REG_VARIANTS,
  gradRegBenchmark,
} from './grad-reg';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const work = (g: number, db = 0): WorkStats => ({
  gradientEvaluations: { min: g, max: g, mean: g },
  doubleBackpropEvaluations: { min: db, max: db, mean: db },
});

/** A variant result from per-round times against the baseline's. */
function result(
  name: string,
  samplesMs: number[],
  baseMs: number[],
  extra: Partial<VariantResult> = {},
): VariantResult {
  return { ...variantResult(name, samplesMs, baseMs, extra), ...extra };
}

const base = [100, 100, 100];
const profile = (stepMb: number): StepProfile => ({
  peakBytes: (5 + stepMb) * 1e6,
  startBytes: 5e6,
  newBytes: 0,
  newTensors: 0,
});

function run(dbMs: number[], fdMs = [200, 201, 202], centralMs = [300, 301, 302]): RunResult {
  return {
    baseline: 'plain',
    warmup: 0,
    samples: 3,
    variants: [
      result('plain', base, base, { work: work(1), profile: profile(2) }),
      result('forward', fdMs, base, { limit: 2.05, work: work(2), profile: profile(4) }),
      result('backward', [200, 201, 202], base, { limit: 2.05, work: work(2), profile: profile(4) }),
      result('central', centralMs, base, { limit: 3.05, work: work(3), profile: profile(5) }),
      result('double-backprop', dbMs, base, { work: work(0, 1), profile: profile(6) }),
    ],
  };
}

describe('GRAD_REG_VARIANTS', () => {
  it('runs plain as the baseline, then gradReg with forward, backward, central and double-backprop', () => {
    // Making gradReg('double-backprop') turns the second-order gradients on: put them back.
    const enabled = secondOrderGradientsEnabled();
    const plugins = GRAD_REG_VARIANTS.map((v) => [
      v.name,
      v.plugins().map((p) => [p.type, p.getConfig?.().method]),
    ]);
    if (!enabled) disableSecondOrderGradients();
    expect(plugins).toEqual([
      ['plain', []],
      ['forward', [['gradReg', 'forward']]],
      ['backward', [['gradReg', 'backward']]],
      ['central', [['gradReg', 'central']]],
      ['double-backprop', [['gradReg', 'double-backprop']]],
    ]);
    expect(GRAD_REG_VARIANTS[1].plugins()[0].getConfig?.()).toMatchObject({ gamma: GAMMA, epsilon: EPSILON });
    expect([GAMMA, EPSILON, ALLOWANCE]).toEqual([0.01, 0.05, 0.05]);
  });

  it('sets each finite-difference limit to its gradient evaluations + the allowance, and none for DB', () => {
    expect(
      GRAD_REG_VARIANTS.map((v) => [
        v.name,
        v.gradientEvaluations,
        v.doubleBackpropEvaluations ?? 0,
        limitOf(v),
      ]),
    ).toEqual([
      ['plain', 1, 0, undefined],
      ['forward', 2, 0, 2.05],
      ['backward', 2, 0, 2.05],
      ['central', 3, 0, 3.05],
      ['double-backprop', 0, 1, undefined],
    ]);
    expect(GRAD_REG_VARIANTS.map(cycleOf)).toEqual([1, 1, 1, 1, 1]);
    expect(GRAD_REG_VARIANTS.every((v) => v.statistic === undefined)).toBe(true); // judged by the median
  });
});

describe('workNote', () => {
  it('confirms counts that match the known ones', () => {
    expect(workNote('wasm', run([240, 240, 240]), GRAD_REG_VARIANTS)).toBe(
      'wasm: gradient evaluations per step reported by `optimizer.step()` match the known counts ' +
        '(plain 1, forward 2, backward 2, central 3, double-backprop 1 DB).',
    );
  });

  it('names each variant whose report differs, or that reported nothing', () => {
    const r = run([240, 240, 240]);
    const variants = r.variants.map((v) =>
      v.name === 'central'
        ? { ...v, work: { ...work(2), gradientEvaluations: { min: 2, max: 3, mean: 2.5 } } }
        : v.name === 'plain'
          ? { ...v, work: undefined }
          : v,
    );
    expect(workNote('cpu', { ...r, variants }, GRAD_REG_VARIANTS)).toBe(
      'cpu: gradient evaluations per step do NOT match the known counts: `plain` reported nothing, expected 1; ' +
        '`central` reported 2–3 + 0–0 DB, expected 3.',
    );
  });
});

describe('doubleBackpropNote', () => {
  it('says DB matches FD in cost terms when its ratio fits the forward limit', () => {
    const note = doubleBackpropNote({ backend: 'wasm', result: run([204, 199, 200]) });
    expect(note).toBe(
      'wasm: `double-backprop` costs 2.000× `plain` (median per-round ratio 2.000) and 0.995× `forward` ' +
        '(paired per-round 0.990); it fits the 2-evaluation budget of finite differences (2.000 <= 2.05): ' +
        'it matches FD in cost terms. Step peak memory: 6.00 MB vs 4.00 MB for `forward` (1.50×).',
    );
  });

  it('says it does not when the ratio is over the forward limit', () => {
    const note = doubleBackpropNote({ backend: 'cpu', result: run([240, 250, 245]) })!;
    expect(note).toContain('costs 2.450× `plain`');
    expect(note).toContain('1.219× `forward`');
    expect(note).toContain(
      'it does NOT fit the 2-evaluation budget of finite differences (2.450 > 2.05): it does not match FD in cost terms.',
    );
  });

  it('has nothing to say without both variants', () => {
    const r = run([240, 240, 240]);
    const noDb = { ...r, variants: r.variants.filter((v) => v.name !== 'double-backprop') };
    expect(doubleBackpropNote({ backend: 'cpu', result: noDb })).toBeUndefined();
  });
});

describe('conclusions', () => {
  const limitSummary = (runs: BackendRun[]) => gradRegBenchmark().conclude!(runs).at(-1);

  it('say when every finite-difference limit held, and list the ones that did not', () => {
    const ok: BackendRun[] = [
      { backend: 'wasm', result: run([240, 240, 240]) },
      { backend: 'cpu', result: run([240, 240, 240]) },
    ];
    expect(limitSummary(ok)).toBe(
      'Every finite-difference variant stayed within its limit on wasm and cpu (6 checks).',
    );
    const bad: BackendRun[] = [
      { backend: 'wasm', result: run([240, 240, 240], [210, 210, 210]) },
      { backend: 'cpu', result: run([240, 240, 240], undefined, [320, 310, 300]) },
    ];
    expect(limitSummary(bad)).toBe(
      'Limits exceeded (2 of 6): wasm `forward` 2.100 > 2.05, cpu `central` 3.100 > 3.05.',
    );
    expect(gradRegBenchmark().conclude!([])).toEqual([]);
  });
});

describe('gradRegBenchmark', () => {
  it('describes the setup from its options', () => {
    const bench = gradRegBenchmark();
    expect(bench.name).toBe('grad-reg');
    expect(bench.description).toContain('784-256-256-10 ReLU MLP, batch 128');
    expect(bench.description).toContain('gradReg({ gamma: 0.01, epsilon: 0.05, method })');
    expect(gradRegBenchmark({ layers: [12, 8, 4], batchSize: 6 }).description).toContain(
      '12-8-4 ReLU MLP, batch 6',
    );
  });

  it('runs every variant on a small MLP: reported work, limits, one profiled step, no leaks', async () => {
    const bench = gradRegBenchmark({ layers: [12, 8, 8, 4], batchSize: 6 });
    const enabled = secondOrderGradientsEnabled();
    const { result, notes } = await runWithoutLeaks(bench, { warmup: 1, samples: 2 });
    expect(secondOrderGradientsEnabled()).toBe(enabled); // put back for whatever runs next
    expect(result.baseline).toBe('plain');
    expect(result.variants.map((v) => [v.name, v.samplesMs.length, v.limit, v.work])).toEqual([
      ['plain', 2, undefined, work(1)],
      ['forward', 2, 2.05, work(2)],
      ['backward', 2, 2.05, work(2)],
      ['central', 2, 3.05, work(3)],
      ['double-backprop', 2, undefined, work(0, 1)],
    ]);
    for (const v of result.variants) {
      expect(v.profile!.peakBytes).toBeGreaterThan(v.profile!.startBytes);
      expect(typeof v.withinLimit).toBe(v.limit === undefined ? 'undefined' : 'boolean');
    }
    expect(notes).toEqual([workNote('cpu', result, GRAD_REG_VARIANTS)]);
    expect(notes[0]).toContain('match the known counts');
    const runs = [{ backend: 'cpu', result }];
    expect(tableHeader(runs)).toEqual([
      'backend',
      'variant',
      'grad evals / step',
      'median ms',
      'IQR ms',
      'ratio of medians',
      'median per-round ratio',
      'limit',
      'within limit',
      'peak tensors',
      'peak MB',
      'step peak MB',
      'new tensors',
    ]);
    const conclusions = bench.conclude!(runs);
    expect(conclusions).toHaveLength(2);
    expect(conclusions[0]).toMatch(/^cpu: `double-backprop` costs /);
    expect(conclusions[1]).toMatch(/^(Every finite-difference variant|Limits exceeded)/);
  });
});
