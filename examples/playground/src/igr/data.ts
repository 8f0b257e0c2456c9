import { distance2, TwoParameterModel, type Point2 } from '@flatopt/implicit-gr';

/**
 * Barrett & Dherin, _Implicit Gradient Regularization_ (ICLR 2021), Figure 1, as an interactive
 * picture. On the two-parameter model
 *
 *     E(a, b) = ½·(y − a·b·x)²
 *
 * gradient descent θₙ₊₁ = θₙ − h·∇E(θₙ) does not follow the gradient flow θ̇ = −∇E. By backward
 * error analysis (their Theorem 3.1) it follows, to O(h³) per step, the modified flow
 *
 *     θ̇ = −∇Ẽ,  Ẽ = E + (h/4)·‖∇E‖² = E + λ·R_IG,  λ = h·m/4,  R_IG = ‖∇E‖²/m  (m = 2),
 *
 * whose extra term pulls the path towards flatter minima. The minima are the hyperbola
 * a·b = y/x; the Hessian there has the non-zero eigenvalue x²·(a² + b²), so a smaller a² + b²
 * is a flatter minimum (the flattest is a = b = √(y/x), with a² + b² = 2y/x).
 *
 * The defaults are those of `examples/igr-two-parameter` (x = 2, y = 1.5, start (1.4, 1.75),
 * h_M = 0.04, horizon T = 5, RK4 substep ≤ 0.004), so at h = 0.04 the picture reproduces that
 * README's numbers: a² + b² = 1.8083 (GD), 1.8333 (modified flow), 1.8616 (gradient flow).
 * Everything is float64 (`TwoParameterModel`), not tfjs: the picture needs no backend.
 */
export interface IgrPictureOptions {
  /** The data point (x, y); x ≠ 0. Defaults 2 and 1.5. */
  readonly x?: number;
  readonly y?: number;
  /** One or more starts; default [(1.4, 1.75)]. The example's second start is (0.9, 2.4). */
  readonly starts?: readonly Point2[];
  /** Horizon T; GD runs n = round(T/h) steps and every path is compared at t = n·h. Default 5. */
  readonly time?: number;
  /** Cells per side of the loss surface grid. Default 60. */
  readonly grid?: number;
}

/** The configuration of `examples/igr-two-parameter` (its README, Part 1). */
export const IGR_PICTURE_DEFAULTS = {
  x: 2,
  y: 1.5,
  starts: [[1.4, 1.75]] as readonly Point2[],
  time: 5,
  grid: 60,
  /** The example's h_M: GD has visibly left the gradient flow, the modified flow bends with it. */
  learningRate: 0.04,
  /** The example's h_S, the slider's lower end: there GD and both flows coincide on screen. */
  sliderMin: 0.004,
} as const;

/**
 * The largest h allowed is STABILITY_MARGIN × the smallest start's stability limit
 * 2/(x²(a₀² + b₀²)). GD converged (float64) from both example starts for every h tried up to that
 * limit; the margin is there because (1) at a high-loss start the largest Hessian eigenvalue
 * exceeds x²(a₀² + b₀²) by the residual term (2/λ_max(θ₀) is 0.75 and 0.86 of the limit for the
 * two example starts), so the first steps already zig-zag, and (2) Theorem 3.1 is a statement as
 * h → 0: at 0.8 of the limit GD is already ~0.5 from the modified flow, and above ~0.9 the steep
 * start (0.9, 2.4) overshoots across a = 0. Up to 0.8 the picture is still the paper's Figure 1.
 */
export const STABILITY_MARGIN = 0.8;
/** Bounds the work: h ≥ T/MAX_STEPS keeps GD and the flows to ≤ 20 000 points each. */
export const MAX_STEPS = 20_000;
/** The RK4 substep of both flows is h/k ≤ this (the example's substep, h_S = 0.004). */
export const MAX_SUBSTEP = 0.004;
/** log₁₀ E is drawn down to this floor: E = 0 on the hyperbola. */
export const LOSS_FLOOR = 1e-4;

export interface SurfacePoint {
  readonly a: number;
  readonly b: number;
  /** E(a, b). */
  readonly loss: number;
}

/** An interval [lo, hi]. */
export type Interval = readonly [number, number];

