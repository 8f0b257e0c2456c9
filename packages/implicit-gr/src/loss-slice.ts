import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys, checkNumber, FlatoptError, sideEffectFree } from '@flatopt/core';
import { checkDirection } from './filter-direction';
import { checkProbeInputs, restoringWeights, scalarLoss } from './probe-support';

/** A closed interval of the slice coordinate, or r for [−r, r]. */
export type SliceRange = number | readonly [number, number];

export interface LossSlice1dOptions {
  /** Slice along θ + t·direction (e.g. from `filterNormalizedDirection`). */
  direction?: readonly tf.Tensor[];
  /** Or along the line to other weights: θ + t·(to − θ), t = 0 here and 1 there (linear mode interpolation). */
  to?: readonly tf.Tensor[];
  /** The interval of t: r > 0 for [−r, r], or [lo, hi] with lo < hi. Default 1 along a direction, [0, 1] to `to`. */
  range?: SliceRange;
  /** Grid points, an integer ≥ 2. Default 21. */
  points?: number;
  /** Radius of the sharpness summary along a direction (> 0). Default 1: one filter-normalized unit. */
  radius?: number;
}

export interface LossSlice1d {
  /** The grid of t, evenly spaced over the range, ends included. */
  readonly t: number[];
  readonly loss: number[];
  /** L at t = 0, the current weights. */
  readonly center: number;
  readonly kind: 'direction' | 'interpolation';
  /**
   * Along a direction: max L(θ + t·d) − L(θ) over grid points with |t| ≤ radius, the loss rise
   * within a filter-normalized radius (Li et al. 2018 compare minima this way). Along `to`: the
   * loss barrier max_t L(t) − ((1 − t)·L(0) + t·L(1)) over grid points in [0, 1] (Frankle et
   * al. 2020, linear mode connectivity), NaN unless t = 1 is a grid point.
   */
  readonly sharpness: {
    readonly measure: 'rise' | 'barrier';
    readonly value: number;
    readonly radius?: number;
  };
}

export interface LossSlice2dOptions {
  /** Two directions: the slice is θ + a·d₁ + b·d₂. */
  directions: readonly [readonly tf.Tensor[], readonly tf.Tensor[]];
  /** The interval of a and of b: r > 0 for [−r, r], or [lo, hi]. Default 1. */
  range?: SliceRange;
  /** Grid points per axis, an integer ≥ 2. Default 21 (441 evaluations). */
  points?: number;
  /** Radius of the sharpness summary (> 0). Default 1. */
  radius?: number;
}

export interface LossSlice2d {
  readonly a: number[];
  readonly b: number[];
  /** loss[i][j] at (a[j], b[i]): rows follow b, as an image or a contour plot wants them. */
  readonly loss: number[][];
  readonly center: number;
  /** max L − L(θ) over grid points with √(a² + b²) ≤ radius. */
  readonly sharpness: { readonly measure: 'rise'; readonly value: number; readonly radius: number };
}

function checkRange(owner: string, range: unknown): [number, number] {
  if (typeof range === 'number') {
    const r = checkNumber(owner, 'range', range, { min: 0, exclusiveMin: true });
    return [-r, r];
  }
  if (Array.isArray(range) && range.length === 2) {
    const lo = checkNumber(owner, 'range[0]', range[0]);
    const hi = checkNumber(owner, 'range[1]', range[1]);
    if (!(lo < hi))
      throw new FlatoptError(`${owner}: 'range' must be [lo, hi] with lo < hi; got [${lo}, ${hi}].`);
    return [lo, hi];
  }
  throw new FlatoptError(
    `${owner}: 'range' must be a number r > 0 or a pair [lo, hi]; got ${String(range)}.`,
  );
}

function grid([lo, hi]: [number, number], points: number): number[] {
  return Array.from({ length: points }, (_, k) =>
    k === points - 1 ? hi : lo + ((hi - lo) * k) / (points - 1),
  );
}

/**
 * The loss at each of `shifts` (coefficients of `directions`) from the saved weights, read with
 * one sync at the end: every evaluation is a forward pass only, side-effect free as core's probes
 * (BatchNorm statistics, fit metrics), and the weights come back bit for bit, also on throw.
 */
function evaluate(
  owner: string,
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  directions: ReadonlyArray<readonly tf.Tensor[]>,
  shifts: ReadonlyArray<readonly number[]>,
): { center: number; losses: number[] } {
  return restoringWeights(variables, (saved) => {
    const values = tf.tidy(() => {
      const losses = [directions.map(() => 0), ...shifts].map((coefficients) => {
        tf.tidy(() =>
          variables.forEach((v, i) =>
            v.assign(
              coefficients.reduce<tf.Tensor>(
                (acc, c, k) => (c === 0 ? acc : tf.add(acc, tf.mul(directions[k][i], c))),
                saved[i],
              ),
            ),
          ),
        );
        return sideEffectFree(() => tf.tidy(() => scalarLoss(owner, lossFn)));
      });
      return Array.from(tf.stack(losses).dataSync());
    });
    return { center: values[0], losses: values.slice(1) };
  });
}

function checkPoints(owner: string, points: unknown): number {
  return checkNumber(owner, 'points', points ?? 21, { min: 2, integer: true });
}

