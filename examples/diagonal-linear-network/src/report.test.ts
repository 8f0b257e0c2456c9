import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAGS } from './cli';
import { sparseRegression } from './data';
import { dlnMetrics } from './dln';
import { coordinatesCsv, formatTable, resultsJson, resultsSvg, summarize, toJson } from './report';
import type { Method, RunResult } from './run';
import { ScaleIntegrals } from './theory';

const problem = sparseRegression({ d: 6, n: 4, k: 2, seed: 3 });

/** A RunResult with chosen numbers (no training): u·v = s² on every coordinate, β = u² − v². */
function fake(method: Method, label: string, scale: number, converged = true): RunResult {
  const u = Array.from({ length: 6 }, (_, i) => scale * (1 + 0.1 * i));
  const v = u.map((x) => (scale * scale) / x);
  const predicted = Float64Array.from({ length: 6 }, () => scale * 1.002);
  return {
    method,
    label,
    steps: 123,
    converged,
    finalLoss: 9.5e-10,
    gradientEvaluationsPerStep: method.kind === 'double-backprop' ? 0 : method.kind === 'gd' ? 1 : 2,
    doubleBackpropEvaluationsPerStep: method.kind === 'double-backprop' ? 1 : 0,
    metrics: dlnMetrics(problem, u, v),
    theory: {
      alpha: 0.5,
      lr: 0.02,
      gamma: method.kind === 'gd' ? 0 : 0.1,
      epsilon: 'epsilon' in method ? method.epsilon : 0,
    },
    integrals: new ScaleIntegrals(problem),
    predicted,
    predictedDiscrete: predicted.map((x) => x * 0.999),
    maxRelativeError: 0.0048,
    maxRelativeErrorDiscrete: 0.00011,
    shrinkageError: 0.13,
    shrinkageErrorDiscrete: 0.0026,
    seconds: 1.234,
  };
}

const results = [
  fake({ kind: 'gd' }, 'GD', 0.498),
  fake({ kind: 'double-backprop' }, 'DB γ=0.1', 0.486),
  fake({ kind: 'forward', epsilon: 0.1 }, 'F-GR ε=0.1', 0.48, false),
];

describe('formatTable', () => {
  it('prints one aligned row per method with the measured numbers, and flags runs that hit the cap', () => {
    const lines = formatTable(results).split('\n');
    expect(lines).toHaveLength(2 + 3 + 1);
    expect(lines[0]).toMatch(/^method\s+steps\s+grads\/step\s+DB\/step\s+√uv support/);
    expect(new Set(lines.slice(0, 5).map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toMatch(/^GD\s+123\s+1\.00\s+0\.00\s+0\.49800\s+0\.49800\s/);
    expect(lines[3]).toMatch(/^DB γ=0\.1\s+123\s+0\.00\s+1\.00\s+0\.48600/);
    expect(lines[4]).toMatch(/^F-GR ε=0\.1\s+123\*\s+2\.00/);
    expect(lines[4]).toContain('0.48%');
    expect(lines[4]).toContain('0.011%');
    expect(lines[4]).toContain('13%');
    expect(lines[5]).toBe('* stopped at the step cap before L < threshold');
  });
});

describe('resultsJson', () => {
  it('holds the settings and a summary per run, and parses back', () => {
    const text = resultsJson(DEFAULT_FLAGS, problem, 'cpu', results);
    expect(text.endsWith('}\n')).toBe(true);
    const doc = JSON.parse(text);
    expect(doc.backend).toBe('cpu');
    expect(doc.settings).toMatchObject({
      alpha: 0.5,
      lr: 0.02,
      gamma: 0.1,
      threshold: 1e-9,
      d: 6,
      n: 4,
      k: 2,
    });
    expect(doc.settings.support).toEqual([...problem.support]);
    expect(doc.runs).toHaveLength(3);
    expect(doc.runs[2]).toEqual(summarize(results[2]));
    expect(doc.runs[2]).toMatchObject({
      method: 'F-GR ε=0.1',
      kind: 'forward',
      epsilon: 0.1,
      converged: false,
    });
    expect(doc.runs[1].supportScale).toBeCloseTo(0.486, 12);
    expect(doc.runs[1].predictedSupportScale).toBeCloseTo(0.486 * 1.002, 6);
  });

  it('lays JSON out as prettier does: objects one key per line, arrays of primitives inline', () => {
    expect(toJson({ a: [1, 2.5, 'x'], b: { c: null, d: [] }, e: [{ f: 1 }], g: undefined })).toBe(
      '{\n  "a": [1, 2.5, "x"],\n  "b": {\n    "c": null,\n    "d": []\n  },\n  "e": [\n    {\n      "f": 1\n    }\n  ]\n}',
    );
    expect(toJson(NaN)).toBe('null');
  });
});

describe('coordinatesCsv and resultsSvg', () => {
  it('write one CSV row per method and coordinate', () => {
    const lines = coordinatesCsv(problem, results).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'method,coordinate,on_support,alpha_simulated,alpha_predicted,alpha_predicted_discrete,beta',
    );
    expect(lines).toHaveLength(1 + 3 * 6);
    const row = lines[1 + 6 + 2].split(','); // DB γ=0.1, coordinate 2
    expect(row[0]).toBe('DB γ=0.1');
    expect(row[1]).toBe('2');
    expect(row[2]).toBe(problem.onSupport[2] ? '1' : '0');
    expect(Number(row[3])).toBeCloseTo(0.486, 8);
    expect(Number(row[4])).toBeCloseTo(0.486 * 1.002, 8);
  });

  it('draw two panels of 2 bars per method: effective scale on/off the support, ‖β‖₁ and error', () => {
    const svg = resultsSvg(DEFAULT_FLAGS, problem, results);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2 * 2 * 3);
    expect(svg.match(/<g class="panel">/g)).toHaveLength(2);
    for (const label of [
      'GD',
      'DB γ=0.1',
      'F-GR ε=0.1',
      'on the support',
      'off the support',
      '‖β‖₁',
      'α = 0.5',
    ]) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(svg).toContain('data-series="on the support" data-category="F-GR ε=0.1" data-value="0.48');
    expect(svg).toContain('(y axis starts at 0.475)');
  });
});
