/** Summary statistics for benchmark samples. Quantiles use linear interpolation (numpy's default, R type 7). */

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  /** Interquartile range, q3 - q1. */
  readonly iqr: number;
  readonly min: number;
  readonly max: number;
}

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new Error('stats: need at least one value, got an empty array');
  if (values.some((v) => Number.isNaN(v))) throw new Error('stats: values contain NaN');
  return [...values].sort((a, b) => a - b);
}

/** Quantile `p` in [0, 1] of already sorted values (linear interpolation between order statistics). */
function quantileSorted(xs: readonly number[], p: number): number {
  const h = (xs.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return xs[lo] + (h - lo) * (xs[hi] - xs[lo]);
}

/** Quantile `p` in [0, 1] of `values`, e.g. `quantile(xs, 0.25)` is the first quartile. */
export function quantile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`stats: quantile p must be in [0, 1], got ${p}`);
  return quantileSorted(sorted(values), p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Arithmetic mean. */
export function mean(values: readonly number[]): number {
  const xs = sorted(values);
  return xs.reduce((sum, x) => sum + x, 0) / xs.length;
}

export function summarize(values: readonly number[]): Summary {
  const xs = sorted(values);
  const q1 = quantileSorted(xs, 0.25);
  const q3 = quantileSorted(xs, 0.75);
  return {
    n: xs.length,
    mean: mean(xs),
    median: quantileSorted(xs, 0.5),
    q1,
    q3,
    iqr: q3 - q1,
    min: xs[0],
    max: xs[xs.length - 1],
  };
}