/**
 * The loss along a line through the current weights (Li et al., NeurIPS 2018, Fig. 1–2): on a
 * grid of t, L(θ + t·d) for a `direction` d, or L(θ + t·(to − θ)) toward other weights `to` (linear
 * interpolation between two trained models; Goodfellow et al. 2015, Frankle et al. 2020). Plain
 * numbers, the grid, L(θ), and one sharpness summary (see `LossSlice1d.sharpness`). One forward
 * pass per point and one sync in all; weights restored bit for bit, also on throw; bad input is
 * refused before any weight moves.
 */
export function lossSlice1d(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options: LossSlice1dOptions,
): LossSlice1d {
  const owner = 'lossSlice1d';
  checkProbeInputs(owner, lossFn, variables);
  checkKnownKeys(owner, options, ['direction', 'to', 'range', 'points', 'radius']);
  if ((options.direction === undefined) === (options.to === undefined)) {
    throw new FlatoptError(`${owner}: give exactly one of 'direction' and 'to'.`);
  }
  const interpolation = options.to !== undefined;
  const points = checkPoints(owner, options.points);
  const range = checkRange(owner, options.range ?? (interpolation ? [0, 1] : 1));
  const radius = checkNumber(owner, 'radius', options.radius ?? 1, { min: 0, exclusiveMin: true });
  const t = grid(range, points);
  const run = (direction: readonly tf.Tensor[]) =>
    evaluate(
      owner,
      lossFn,
      variables,
      [direction],
      t.map((x) => [x]),
    );
  let result: { center: number; losses: number[] };
  if (interpolation) {
    // Any finite weights are a valid end (zeros too); it is the difference that must not vanish.
    const to = checkDirection(owner, 'to', options.to, variables, false);
    const delta = tf.tidy(() => variables.map((v, i) => tf.sub(to[i], v)));
    try {
      checkDirection(owner, 'to − θ', delta, variables);
      result = run(delta);
    } finally {
      tf.dispose(delta);
    }
  } else {
    result = run(checkDirection(owner, 'direction', options.direction, variables));
  }
  const { center, losses } = result;
  return {
    t,
    loss: losses,
    center,
    kind: interpolation ? 'interpolation' : 'direction',
    sharpness: interpolation
      ? barrier(t, losses, center, lossAt(t, losses, 1))
      : rise(t.map(Math.abs), losses, center, radius),
  };
}

/** The loss at grid point `x` if the grid has it (to within 1e-12), else NaN. */
function lossAt(t: readonly number[], losses: readonly number[], x: number): number {
  const k = t.findIndex((v) => Math.abs(v - x) <= 1e-12);
  return k < 0 ? NaN : losses[k];
}

/** max L − L(θ) over the grid points within `radius` (NaN when none is). */
function rise(distance: readonly number[], losses: readonly number[], center: number, radius: number) {
  const inside = losses.filter((_, k) => distance[k] <= radius + 1e-12);
  const value = inside.length === 0 ? NaN : Math.max(...inside.map((l) => l - center));
  return { measure: 'rise' as const, value, radius };
}

function barrier(t: readonly number[], losses: readonly number[], start: number, end: number) {
  const above = t.flatMap((x, k) => (x >= 0 && x <= 1 ? [losses[k] - ((1 - x) * start + x * end)] : []));
  return { measure: 'barrier' as const, value: Number.isNaN(end) ? NaN : Math.max(...above) };
}

/**
 * The loss on a plane through the current weights, L(θ + a·d₁ + b·d₂) on a points × points grid
 * (Li et al. 2018's contour plots, with `filterNormalizedDirection` for both directions), L(θ),
 * and the largest rise within `radius`. One forward pass per grid point and one sync in all; a
 * 21 × 21 grid is 441 forward passes. Weights restored bit for bit, also on throw.
 */
export function lossSlice2d(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options: LossSlice2dOptions,
): LossSlice2d {
  const owner = 'lossSlice2d';
  checkProbeInputs(owner, lossFn, variables);
  checkKnownKeys(owner, options, ['directions', 'range', 'points', 'radius']);
  if (!Array.isArray(options.directions) || options.directions.length !== 2) {
    throw new FlatoptError(`${owner}: 'directions' must be a pair [d1, d2] of direction lists.`);
  }
  const d1 = checkDirection(owner, 'directions[0]', options.directions[0], variables);
  const d2 = checkDirection(owner, 'directions[1]', options.directions[1], variables);
  const points = checkPoints(owner, options.points);
  const axis = grid(checkRange(owner, options.range ?? 1), points);
  const radius = checkNumber(owner, 'radius', options.radius ?? 1, { min: 0, exclusiveMin: true });
  const shifts = axis.flatMap((b) => axis.map((a) => [a, b]));
  const { center, losses } = evaluate(owner, lossFn, variables, [d1, d2], shifts);
  const loss = axis.map((_, i) => losses.slice(i * points, (i + 1) * points));
  return {
    a: axis,
    b: axis,
    loss,
    center,
    sharpness: rise(
      shifts.map(([a, b]) => Math.hypot(a, b)),
      losses,
      center,
      radius,
    ),
  };
}