/** GD and both flows from one start, at one learning rate. */
export interface IgrRun {
  readonly start: Point2;
  /** 2/(x²(a₀² + b₀²)) for this start. */
  readonly stabilityLimit: number;
  /** GD iterates θ₀ … θₙ, n = round(T/h). */
  readonly gd: Point2[];
  /** The exact gradient flow θ̇ = −∇E by RK4, n·k + 1 points (flow[i·k] is at GD time i·h). */
  readonly flow: Point2[];
  /** The modified flow θ̇ = −∇Ẽ of this h, on the same substeps as `flow`. */
  readonly modified: Point2[];
  /** a² + b² at t = n·h (the sharpness there is x² times it). */
  readonly final: { readonly gd: number; readonly flow: number; readonly modified: number };
  /** ‖GD − flow‖ over the GD times (largest and at the end), for each flow. */
  readonly distance: {
    readonly flow: { readonly max: number; readonly final: number };
    readonly modified: { readonly max: number; readonly final: number };
  };
}

/** `igrPictureData`'s result: the first start's run at top level, every start in `runs`. */
export interface IgrPictureData extends IgrRun {
  readonly learningRate: number;
  readonly steps: number;
  /** t = n·h, where every path ends (≈ T). */
  readonly time: number;
  /** RK4 substeps per GD step. */
  readonly substepsPerStep: number;
  /** The allowed range of h (see STABILITY_MARGIN, MAX_STEPS). */
  readonly range: Interval;
  readonly runs: readonly IgrRun[];
  /** The (a, b) window: every path and the flattest minimum, padded. */
  readonly window: { readonly a: Interval; readonly b: Interval };
  /** grid × grid samples of E at cell centres, rows of constant b from the bottom. */
  readonly surface: SurfacePoint[];
  readonly grid: number;
  /** The minima a·b = y/x inside the window, one polyline per branch. */
  readonly minima: Point2[][];
  /** a = b = √(y/x) (same sign as y/x allows), the flattest minimum. */
  readonly flattest: Point2;
}

interface Config {
  readonly model: TwoParameterModel;
  readonly starts: readonly Point2[];
  readonly time: number;
  readonly grid: number;
}

function resolve(options: IgrPictureOptions = {}): Config {
  const d = IGR_PICTURE_DEFAULTS;
  const { x = d.x, y = d.y, starts = d.starts, time = d.time, grid = d.grid } = options;
  if (!(Number.isFinite(x) && Number.isFinite(y) && x !== 0 && y !== 0)) {
    // y = 0 would put the minima on the axes, where a² + b² has no flattest point to show.
    throw new RangeError(`igrPictureData: x and y must be finite and non-zero; got x=${x}, y=${y}.`);
  }
  if (starts.length === 0 || !starts.every((s) => s.length === 2 && s.every(Number.isFinite))) {
    throw new RangeError(`igrPictureData: starts must be one or more finite points (a, b).`);
  }
  if (!(Number.isFinite(time) && time > 0)) {
    throw new RangeError(`igrPictureData: time must be a finite number > 0; got ${time}.`);
  }
  if (!(Number.isInteger(grid) && grid >= 2 && grid <= 400)) {
    throw new RangeError(`igrPictureData: grid must be an integer in [2, 400]; got ${grid}.`);
  }
  return { model: new TwoParameterModel(x, y), starts, time, grid };
}

function rangeOf(c: Config): Interval {
  const limit = Math.min(...c.starts.map((s) => c.model.stabilityLimit(s)));
  return [c.time / MAX_STEPS, STABILITY_MARGIN * limit];
}

/** The learning rates `igrPictureData` accepts for these options: [T/MAX_STEPS, 0.8 × limit]. */
export function igrLearningRateRange(options?: IgrPictureOptions): Interval {
  return rangeOf(resolve(options));
}

export function checkLearningRate(h: number, [lo, hi]: Interval, where: string, why: string): void {
  if (Number.isFinite(h) && h >= lo && h <= hi) return;
  const range = `[${+lo.toPrecision(4)}, ${+hi.toPrecision(4)}]`;
  throw new RangeError(`${where}: learningRate must be a finite number in ${range} (${why}); got ${h}.`);
}

/** a² + b²: the flat direction of the minima is where it is smallest. */
export const squaredNorm = ([a, b]: Point2): number => a * a + b * b;

