import { describe, expect, it } from 'vitest';
import { flatoptErrorMessage } from './testing/errors';
import {
  bounds,
  checkHyperparameter,
  constant,
  cosine,
  linear,
  scheduleFromConfig,
  step,
  valueAt,
  type Schedule,
} from './schedule';

const message = flatoptErrorMessage;

describe('valueAt', () => {
  it('returns a plain number at every iteration, and a constant schedule its value', () => {
    expect([0, 7, 1e6].map((i) => valueAt(0.05, i))).toEqual([0.05, 0.05, 0.05]);
    expect([0, 7, 1e6].map((i) => valueAt(constant(3), i))).toEqual([3, 3, 3]);
  });

  it('linear: from before start, interpolated on the ramp, to after the end', () => {
    const s = linear({ from: 2, to: 10, steps: 4, start: 2 });
    const at = [0, 1, 2, 3, 4, 5, 6, 7, 100].map((i) => valueAt(s, i));
    expect(at).toEqual([2, 2, 2, 4, 6, 8, 10, 10, 10]);
  });

  it('linear: start defaults to 0 and a decreasing ramp works', () => {
    const s = linear({ from: 1, to: 0, steps: 8 });
    expect([0, 2, 4, 6, 8, 9].map((i) => valueAt(s, i))).toEqual([1, 0.75, 0.5, 0.25, 0, 0]);
  });

  it('cosine: from before start, the midpoint at t = 0.5, to after the end', () => {
    const s = cosine({ from: 2, to: 10, steps: 4, start: 2 });
    expect(valueAt(s, 0)).toBe(2);
    expect(valueAt(s, 2)).toBe(2);
    expect(valueAt(s, 6)).toBe(10);
    expect(valueAt(s, 50)).toBe(10);
    // cos(π/2) is 6.1e-17, not 0, in floating point: the midpoint is exact only up to an ulp.
    expect(valueAt(s, 4)).toBeCloseTo(6, 14);
    expect(valueAt(cosine({ from: 1, to: 0, steps: 2 }), 1)).toBeCloseTo(0.5, 15);
    expect(valueAt(cosine({ from: 0, to: 1, steps: 2 }), 1)).toBeCloseTo(0.5, 15);
  });

  it('cosine: off-midpoint values follow to + (from − to)·(1 + cos(πt))/2', () => {
    const s = cosine({ from: 1, to: 0, steps: 4 });
    // t = 1/4: (1 + cos(π/4))/2 = 0.8535533905932737; t = 3/4: 0.14644660940672627.
    expect(valueAt(s, 1)).toBeCloseTo(0.8535533905932737, 15);
    expect(valueAt(s, 3)).toBeCloseTo(0.14644660940672627, 15);
    // Cosine starts slower than linear: after a quarter it has covered less than a quarter.
    expect(valueAt(s, 1)).toBeGreaterThan(valueAt(linear({ from: 1, to: 0, steps: 4 }), 1));
  });

  // `from + (to − from)·1` is not always `to` in floating point (0.009999999999999995 here), so
  // the ends are returned exactly: a ramp must never leave the range checkHyperparameter validated.
  it('linear and cosine end exactly at `to`, inside bounds()', () => {
    for (const kind of [linear, cosine]) {
      const s = kind({ from: 0.1, to: 0.01, steps: 10 });
      expect(valueAt(s, 10)).toBeGreaterThanOrEqual(bounds(s)[0]);
      expect(valueAt(s, 10)).toBe(0.01);
    }
  });

  it('step: values[0] before boundaries[0], values[i] from boundaries[i-1] on', () => {
    const s = step({ values: [1, 0.5, 0.25], boundaries: [10, 20] });
    const at = [0, 9, 10, 11, 19, 20, 21, 1000].map((i) => valueAt(s, i));
    expect(at).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]);
    expect(valueAt(step({ values: [7], boundaries: [] }), 99)).toBe(7);
  });
});

describe('bounds', () => {
  it('gives [min, max] of every value a hyperparameter can take', () => {
    expect(bounds(0.3)).toEqual([0.3, 0.3]);
    expect(bounds(constant(-2))).toEqual([-2, -2]);
    expect(bounds(linear({ from: 0.1, to: 0, steps: 5 }))).toEqual([0, 0.1]);
    expect(bounds(cosine({ from: 1, to: 3, steps: 5 }))).toEqual([1, 3]);
    expect(bounds(step({ values: [0.5, 2, -1], boundaries: [3, 6] }))).toEqual([-1, 2]);
  });
});

describe('schedule constructors validate their options', () => {
  it('names the schedule, the option, the value and the allowed range', () => {
    expect(message(() => constant(NaN))).toBe("constant: option 'value' must be a finite number; got NaN.");
    expect(message(() => linear({ from: 1, to: 0, steps: 0 }))).toBe(
      "linear: option 'steps' must be an integer ≥ 1; got 0.",
    );
    expect(message(() => cosine({ from: 1, to: 0, steps: 2.5 }))).toBe(
      "cosine: option 'steps' must be an integer ≥ 1; got 2.5.",
    );
    expect(message(() => linear({ from: 1, to: 0, steps: 3, start: -1 }))).toBe(
      "linear: option 'start' must be an integer ≥ 0; got -1.",
    );
    expect(message(() => linear({ from: '1', to: 0, steps: 3 } as never))).toBe(
      'linear: option \'from\' must be a finite number; got "1".',
    );
    expect(message(() => linear({ form: 1, to: 0, steps: 3 } as never))).toBe(
      "linear: unknown option 'form'; allowed options are 'from', 'to', 'steps', 'start'.",
    );
  });

  it('step: lengths must match and boundaries must be increasing integers ≥ 1', () => {
    expect(message(() => step({ values: [1, 2], boundaries: [1, 2] }))).toBe(
      "step: 'values' must be an array one longer than 'boundaries'; got an array of length 2 and an array of length 2.",
    );
    expect(message(() => step({ values: [1, 2], boundaries: [0] }))).toBe(
      "step: option 'boundaries[0]' must be an integer ≥ 1; got 0.",
    );
    expect(message(() => step({ values: [1, 2, 3], boundaries: [10, 10] }))).toBe(
      "step: option 'boundaries[1]' must be an integer ≥ 11; got 10.",
    );
    expect(message(() => step({ values: [1, Infinity], boundaries: [4] }))).toBe(
      "step: option 'values[1]' must be a finite number; got Infinity.",
    );
  });

  it('step copies its arrays, so later edits by the caller do not change it', () => {
    const values = [1, 2];
    const s = step({ values, boundaries: [5] });
    values[1] = 99;
    expect(valueAt(s, 5)).toBe(2);
  });
});

