import { describe, expect, it } from 'vitest';
import { ADAM, FLOODING, SAM } from './methods';
import { meanCurve, summarize } from './summary';
import type { Timing } from './timing';
import type { RunResult } from './train';

const run = (
  method: string,
  seed: number,
  acc: number,
  loss: number,
  extra: Partial<RunResult> = {},
): RunResult => ({
  method,
  seed,
  testAccuracy: acc,
  bestTestAccuracy: acc,
  sharpness: { topEigenvalue: 10 * loss, rIg: loss / 100 },
  finalTrainLoss: loss,
  curve: [
    { step: 5, trainLoss: 2 * loss, testAccuracy: acc / 2 },
    { step: 10, trainLoss: loss, testAccuracy: acc },
  ],
  evaluationsPerStep: { gradient: method === 'sam' ? 2 : 1, doubleBackprop: 0 },
  seconds: 1,
  ...extra,
});

const timing: Timing = {
  baseline: 'adam',
  warmup: 1,
  rounds: 20,
  batch: 50,
  baselineMedianMs: 8,
  methods: [
    { method: 'adam', ratio: 1, q1: 1, q3: 1, medianMs: 8 },
    { method: 'sam', ratio: 2.1, q1: 2, q3: 2.2, medianMs: 16.8 },
  ],
};

describe('meanCurve', () => {
  it('averages runs point by point', () => {
    const curve = meanCurve([run('adam', 1, 0.8, 0.2), run('adam', 2, 0.9, 0.4)]);
    expect(curve.map((p) => p.step)).toEqual([5, 10]);
    expect(curve[1].trainLoss).toBeCloseTo(0.3, 12);
    expect(curve[0].testAccuracy).toBeCloseTo(0.425, 12);
  });
});

describe('summarize', () => {
  it('gives one row per method with runs, in method order, with mean ± sd, timing and flooding share', () => {
    const runs = [
      run('sam', 1, 0.9, 0.1),
      run('adam', 1, 0.8, 0.2),
      run('adam', 2, 0.9, 0.4),
      run('flood', 1, 0.85, 0.3, { floodAscentFraction: 0.25 }),
      run('flood', 2, 0.85, 0.3, { floodAscentFraction: 0.75 }),
    ];
    const rows = summarize([ADAM, SAM, FLOODING], runs, timing);
    expect(rows.map((r) => r.method)).toEqual(['adam', 'sam', 'flood']);
    const [adam, sam, flood] = rows;
    expect(adam.testAccuracy.mean).toBeCloseTo(0.85, 12);
    expect(adam.testAccuracy.sd).toBeCloseTo(Math.SQRT1_2 * 0.1, 12);
    expect(adam.finalTrainLoss).toBeCloseTo(0.3, 12);
    expect(sam.evaluationsPerStep).toEqual({ gradient: 2, doubleBackprop: 0 });
    expect(sam.timing?.ratio).toBe(2.1);
    expect(sam.testAccuracy.n).toBe(1);
    expect(flood.timing).toBeUndefined();
    expect(flood.floodAscentFraction).toBe(0.5);
    expect(adam.floodAscentFraction).toBeUndefined();
    expect(summarize([ADAM], [], timing)).toEqual([]);
  });
});