/** GD and both flows from `start`; the flows on k substeps per GD step, so flow[i·k] ↔ gd[i]. */
function runFrom(model: TwoParameterModel, start: Point2, h: number, steps: number, k: number): IgrRun {
  const t = steps * h;
  const gd = model.gradientDescent(start, h, steps);
  const flow = model.gradientFlow(start, t, steps * k);
  const modified = model.modifiedFlow(start, h, t, steps * k);
  const gap = (path: Point2[]) => {
    let max = 0;
    for (let i = 0; i <= steps; i++) max = Math.max(max, distance2(gd[i], path[i * k]));
    return { max, final: distance2(gd[steps], path[steps * k]) };
  };
  return {
    start: [start[0], start[1]],
    stabilityLimit: model.stabilityLimit(start),
    gd,
    flow,
    modified,
    final: {
      gd: squaredNorm(gd[steps]),
      flow: squaredNorm(flow[steps * k]),
      modified: squaredNorm(modified[steps * k]),
    },
    distance: { flow: gap(flow), modified: gap(modified) },
  };
}

/** The bounding box of the paths, padded by 8% of its larger side so no path touches the frame. */
function windowAround(paths: readonly (readonly Point2[])[]): { a: Interval; b: Interval } {
  let [a0, a1, b0, b1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const path of paths) {
    for (const [a, b] of path) {
      [a0, a1, b0, b1] = [Math.min(a0, a), Math.max(a1, a), Math.min(b0, b), Math.max(b1, b)];
    }
  }
  const pad = 0.08 * Math.max(a1 - a0, b1 - b0, 0.1);
  return { a: [a0 - pad, a1 + pad], b: [b0 - pad, b1 + pad] };
}

/** E at the centres of a grid × grid partition of the window: one sample per contour-grid cell. */
function lossSurface(model: TwoParameterModel, w: IgrPictureData['window'], grid: number): SurfacePoint[] {
  const da = (w.a[1] - w.a[0]) / grid;
  const db = (w.b[1] - w.b[0]) / grid;
  const surface: SurfacePoint[] = [];
  for (let j = 0; j < grid; j++) {
    const b = w.b[0] + (j + 0.5) * db;
    for (let i = 0; i < grid; i++) {
      const a = w.a[0] + (i + 0.5) * da;
      surface.push({ a, b, loss: model.loss([a, b]) });
    }
  }
  return surface;
}

/** The hyperbola b = y/(x·a) inside the window, split at a = 0 into its branches. */
function minimaIn(model: TwoParameterModel, w: IgrPictureData['window'], samples = 240): Point2[][] {
  const c = model.y / model.x;
  const branches: Point2[][] = [[], []];
  for (let i = 0; i <= samples; i++) {
    const a = w.a[0] + ((w.a[1] - w.a[0]) * i) / samples;
    const b = c / a;
    if (a !== 0 && b >= w.b[0] && b <= w.b[1]) branches[a < 0 ? 0 : 1].push([a, b]);
  }
  return branches.filter((branch) => branch.length > 1);
}

/**
 * GD with step h (n = round(T/h) steps), the exact gradient flow and the modified flow of h,
 * all to t = n·h, from each start; the loss surface over a window holding every path. Pure (no
 * DOM). Throws a RangeError if h is outside `igrLearningRateRange(options)`.
 */
export function igrPictureData(h: number, options?: IgrPictureOptions): IgrPictureData {
  const config = resolve(options);
  const range = rangeOf(config);
  checkLearningRate(
    h,
    range,
    'igrPictureData',
    `at most ${STABILITY_MARGIN} × the smallest stability limit 2/(x²(a₀² + b₀²)) of the starts, ` +
      `at least time/${MAX_STEPS}`,
  );
  const { model, grid } = config;
  const steps = Math.max(1, Math.round(config.time / h));
  // Substep h/k ≤ MAX_SUBSTEP: the flows' RK4 error stays far below the GD–flow gaps shown.
  const k = Math.max(1, Math.ceil(h / MAX_SUBSTEP - 1e-9));
  const runs = config.starts.map((start) => runFrom(model, start, h, steps, k));
  const root = Math.sqrt(Math.abs(model.y / model.x));
  const flattest: Point2 = model.y / model.x > 0 ? [root, root] : [root, -root];
  // The flattest minimum is in view, so the pull towards a = b can be seen.
  const window = windowAround([[flattest], ...runs.flatMap((r) => [r.gd, r.flow, r.modified])]);
  return {
    ...runs[0],
    learningRate: h,
    steps,
    time: steps * h,
    substepsPerStep: k,
    range,
    runs,
    window,
    surface: lossSurface(model, window, grid),
    grid,
    minima: minimaIn(model, window),
    flattest,
  };
}
