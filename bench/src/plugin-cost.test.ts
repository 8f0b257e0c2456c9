import { sam } from '@flatopt/sam';
import { describe, expect, it } from 'vitest';
import {
  cycleOf,
  formatKnown,
  limitOf,
  limitSummary,
  meanEvaluations,
  pluginCostBenchmark,
  wholeCycles,
  workNote,
  type PluginCostVariant,
} from './plugin-cost';
import type { BackendRun } from './report';
import { runWithoutLeaks } from './test-support';
import { variantResult, type CountStats, type RunResult, type VariantResult } from './runner';

const plain: PluginCostVariant = { name: 'plain', plugins: () => [], gradientEvaluations: 1 };
const twice: PluginCostVariant = {
  name: 'twice',
  plugins: () => [],
  gradientEvaluations: 2,
  allowance: 0.05,
};
const cyclic: PluginCostVariant = {
  name: 'every 4',
  plugins: () => [],
  gradientEvaluations: [2, 1, 1, 1],
  allowance: 0.05,
  statistic: 'mean',
};
const db: PluginCostVariant = {
  name: 'db',
  plugins: () => [],
  gradientEvaluations: 0,
  doubleBackpropEvaluations: 1,
};

describe('a variant spec', () => {
  it('has a cycle, a mean of evaluations and a limit = mean evaluations + allowance', () => {
    expect([plain, twice, cyclic, db].map((s) => [cycleOf(s), meanEvaluations(s), limitOf(s)])).toEqual([
      [1, 1, undefined],
      [1, 2, 2.05],
      [4, 1.25, 1.3],
      [1, 0, undefined],
    ]);
  });

  it('writes its known counts as the notes do', () => {
    expect([plain, twice, cyclic, db].map(formatKnown)).toEqual([
      '1',
      '2',
      '1.25 (cycle 2, 1, 1, 1)',
      '1 DB',
    ]);
  });
});

describe('wholeCycles', () => {
  it('rounds warm-up and samples up to the least common multiple of the cycles', () => {
    expect(wholeCycles([plain, twice], { warmup: 5, samples: 30 })).toEqual({ warmup: 5, samples: 30 });
    expect(wholeCycles([plain, cyclic], { warmup: 5, samples: 30 })).toEqual({ warmup: 8, samples: 32 });
    expect(wholeCycles([plain, cyclic], { warmup: 8, samples: 40 })).toEqual({ warmup: 8, samples: 40 });
    expect(wholeCycles([plain, cyclic], { warmup: 0, samples: 1 })).toEqual({ warmup: 0, samples: 4 });
    const six = { ...cyclic, gradientEvaluations: [2, 1, 1, 1, 1, 1] };
    expect(wholeCycles([cyclic, six], { warmup: 1, samples: 13 })).toEqual({ warmup: 12, samples: 24 });
  });
});

const counts = (min: number, max: number, mean = min): CountStats => ({ min, max, mean });

function result(variants: Array<[string, CountStats, number?]>): RunResult {
  const base = [10, 10, 10, 10];
  return {
    baseline: 'plain',
    warmup: 0,
    samples: 4,
    variants: variants.map(([name, g, dbCount = 0]) => ({
      ...variantResult(name, base, base),
      work: { gradientEvaluations: g, doubleBackpropEvaluations: counts(dbCount, dbCount) },
    })),
  };
}

describe('workNote', () => {
  it('checks a cyclic variant by the minimum, maximum and mean of its cycle', () => {
    const note = (reported: CountStats) =>
      workNote(
        'cpu',
        result([
          ['plain', counts(1, 1)],
          ['every 4', reported],
        ]),
        [plain, cyclic],
      );
    expect(note(counts(1, 2, 1.25))).toBe(
      'cpu: gradient evaluations per step reported by `optimizer.step()` match the known counts ' +
        '(plain 1, every 4 1.25 (cycle 2, 1, 1, 1)).',
    );
    expect(note(counts(1, 2, 1.5))).toBe(
      'cpu: gradient evaluations per step do NOT match the known counts: ' +
        '`every 4` reported 1–2 (mean 1.5) + 0–0 DB, expected 1.25 (cycle 2, 1, 1, 1).',
    );
  });

  it('names a variant that reported nothing or other double-backprop counts', () => {
    const r = result([['db', counts(0, 0), 2]]);
    const none: RunResult = { ...r, variants: r.variants.map(({ work: _w, ...v }) => v) };
    expect(workNote('cpu', r, [db])).toContain('`db` reported 0–0 + 2–2 DB, expected 1 DB');
    expect(workNote('cpu', none, [db])).toContain('`db` reported nothing, expected 1 DB');
  });
});

