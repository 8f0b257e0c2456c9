import { describe, expect, it } from 'vitest';
import { TwoParameterModel, type Point2 } from '@flatopt/implicit-gr';
import {
  IGR_PICTURE_DEFAULTS,
  igrLearningRateRange,
  igrPictureData,
  MAX_STEPS,
  STABILITY_MARGIN,
  type IgrRun,
} from './data';

/**
 * The pure half of the Figure 1 picture (Barrett & Dherin, ICLR 2021), in Node: GD with step h
 * against the gradient flow θ̇ = −∇E and the modified flow θ̇ = −∇Ẽ, Ẽ = E + (h/4)‖∇E‖², on
 * E = ½(y − abx)² with examples/igr-two-parameter's x = 2, y = 1.5, start (1.4, 1.75), T = 5.
 * The thresholds are that example's (figure.test.ts); the numbers are its README's float64 ones.
 */
const model = new TwoParameterModel(2, 1.5);
const moderate = igrPictureData(0.04);

describe('igrPictureData', () => {
  it('runs GD for n = round(T/h) steps and both flows on k = h/0.004 substeps per step, to t = n·h', () => {
    expect(moderate.steps).toBe(125);
    expect(moderate.time).toBeCloseTo(5, 12);
    expect(moderate.substepsPerStep).toBe(10);
    expect(moderate.gd).toHaveLength(126);
    expect([moderate.flow.length, moderate.modified.length]).toEqual([1251, 1251]);
    expect(moderate.gd[0]).toEqual([1.4, 1.75]);
    expect(moderate.flow[0]).toEqual([1.4, 1.75]);
    expect(moderate.gd).toEqual(model.gradientDescent([1.4, 1.75], 0.04, 125));
    expect(moderate.runs).toHaveLength(1);
    expect(moderate.gd).toBe(moderate.runs[0].gd);
    expect(moderate.stabilityLimit).toBeCloseTo(2 / (4 * (1.4 ** 2 + 1.75 ** 2)), 12);
  });

  it('tiny h: GD stays within 5e-3 of the gradient flow, and 20× closer to the modified flow', () => {
    const tiny = igrPictureData(0.001);
    expect(tiny.steps).toBe(5000);
    expect(tiny.distance.flow.max).toBeLessThan(5e-3);
    expect(tiny.distance.flow.final).toBeLessThan(1e-3);
    expect(tiny.distance.modified.max * 20).toBeLessThan(tiny.distance.flow.max);
    // The gap is O(h) at a fixed horizon: 4× smaller h, ~4× closer (measured 2.83e-3 vs 1.17e-2).
    const small = igrPictureData(0.004);
    expect(small.distance.flow.max / tiny.distance.flow.max).toBeGreaterThan(3.5);
    // The example's small-h check: the modified flow is ≥ 5× closer than the gradient flow.
    expect(small.distance.modified.max * 5).toBeLessThan(small.distance.flow.max);
  });

  it('moderate h = 0.04: GD is closer to the modified flow than to the gradient flow (README: 0.120 vs 0.211)', () => {
    const { flow, modified } = moderate.distance;
    expect(modified.max).toBeLessThan(flow.max);
    expect(modified.final).toBeLessThan(flow.final);
    expect(flow.max).toBeCloseTo(0.211, 3);
    expect(modified.max).toBeCloseTo(0.12, 3);
  });

  it('moderate h: GD and the modified flow end flatter than the gradient flow (a² + b² 1.8083 < 1.8333 < 1.8616)', () => {
    const { gd, flow, modified } = moderate.final;
    expect(gd).toBeLessThan(modified);
    expect(modified).toBeLessThan(flow);
    expect([gd, modified, flow].map((v) => +v.toFixed(4))).toEqual([1.8083, 1.8333, 1.8616]);
    // Every end is on the line of minima, and no end is flatter than a = b (a² + b² = 2y/x).
    for (const path of [moderate.gd, moderate.flow, moderate.modified]) {
      expect(model.loss(path.at(-1)!)).toBeLessThan(1e-20);
    }
    expect(gd).toBeGreaterThan(1.5);
  });

  it('keeps both orderings over the whole allowed range, and a larger h ends flatter', () => {
    const [lo, hi] = igrLearningRateRange();
    expect(lo).toBe(5 / MAX_STEPS);
    expect(hi).toBeCloseTo(STABILITY_MARGIN * moderate.stabilityLimit, 12);
    const all = [0.01, 0.02, 0.04, 0.06, hi].map((h) => igrPictureData(h));
    for (const { distance } of all) expect(distance.modified.max).toBeLessThan(distance.flow.max);
    const ends = all.map((d) => d.final);
    for (const end of ends) expect(end.gd).toBeLessThan(end.modified);
    for (const end of ends) expect(end.modified).toBeLessThan(end.flow);
    for (let i = 1; i < ends.length; i++) expect(ends[i].gd).toBeLessThan(ends[i - 1].gd);
  });

  it('two starts: one run each, the range is set by the steeper start, the window holds every path', () => {
    const starts: Point2[] = [
      [1.4, 1.75],
      [0.9, 2.4],
    ];
    const data = igrPictureData(0.04, { starts });
    expect(data.runs.map((r) => r.start)).toEqual(starts);
    expect(data.range[1]).toBeCloseTo(STABILITY_MARGIN * model.stabilityLimit([0.9, 2.4]), 12);
    // README, start (0.9, 2.4) at h = 0.04: 4.9315 (GD), 5.0898 (modified), 5.1723 (flow).
    const second = data.runs[1].final;
    expect([second.gd, second.modified, second.flow].map((v) => +v.toFixed(4))).toEqual([
      4.9315, 5.0898, 5.1723,
    ]);
    const inside = ([a, b]: Point2) =>
      a > data.window.a[0] && a < data.window.a[1] && b > data.window.b[0] && b < data.window.b[1];
    const paths = data.runs.flatMap((r: IgrRun) => [r.gd, r.flow, r.modified]);
    expect(paths.every((p) => p.every(inside))).toBe(true);
    expect(inside(data.flattest)).toBe(true);
    expect(() => igrPictureData(0.065, { starts })).toThrow(/learningRate .* \[0\.00025, 0\.06088\]/);
  });

  it('samples E on a grid × grid of cell centres over the window, and the hyperbola ab = y/x in it', () => {
    const data = igrPictureData(0.02, { grid: 12 });
    expect(data.surface).toHaveLength(144);
    const { a, b } = data.window;
    const da = (a[1] - a[0]) / 12;
    expect(data.surface[0].a).toBeCloseTo(a[0] + da / 2, 12);
    expect(data.surface[13].b).toBeCloseTo(b[0] + (1.5 * (b[1] - b[0])) / 12, 12);
    for (const s of data.surface) expect(s.loss).toBe(model.loss([s.a, s.b]));
    expect(moderate.surface).toHaveLength(IGR_PICTURE_DEFAULTS.grid ** 2);
    expect(data.minima).toHaveLength(1);
    for (const [p, q] of data.minima[0]) {
      expect(p * q).toBeCloseTo(0.75, 12);
      expect(q >= b[0] && q <= b[1]).toBe(true);
    }
    expect(data.flattest).toEqual([Math.sqrt(0.75), Math.sqrt(0.75)]);
  });

  it('refuses a bad learning rate with a RangeError naming learningRate, the value and the range', () => {
    for (const h of [0, -0.01, Number.NaN, Number.POSITIVE_INFINITY, 0.0001, 0.08, 1]) {
      expect(() => igrPictureData(h)).toThrow(RangeError);
      expect(() => igrPictureData(h)).toThrow(
        new RegExp(`learningRate must be a finite number in \\[0\\.00025, 0\\.07964\\] .*; got ${h}\\.`),
      );
    }
    expect(() => igrPictureData(0.04, { time: 0 })).toThrow(/time must be a finite number > 0; got 0/);
    expect(() => igrPictureData(0.04, { grid: 1.5 })).toThrow(/grid must be an integer in \[2, 400\]/);
    expect(() => igrPictureData(0.04, { starts: [] })).toThrow(/starts must be one or more/);
    expect(() => igrPictureData(0.04, { x: 0 })).toThrow(/x and y must be finite and non-zero/);
  });
});
