import { describe, expect, it } from 'vitest';
import {
  formatCount,
  formatWork,
  leakNotes,
  limitNotes,
  TABLE_HEADER,
  tableHeader,
  toJson,
  toMarkdown,
  toMarkdownTable,
  type BackendRun,
  type BenchmarkReport,
} from './report';
import { variantResult, type Judgement, type RunResult, type VariantResult, type WorkStats } from './runner';

function variant(
  name: string,
  samplesMs: number[],
  baselineMs: number[],
  peakTensors?: number,
  judgement: Judgement = {},
): VariantResult {
  return {
    ...variantResult(name, samplesMs, baselineMs, judgement),
    ...(peakTensors === undefined ? {} : { memory: { peakTensors, peakBytes: 0, tensorDelta: 0 } }),
  };
}

function run(base: number[], other: number[], peak?: number): RunResult {
  return {
    baseline: 'bare',
    warmup: 2,
    samples: base.length,
    variants: [variant('bare', base, base, peak), variant('plugged', other, base, peak)],
  };
}

const report: BenchmarkReport = {
  benchmark: 'demo',
  title: 'demo overhead',
  description: 'What this measures.',
  createdAt: '2026-11-22T00:00:00.000Z',
  environment: { node: 'v20.20.2', cpus: 2 },
  runs: [
    { backend: 'wasm', result: run([10, 20, 30, 40], [11, 22, 33, 44], 14) },
    { backend: 'cpu', result: run([100, 100, 100], [150, 101, 99]) },
  ],
  notes: ['final weights identical'],
};

const cells = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());

describe('toMarkdownTable', () => {
  it('has a header, an alignment row and one 7-cell row per backend and variant', () => {
    const lines = toMarkdownTable(report.runs).split('\n');
    expect(lines).toHaveLength(2 + 4);
    expect(cells(lines[0])).toEqual([...TABLE_HEADER]);
    expect(cells(lines[1])).toEqual(['---', '---', '---:', '---:', '---:', '---:', '---:']);
    for (const line of lines) {
      expect(line.startsWith('| ') && line.endsWith(' |')).toBe(true);
      expect(cells(line)).toHaveLength(7);
    }
    expect(lines.slice(2).map((l) => cells(l).slice(0, 2))).toEqual([
      ['wasm', 'bare (baseline)'],
      ['wasm', 'plugged'],
      ['cpu', 'bare (baseline)'],
      ['cpu', 'plugged'],
    ]);
  });

  it('formats ms with 2 decimals, ratios with 3 and a dash when memory was not probed', () => {
    const lines = toMarkdownTable(report.runs).split('\n');
    // wasm plugged: median 27.5, IQR 35.75 - 19.25 = 16.5, ratios 27.5/25 and 1.1 each round.
    expect(cells(lines[3])).toEqual(['wasm', 'plugged', '27.50', '16.50', '1.100', '1.100', '14']);
    // cpu plugged: median 101 vs 100; per-round ratios 1.5, 1.01, 0.99 -> median 1.01.
    expect(cells(lines[5])).toEqual(['cpu', 'plugged', '101.00', '25.50', '1.010', '1.010', '–']);
    expect(cells(lines[4]).slice(4)).toEqual(['1.000', '1.000', '–']);
  });
});