describe('scheduleFromConfig', () => {
  const schedules: Schedule[] = [
    constant(0.05),
    linear({ from: 0.1, to: 0.01, steps: 100, start: 10 }),
    cosine({ from: 0, to: 0.05, steps: 50 }),
    step({ values: [0.1, 0.01, 0.001], boundaries: [30, 60] }),
  ];

  it.each(schedules.map((s) => [s.schedule, s] as const))('%s survives a JSON round trip', (_kind, s) => {
    const back = scheduleFromConfig(JSON.parse(JSON.stringify(s)));
    expect(back).toEqual(s);
    for (const i of [0, 10, 35, 60, 75, 200]) expect(valueAt(back, i)).toBe(valueAt(s, i));
  });

  it('re-validates what it rebuilds and refuses what is not a schedule', () => {
    expect(message(() => scheduleFromConfig({ schedule: 'exp', rate: 0.5 }))).toBe(
      "schedule: 'schedule' must be one of 'constant', 'linear', 'cosine', 'step', 'join', 'follow'; got \"exp\".",
    );
    expect(message(() => scheduleFromConfig(0.5))).toBe('schedule: expected a schedule config; got 0.5.');
    expect(message(() => scheduleFromConfig(null))).toBe('schedule: expected a schedule config; got null.');
    expect(
      message(() => scheduleFromConfig({ schedule: 'linear', from: 1, to: 0, steps: -3, start: 0 })),
    ).toBe("linear: option 'steps' must be an integer ≥ 1; got -3.");
  });
});

describe('checkHyperparameter', () => {
  const positive = { min: 0, exclusiveMin: true };

  it('accepts a number or a schedule inside the range and returns it', () => {
    expect(checkHyperparameter('sam', 'rho', 0.05, positive)).toBe(0.05);
    const s = linear({ from: 0.1, to: 0.01, steps: 10 });
    expect(checkHyperparameter('sam', 'rho', JSON.parse(JSON.stringify(s)), positive)).toEqual(s);
  });

  it('refuses a linear epsilon schedule that reaches 0 when epsilon must be > 0', () => {
    const s = linear({ from: 0.1, to: 0, steps: 10 });
    expect(message(() => checkHyperparameter('gradReg', 'epsilon', s, positive))).toBe(
      "gradReg: option 'epsilon' is a 'linear' schedule that reaches 0; every value must be a finite number > 0.",
    );
  });

  it('checks both ends of a schedule and every step value', () => {
    const above = cosine({ from: 0.5, to: 1.5, steps: 10 });
    expect(message(() => checkHyperparameter('flooding', 'level', above, { min: 0, max: 1 }))).toBe(
      "flooding: option 'level' is a 'cosine' schedule that reaches 1.5; every value must be a finite number in [0, 1].",
    );
    const dips = step({ values: [0.1, -0.2, 0.3], boundaries: [5, 9] });
    expect(message(() => checkHyperparameter('sam', 'rho', dips, { min: 0 }))).toBe(
      "sam: option 'rho' is a 'step' schedule that reaches -0.2; every value must be a finite number ≥ 0.",
    );
  });

  // Every value a step schedule takes is checked, not only its extremes.
  it('refuses a step schedule with a non-integer value when the range is integer', () => {
    const s = step({ values: [1, 2.5, 3], boundaries: [5, 9] });
    expect(() => checkHyperparameter('probe', 'count', s, { min: 1, integer: true })).toThrow(
      "probe: option 'count' is a 'step' schedule that reaches 2.5; every value must be an integer ≥ 1.",
    );
  });

  it('refuses a number outside the range and a value that is neither', () => {
    expect(message(() => checkHyperparameter('sam', 'rho', -1, { min: 0 }))).toBe(
      "sam: option 'rho' must be a finite number ≥ 0; got -1.",
    );
    expect(message(() => checkHyperparameter('sam', 'rho', '0.05', { min: 0 }))).toBe(
      'sam: option \'rho\' must be a finite number ≥ 0 or a schedule (constant, linear, cosine, step, join, follow); got "0.05".',
    );
  });
});

describe('integer ranges and ramps', () => {
  it('refuses a ramp between different values for an integer option, and accepts a flat one', () => {
    expect(() =>
      checkHyperparameter('sam', 'every', linear({ from: 1, to: 4, steps: 10 }), { min: 1, integer: true }),
    ).toThrow(
      "sam: option 'every' must be an integer ≥ 1; a 'linear' schedule from 1 to 4 takes non-integer values (use a 'step' schedule).",
    );
    expect(
      checkHyperparameter('sam', 'every', linear({ from: 2, to: 2, steps: 10 }), { min: 1, integer: true }),
    ).toEqual(linear({ from: 2, to: 2, steps: 10 }));
  });
});