describe('limitSummary', () => {
  const base = [100, 100, 100, 100];
  const run = (backend: string, variants: VariantResult[]): BackendRun => ({
    backend,
    result: {
      baseline: 'plain',
      warmup: 0,
      samples: 4,
      variants: [variantResult('plain', base, base), ...variants],
    },
  });
  const every = (ms: number[]) =>
    variantResult('every 4', ms, base, { limit: 1.3, statistic: 'mean', cycle: 4 });

  it('counts the checks and names what it checked', () => {
    const ok = [run('wasm', [every([205, 105, 105, 105])]), run('cpu', [every([200, 100, 100, 100])])];
    expect(limitSummary(ok)).toBe(
      'Every variant with a limit stayed within its limit on wasm and cpu (2 checks).',
    );
    expect(limitSummary(ok, 'plugin stack')).toBe(
      'Every plugin stack stayed within its limit on wasm and cpu (2 checks).',
    );
    expect(limitSummary([run('cpu', [])])).toBeUndefined();
  });

  it('quotes the ratio each variant is judged by: the mean for a cyclic one, whose median looks free', () => {
    const bad = run('cpu', [every([240, 100, 100, 100])]);
    expect(bad.result.variants[1].ratioOfMedians).toBe(1);
    expect(limitSummary([bad])).toBe('Limits exceeded (1 of 1): cpu `every 4` 1.350 > 1.30.');
  });
});

describe('pluginCostBenchmark', () => {
  it('runs whole cycles, profiles one step per variant, checks the work and leaves nothing behind', async () => {
    const calls: string[] = [];
    const every2: PluginCostVariant = {
      name: 'sam every 2',
      plugins: () => [sam({ rho: 0.05, every: 2 })],
      gradientEvaluations: [2, 1],
      allowance: 0.05,
      statistic: 'mean',
    };
    const bench = pluginCostBenchmark({
      name: 'demo',
      title: 'demo title',
      describe: ({ layers, batchSize }) => `demo on ${layers.join('-')}, batch ${batchSize}`,
      variants: [plain, every2],
      size: { layers: [12, 8, 4], batchSize: 6 },
      async around(run) {
        calls.push('before');
        const r = await run();
        calls.push('after');
        return r;
      },
      conclude: (runs) => [`${runs.length} backend`],
    });
    expect([bench.name, bench.title, bench.description]).toEqual([
      'demo',
      'demo title',
      'demo on 12-8-4, batch 6',
    ]);
    const { result, notes } = await runWithoutLeaks(bench, { warmup: 1, samples: 3 });
    expect(calls).toEqual(['before', 'after']);
    expect([result.baseline, result.warmup, result.samples]).toEqual(['plain', 2, 4]);
    const [p, s] = result.variants;
    expect([p.statistic, p.cycle, p.limit]).toEqual(['median', undefined, undefined]);
    expect([s.statistic, s.cycle, s.limit, s.samplesMs.length]).toEqual(['mean', 2, 1.5 + 0.05, 4]);
    expect(s.work?.gradientEvaluations).toEqual({ min: 1, max: 2, mean: 1.5 });
    expect(notes).toEqual([
      'cpu: warm-up and samples rounded up from 1 + 3 to 2 + 4: whole cycles of steps (`sam every 2`: 2 steps).',
      workNote('cpu', result, [plain, every2]),
    ]);
    expect(notes[1]).toContain('match the known counts');
    expect(bench.conclude?.([{ backend: 'cpu', result }])).toEqual(['1 backend']);
  });
});
