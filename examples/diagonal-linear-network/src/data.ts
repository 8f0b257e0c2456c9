import { mulberry32, normals } from '@flatopt/core/testing';

export interface ProblemOptions {
  /** Dimension of β (default 100). */
  d?: number;
  /** Number of samples (default 40); n < d, so Xβ = y has infinitely many solutions. */
  n?: number;
  /** Size of the true support (default 5); β*_i = 1 there, 0 elsewhere. */
  k?: number;
  /** Seed of the PRNG that draws X and the support (default 1). */
  seed?: number;
}

/**
 * A noiseless sparse regression y = Xβ* (SCIENCE.md §3, "cheap CPU configuration"): X ~ N(0, 1)
 * of shape n×d, β* with k ones on a random support. X and y are float32 (what tfjs trains on);
 * the float64 views hold exactly the same values, for the float64 theory in `theory.ts`.
 */
export interface Problem {
  readonly d: number;
  readonly n: number;
  readonly k: number;
  readonly seed: number;
  /** n×d, row-major. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** The same numbers as `x` and `y`, widened to float64. */
  readonly x64: Float64Array;
  readonly y64: Float64Array;
  readonly betaStar: Float64Array;
  /** The support of β*, ascending. */
  readonly support: readonly number[];
  /** `onSupport[i]` is true when i is in the support. */
  readonly onSupport: readonly boolean[];
}

export function sparseRegression(options: ProblemOptions = {}): Problem {
  const { d = 100, n = 40, k = 5, seed = 1 } = options;
  for (const [name, value] of Object.entries({ d, n, k })) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`sparseRegression: ${name} must be a positive integer; got ${value}.`);
  }
  if (k > d) throw new Error(`sparseRegression: k (${k}) cannot exceed d (${d}).`);
  const x = normals(n * d, seed);
  const support = randomSubset(d, k, seed + 1);
  const betaStar = new Float64Array(d);
  for (const i of support) betaStar[i] = 1;
  const x64 = Float64Array.from(x);
  // y in float64 from the float32 X, then rounded once: the float64 theory sees the same y as tfjs.
  const y = new Float32Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (const i of support) s += x64[a * d + i];
    y[a] = s;
  }
  const onSupport = Array.from({ length: d }, (_, i) => betaStar[i] !== 0);
  return { d, n, k, seed, x, y, x64, y64: Float64Array.from(y), betaStar, support, onSupport };
}

/** k distinct indices of [0, d), ascending, by a seeded partial Fisher–Yates shuffle. */
export function randomSubset(d: number, k: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const idx = Array.from({ length: d }, (_, i) => i);
  for (let j = 0; j < k; j++) {
    const pick = j + Math.floor(rand() * (d - j));
    [idx[j], idx[pick]] = [idx[pick], idx[j]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}
