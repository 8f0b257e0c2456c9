import { describe, expect, it } from 'vitest';
import { TABLE_HEADER, toJson, toMarkdown, toMarkdownTable, type BenchmarkReport } from './report';
import type { RunResult, VariantResult } from './runner';
import { summarize } from './stats';

function variant(
  name: string,
  samplesMs: number[],
  baselineMs: number[],
  peakTensors?: number,
): VariantResult {
  const ms = summarize(samplesMs);
  return {
    name,
    ms,
    samplesMs,
    ratioOfMedians: ms.median / summarize(baselineMs).median,
    roundRatio: summarize(samplesMs.map((t, i) => t / baselineMs[i])),
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