describe('toMarkdownTable with limits, work and a step profile', () => {
  const work = (g: number, db = 0): WorkStats => ({
    gradientEvaluations: { min: g, max: g, mean: g },
    doubleBackpropEvaluations: { min: db, max: db, mean: db },
  });
  const base = [100, 100, 100];
  const profile = (peakMb: number) => ({
    peakBytes: (10 + peakMb) * 1e6,
    startBytes: 10e6,
    newBytes: 0,
    newTensors: 0,
  });
  const limited: RunResult = {
    baseline: 'plain',
    warmup: 1,
    samples: 3,
    variants: [
      { ...variant('plain', base, base, 20), work: work(1), profile: profile(2) },
      {
        ...variant('forward', [203, 204, 205], base, 20),
        limit: 2.05,
        withinLimit: true,
        work: work(2),
        profile: profile(3.5),
      },
      {
        ...variant('central', [310, 320, 300], base, 20),
        limit: 3.05,
        withinLimit: false,
        work: work(3),
        profile: profile(4.25),
      },
      { ...variant('double-backprop', [240, 240, 240], base, 20), work: work(0, 1), profile: profile(6) },
    ],
  };
  const runs: BackendRun[] = [{ backend: 'wasm', result: limited }];

  it('adds grad evals, limit, within limit and the profiled memory columns', () => {
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
    const lines = toMarkdownTable(runs).split('\n');
    expect(cells(lines[0])).toEqual(tableHeader(runs));
    expect(cells(lines[1])).toEqual([
      '---',
      '---',
      '---:',
      ...new Array(4).fill('---:'),
      '---:',
      '---',
      ...new Array(4).fill('---:'),
    ]);
    expect(lines.slice(2).map(cells)).toEqual([
      [
        'wasm',
        'plain (baseline)',
        '1',
        '100.00',
        '0.00',
        '1.000',
        '1.000',
        '–',
        '–',
        '20',
        '12.00',
        '2.00',
        '0',
      ],
      ['wasm', 'forward', '2', '204.00', '1.00', '2.040', '2.040', '2.05', 'yes', '20', '13.50', '3.50', '0'],
      ['wasm', 'central', '3', '310.00', '10.00', '3.100', '3.100', '3.05', 'NO', '20', '14.25', '4.25', '0'],
      [
        'wasm',
        'double-backprop',
        '1 DB',
        '240.00',
        '0.00',
        '2.400',
        '2.400',
        '–',
        '–',
        '20',
        '16.00',
        '6.00',
        '0',
      ],
    ]);
  });

  it('shows only the optional columns some variant fills', () => {
    const onlyLimits: BackendRun[] = [
      {
        backend: 'cpu',
        result: { ...limited, variants: limited.variants.map(({ work: _w, profile: _p, ...v }) => v) },
      },
    ];
    expect(tableHeader(onlyLimits)).toEqual([
      ...TABLE_HEADER.slice(0, 6),
      'limit',
      'within limit',
      'peak tensors',
    ]);
    const noLimits: BackendRun[] = [
      {
        backend: 'cpu',
        result: {
          ...limited,
          variants: limited.variants.map(({ limit: _l, withinLimit: _w, profile: _p, ...v }) => v),
        },
      },
    ];
    expect(tableHeader(noLimits)).toEqual([
      ...TABLE_HEADER.slice(0, 2),
      'grad evals / step',
      ...TABLE_HEADER.slice(2),
    ]);
    expect(tableHeader(report.runs)).toEqual([...TABLE_HEADER]);
  });

  it('fills a dash where one backend lacks what another has', () => {
    const mixed: BackendRun[] = [...runs, report.runs[1]];
    const last = toMarkdownTable(mixed).split('\n').at(-1)!;
    expect(cells(last)).toEqual([
      'cpu',
      'plugged',
      '–',
      '101.00',
      '25.50',
      '1.010',
      '1.010',
      '–',
      '–',
      '–',
      '–',
      '–',
      '–',
    ]);
  });
});

