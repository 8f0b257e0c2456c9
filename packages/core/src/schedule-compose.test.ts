import { describe, expect, it } from 'vitest';
import { flatoptErrorMessage as message } from './testing/errors';
import {
  bounds,
  checkHyperparameter,
  cosine,
  follow,
  join,
  linear,
  scheduleFromConfig,
  step,
  valueAt,
  warmupCosine,
} from './schedule';

const values = (s: Parameters<typeof valueAt>[0], n: number) =>
  Array.from({ length: n }, (_, i) => valueAt(s, i));

describe('join', () => {
  it('runs each piece from its own step 0, after the previous boundary', () => {
    const s = join({
      schedules: [linear({ from: 0, to: 4, steps: 4 }), step({ values: [10, 20], boundaries: [2] })],
      boundaries: [4],
    });
    expect(values(s, 9)).toEqual([0, 1, 2, 3, 10, 10, 20, 20, 20]);
    expect(bounds(s)).toEqual([0, 20]);
  });

  it('refuses boundaries that do not increase or do not match the pieces', () => {
    const a = linear({ from: 0, to: 1, steps: 2 });
    expect(message(() => join({ schedules: [a, a], boundaries: [] }))).toBe(
      "join: 'schedules' must be an array one longer than 'boundaries'; got an array of length 2 and an array of length 0.",
    );
    expect(message(() => join({ schedules: [a, a, a], boundaries: [3, 3] }))).toBe(
      "join: option 'boundaries[1]' must be an integer ≥ 4; got 3.",
    );
  });
});

describe('warmupCosine', () => {
  it('ramps linearly to the peak over the warm-up, then follows the cosine to the final value', () => {
    const s = warmupCosine({ peak: 1, warmup: 4, total: 12, initial: 0, final: 0.1 });
    const v = values(s, 14);
    expect(v.slice(0, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // Cosine over 8 steps from 1 to 0.1: 0.1 + 0.9·(1 + cos(π·k/8))/2.
    for (let k = 0; k <= 8; k++) {
      expect(v[4 + k]).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos((Math.PI * k) / 8))) / 2, 15);
    }
    expect(v[13]).toBe(0.1);
  });

  it('without warm-up is a plain cosine', () => {
    expect(warmupCosine({ peak: 2, warmup: 0, total: 10 })).toEqual(cosine({ from: 2, to: 0, steps: 10 }));
  });

  it('refuses a schedule that never ends or ends before its warm-up', () => {
    expect(message(() => warmupCosine({ peak: 1, warmup: 10, total: Infinity }))).toBe(
      "warmupCosine: option 'total' must be an integer ≥ 11; got Infinity.",
    );
    expect(message(() => warmupCosine({ peak: 1, warmup: 10, total: 10 }))).toBe(
      "warmupCosine: option 'total' must be an integer ≥ 11; got 10.",
    );
    expect(message(() => warmupCosine({ peak: 1, warmup: -1, total: 10 }))).toBe(
      "warmupCosine: option 'warmup' must be an integer ≥ 0; got -1.",
    );
  });

  it('survives its config: JSON round trip and rebuild give the same values', () => {
    const s = warmupCosine({ peak: 3e-3, warmup: 5, total: 50, final: 1e-5 });
    const back = scheduleFromConfig(JSON.parse(JSON.stringify(s)));
    expect(values(back, 60)).toEqual(values(s, 60));
  });
});

describe('follow (GSAM’s ρ tied to the learning rate)', () => {
  it('maps the source range onto [min, max]: ρ_t = ρ_min + (ρ_max − ρ_min)·(η_t − η_min)/(η_max − η_min)', () => {
    const lr = warmupCosine({ peak: 0.1, warmup: 2, total: 10, initial: 0.02, final: 0.01 });
    const rho = follow(lr, { min: 0.01, max: 0.05 });
    const [lo, hi] = bounds(lr);
    expect([lo, hi]).toEqual([0.01, 0.1]);
    for (let t = 0; t < 12; t++) {
      const expected = 0.01 + (0.04 * (valueAt(lr, t) - 0.01)) / 0.09;
      expect(valueAt(rho, t)).toBeCloseTo(expected, 15);
    }
    expect(valueAt(rho, 2)).toBe(0.05); // the peak of the learning rate
    expect(valueAt(rho, 10)).toBe(0.01); // its minimum
  });

  it('of a constant source is max; the range check covers [min, max]', () => {
    expect(valueAt(follow(linear({ from: 1, to: 1, steps: 1 }), { min: 0, max: 2 }), 5)).toBe(2);
    const bad = follow(linear({ from: 1, to: 0, steps: 3 }), { min: -0.1, max: 0.5 });
    expect(message(() => checkHyperparameter('sam', 'rho', bad, { min: 0 }))).toBe(
      "sam: option 'rho' is a 'follow' schedule that reaches -0.1; every value must be a finite number ≥ 0.",
    );
  });

  it('rebuilds its source from config, validating it', () => {
    const config = {
      schedule: 'follow',
      source: { schedule: 'linear', from: 1, to: 0, steps: 0, start: 0 },
      min: 0,
      max: 1,
    };
    expect(message(() => scheduleFromConfig(config))).toBe(
      "linear: option 'steps' must be an integer ≥ 1; got 0.",
    );
  });
});

describe('integer options', () => {
  it('accept a join of steps and refuse a join with a ramp', () => {
    const ok = join({
      schedules: [step({ values: [1, 2], boundaries: [3] }), step({ values: [4], boundaries: [] })],
      boundaries: [5],
    });
    expect(checkHyperparameter('sam', 'every', ok, { min: 1, integer: true })).toEqual(ok);
    const ramp = join({
      schedules: [linear({ from: 1, to: 3, steps: 2 }), step({ values: [4], boundaries: [] })],
      boundaries: [5],
    });
    expect(message(() => checkHyperparameter('sam', 'every', ramp, { min: 1, integer: true }))).toBe(
      "sam: option 'every' must be an integer ≥ 1; a 'join' schedule that ramps between values takes non-integer values (use a 'step' schedule).",
    );
  });
});