describe('formatWork', () => {
  const mid = (min: number, max: number) => (min + max) / 2;
  const w = (g: [number, number, number?], db: [number, number]): WorkStats => ({
    gradientEvaluations: { min: g[0], max: g[1], mean: g[2] ?? mid(g[0], g[1]) },
    doubleBackpropEvaluations: { min: db[0], max: db[1], mean: mid(db[0], db[1]) },
  });
  it('writes first-order counts, double backprop as DB, mean and range when steps differed', () => {
    expect(formatWork(undefined)).toBe('–');
    expect(formatWork(w([2, 2], [0, 0]))).toBe('2');
    expect(formatWork(w([0, 0], [0, 0]))).toBe('0');
    expect(formatWork(w([0, 0], [1, 1]))).toBe('1 DB');
    expect(formatWork(w([1, 1], [1, 1]))).toBe('1 + 1 DB');
    expect(formatWork(w([1, 2], [0, 1]))).toBe('1.5 (1–2) + 0.5 (0–1) DB');
    expect(formatWork(w([1, 2, 1.25], [0, 0]))).toBe('1.25 (1–2)');
  });

  it('rounds a mean to at most 2 decimals', () => {
    expect(formatCount({ min: 1, max: 2, mean: 4 / 3 })).toBe('1.33 (1–2)');
    expect(formatCount({ min: 3, max: 3, mean: 3 })).toBe('3');
  });
});

describe('limitNotes and leakNotes', () => {
  const result = (variants: VariantResult[]): RunResult => ({
    baseline: 'plain',
    warmup: 0,
    samples: 3,
    variants,
  });
  const base = [100, 100, 100];

  it('gives one verdict per limited variant, on the ratio of medians', () => {
    const notes = limitNotes({
      backend: 'wasm',
      result: result([
        variant('plain', base, base),
        { ...variant('forward', [200, 201, 202], base), limit: 2.05, withinLimit: true },
        { ...variant('central', [310, 306, 309], base), limit: 3.05, withinLimit: false },
      ]),
    });
    expect(notes).toEqual([
      'wasm: `forward` costs 2.010× `plain` per step (median per-round ratio 2.010); limit 2.05: within the limit.',
      'wasm: `central` costs 3.090× `plain` per step (median per-round ratio 3.090); limit 3.05: OVER the limit.',
    ]);
    expect(limitNotes({ backend: 'cpu', result: result([variant('plain', base, base)]) })).toEqual([]);
  });

  it('flags a verdict the per-round ratio contradicts', () => {
    // medians 204 / 100 = 2.04 (within); per-round ratios 2.04, 2.09, 2.11 -> median 2.09 (over)
    const plainMs = [100, 110, 90];
    const v = { ...variant('forward', [204, 230, 190], plainMs), limit: 2.05, withinLimit: true };
    const [note] = limitNotes({ backend: 'cpu', result: result([variant('plain', plainMs, plainMs), v]) });
    expect(note).toBe(
      'cpu: `forward` costs 2.040× `plain` per step (median per-round ratio 2.091); limit 2.05: within the limit. ' +
        'The median per-round ratio 2.091 says the opposite: borderline, rerun with more samples.',
    );
  });

  it('names variants whose timed steps changed the tensor count', () => {
    const leaky = {
      ...variant('leaky', base, base, 30),
      memory: { peakTensors: 30, peakBytes: 0, tensorDelta: 6 },
    };
    expect(leakNotes({ backend: 'cpu', result: result([variant('plain', base, base, 20), leaky]) })).toEqual([
      'cpu: `leaky` changed numTensors by 6 over its timed steps.',
    ]);
  });
});

describe('a variant judged by its mean', () => {
  const base = [100, 100, 100, 100];
  // sam every 4: one 2-evaluation step, three 1-evaluation steps; median 105 but mean 130.
  const cyc = variant('sam every 4', [205, 105, 105, 105], base, 12, {
    limit: 1.3,
    statistic: 'mean',
    cycle: 4,
  });
  const runs: BackendRun[] = [
    {
      backend: 'wasm',
      result: {
        baseline: 'plain',
        warmup: 4,
        samples: 4,
        variants: [
          variant('plain', base, base, 12),
          variant('sam', [204, 205, 206, 205], base, 12, { limit: 2.05 }),
          cyc,
        ],
      },
    },
  ];

  it('adds mean ms, the mean ratios and the statistic column, which says what each variant is judged by', () => {
    expect(tableHeader(runs)).toEqual([
      ...TABLE_HEADER.slice(0, 4), // backend, variant, median ms, IQR ms
      'mean ms',
      ...TABLE_HEADER.slice(4, 6), // ratio of medians, median per-round ratio
      'ratio of means',
      'mean per-round ratio',
      'statistic',
      'limit',
      'within limit',
      'peak tensors',
    ]);
    const lines = toMarkdownTable(runs).split('\n');
    expect(cells(lines[1])).toEqual([
      '---',
      '---',
      ...new Array(7).fill('---:'),
      '---',
      '---:',
      '---',
      '---:',
    ]);
    expect(lines.slice(2).map(cells)).toEqual([
      [
        'wasm',
        'plain (baseline)',
        '100.00',
        '0.00',
        '100.00',
        '1.000',
        '1.000',
        '1.000',
        '1.000',
        '–',
        '–',
        '–',
        '12',
      ],
      [
        'wasm',
        'sam',
        '205.00',
        '0.50',
        '205.00',
        '2.050',
        '2.050',
        '2.050',
        '2.050',
        'median',
        '2.05',
        'yes',
        '12',
      ],
      [
        'wasm',
        'sam every 4',
        '105.00',
        '25.00',
        '130.00',
        '1.050',
        '1.050',
        '1.300',
        '1.300',
        'mean',
        '1.30',
        'yes',
        '12',
      ],
    ]);
  });

  it('gives its verdict on the ratio of means, over whole cycles, and flags a disagreeing mean per-round ratio', () => {
    expect(limitNotes(runs[0])).toEqual([
      'wasm: `sam` costs 2.050× `plain` per step (median per-round ratio 2.050); limit 2.05: within the limit.',
      'wasm: `sam every 4` costs 1.300× `plain` per step (ratio of means over whole cycles of 4 steps; ' +
        'mean per-round ratio 1.300); limit 1.30: within the limit.',
    ]);
    // The baseline is slow in the round of the 2-evaluation step: means 130 / 115 = 1.130, but the
    // paired ratios 1.05, 1.05, 1.05, 205 / 160 average 1.108, on the other side of the limit.
    const plainMs = [100, 100, 100, 160];
    const v = variant('sam every 4', [105, 105, 105, 205], plainMs, undefined, {
      limit: 1.12,
      statistic: 'mean',
    });
    const [note] = limitNotes({
      backend: 'cpu',
      result: { baseline: 'plain', warmup: 0, samples: 4, variants: [variant('plain', plainMs, plainMs), v] },
    });
    expect(note).toBe(
      'cpu: `sam every 4` costs 1.130× `plain` per step (ratio of means; mean per-round ratio 1.108); ' +
        'limit 1.12: OVER the limit. The mean per-round ratio 1.108 says the opposite: borderline, rerun with more samples.',
    );
  });
});

describe('toMarkdown', () => {
  it('puts title, description, table, settings and notes in that order', () => {
    const md = toMarkdown(report);
    const blocks = md.trimEnd().split('\n\n');
    expect(blocks).toHaveLength(5);
    expect(blocks[0]).toBe('# demo overhead');
    expect(blocks[1]).toBe('What this measures.');
    expect(blocks[2]).toBe(toMarkdownTable(report.runs));
    expect(blocks[3]).toBe(
      'Interleaved rounds (wasm: 2 warm-up + 4 samples per variant; cpu: 2 warm-up + 3 samples per variant). ' +
        'node v20.20.2, cpus 2. 2026-11-22T00:00:00.000Z.',
    );
    expect(blocks[4]).toBe('- final weights identical');
    expect(md.endsWith('\n')).toBe(true);
  });
});

describe('toJson', () => {
  it('round-trips the report', () => {
    const json = toJson(report);
    expect(JSON.parse(json)).toEqual(report);
    expect(json.endsWith('}\n')).toBe(true);
  });
});
