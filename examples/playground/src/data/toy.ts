import { mulberry32 } from '@flatopt/core';

/**
 * Two-dimensional toy classification sets. They are here because their decision boundary can be
 * drawn: the playground paints a model's prediction over a grid of the plane, and on two moons or
 * two spirals a sharp minimum that memorised the flipped labels looks visibly different (islands
 * around the noisy points) from a flat one (a smooth boundary). Every set is a pure function of
 * its seed, so two optimizer stacks trained side by side see exactly the same points.
 */

export type ToyKind = 'moons' | 'spirals';

/** A labelled point cloud. */
export interface Points {
  /** n×2, row-major: point i is (x[2i], x[2i + 1]). */
  readonly x: Float32Array;
  /** Labels 0..classes-1. */
  readonly y: Uint8Array;
  readonly n: number;
}

export interface PointOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate (0: points on the curves). */
  readonly jitter: number;
  /** Integer seed for mulberry32; the same seed gives the same points, bit for bit. */
  readonly seed: number;
}

export interface SpiralOptions extends PointOptions {
  /** How many times each arm winds around the origin; more turns, a harder boundary. */
  readonly turns?: number;
}

export interface ToyOptions extends PointOptions {
  /** Number of training points, integer ≥ 2. */
  readonly train: number;
  /** Number of test points, integer ≥ 2. */
  readonly test: number;
  /** Fraction of training labels flipped, in [0, 1); the test split is always clean. */
  readonly labelNoise: number;
}

export interface ToyDataset {
  readonly train: Points;
  readonly test: Points;
  readonly classes: 2;
  /** A padded box around every train and test point: the extent of the decision-boundary grid. */
  readonly bounds: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
}

/**
 * sklearn's make_moons geometry: class 0 is the upper half of the unit circle centred at (0, 0),
 * class 1 the lower half of the unit circle centred at (1, 0.5), so each moon reaches into the
 * other's hollow and no straight line separates them. `n` is split evenly (class 0 gets the odd
 * one). Unlike sklearn the angles are drawn at random rather than evenly spaced, so a train and a
 * test split with different seeds are different points even at jitter 0. The points are shuffled,
 * so any prefix is a fair sample of both classes.
 */
export function twoMoons(n: number, { jitter, seed }: PointOptions): Points {
  checkCount('twoMoons', 'n', n);
  checkPointOptions('twoMoons', jitter, seed);
  const rand = mulberry32(seed);
  const gauss = gaussian(rand);
  return shuffled(n, rand, (i) => {
    const label = i < Math.ceil(n / 2) ? 0 : 1;
    const angle = Math.PI * rand();
    const [x, y] =
      label === 0 ? [Math.cos(angle), Math.sin(angle)] : [1 - Math.cos(angle), 0.5 - Math.sin(angle)];
    return [x + jitter * gauss(), y + jitter * gauss(), label];
  });
}

/**
 * Two interleaved Archimedean spirals (r ∝ θ): class 1 is class 0 turned by half a revolution,
 * so the arms alternate all the way out. Points are spread uniformly along the parameter, the
 * arms end at radius 1.5, so the set fits in roughly [-1.5, 1.5]² (plus jitter). A network needs
 * a curved, winding boundary here: a good test of whether a flat minimum still fits the data.
 */
export function spirals(n: number, { jitter, seed, turns = 1.5 }: SpiralOptions): Points {
  checkCount('spirals', 'n', n);
  checkPointOptions('spirals', jitter, seed);
  if (!(Number.isFinite(turns) && turns > 0)) {
    throw new RangeError(`spirals: turns must be a finite number > 0; got ${turns}`);
  }
  const rand = mulberry32(seed);
  const gauss = gaussian(rand);
  return shuffled(n, rand, (i) => {
    const label = i < Math.ceil(n / 2) ? 0 : 1;
    const t = rand(); // 0 at the centre, 1 at the tip of the arm
    const angle = 2 * Math.PI * turns * t + Math.PI * label;
    const r = 1.5 * t;
    return [r * Math.cos(angle) + jitter * gauss(), r * Math.sin(angle) + jitter * gauss(), label];
  });
}

/**
 * Symmetric label noise, as in the label-noise literature: exactly `Math.round(fraction · n)`
 * distinct examples, chosen with the seed, get a label drawn uniformly from the *other* classes.
 * "Exactly" rather than "each with probability fraction" so the noise level shown in the UI is the
 * noise level trained on, even for a few dozen points. Returns a new array; `y` is not touched.
 */
export function flipLabels(y: Uint8Array, fraction: number, classes: number, seed: number): Uint8Array {
  if (!(Number.isInteger(classes) && classes >= 2 && classes <= 256)) {
    throw new RangeError(`flipLabels: classes must be an integer in [2, 256]; got ${classes}`);
  }
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`flipLabels: fraction must be in [0, 1]; got ${fraction}`);
  }
  checkSeed('flipLabels', seed);
  const bad = y.findIndex((label) => label >= classes);
  if (bad >= 0) {
    throw new RangeError(`flipLabels: y[${bad}] must be in [0, ${classes - 1}]; got ${y[bad]}`);
  }
  const out = y.slice();
  const rand = mulberry32(seed);
  // A partial Fisher–Yates shuffle: the first `flips` entries of `order` are a uniform random
  // choice of distinct indices.
  const order = Array.from(y.keys());
  const flips = Math.round(fraction * y.length);
  for (let i = 0; i < flips; i++) {
    const j = i + Math.floor(rand() * (y.length - i));
    [order[i], order[j]] = [order[j], order[i]];
    const k = order[i];
    // Adding 1..classes-1 modulo classes: uniform over the other labels, never the same one.
    out[k] = (y[k] + 1 + Math.floor(rand() * (classes - 1))) % classes;
  }
  return out;
}

/**
 * A train/test pair for the playground. One seed drives three independent streams (train points,
 * test points, which labels to flip), so the test points are fresh draws from the same
 * distribution, and changing the label noise moves no point. Only the train labels are noisy:
 * test accuracy measures how well the model recovered the clean boundary despite the noise.
 */
export function toyDataset(kind: ToyKind, options: ToyOptions): ToyDataset {
  const { train, test, labelNoise, jitter, seed } = options;
  if (kind !== 'moons' && kind !== 'spirals') {
    throw new RangeError(`toyDataset: kind must be 'moons' or 'spirals'; got ${String(kind)}`);
  }
  checkCount('toyDataset', 'train', train);
  checkCount('toyDataset', 'test', test);
  if (!(labelNoise >= 0 && labelNoise < 1)) {
    throw new RangeError(`toyDataset: labelNoise must be in [0, 1); got ${labelNoise}`);
  }
  checkPointOptions('toyDataset', jitter, seed);

  const streams = mulberry32(seed);
  const nextSeed = () => Math.floor(streams() * 2 ** 32);
  const [trainSeed, testSeed, noiseSeed] = [nextSeed(), nextSeed(), nextSeed()];
  const make = kind === 'moons' ? twoMoons : spirals;
  const clean = make(train, { jitter, seed: trainSeed });
  const testPoints = make(test, { jitter, seed: testSeed });
  return {
    train: { ...clean, y: flipLabels(clean.y, labelNoise, 2, noiseSeed) },
    test: testPoints,
    classes: 2,
    bounds: paddedBounds([clean.x, testPoints.x]),
  };
}

/** The box around the points, grown by 10% of its larger side on every edge: no point sits on the border. */
function paddedBounds(clouds: readonly Float32Array[]): ToyDataset['bounds'] {
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const x of clouds) {
    for (let i = 0; i < x.length; i += 2) {
      xMin = Math.min(xMin, x[i]);
      xMax = Math.max(xMax, x[i]);
      yMin = Math.min(yMin, x[i + 1]);
      yMax = Math.max(yMax, x[i + 1]);
    }
  }
  const pad = 0.1 * Math.max(xMax - xMin, yMax - yMin);
  return { x: [xMin - pad, xMax + pad], y: [yMin - pad, yMax + pad] };
}

/**
 * Fills `n` points with `point(i)` (class sizes follow from the index), then shuffles them with
 * Fisher–Yates on the same stream, so the labels are not sorted.
 */
function shuffled(n: number, rand: () => number, point: (i: number) => [number, number, number]): Points {
  const x = new Float32Array(2 * n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) [x[2 * i], x[2 * i + 1], y[i]] = point(i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [x[2 * i], x[2 * i + 1], x[2 * j], x[2 * j + 1]] = [x[2 * j], x[2 * j + 1], x[2 * i], x[2 * i + 1]];
    [y[i], y[j]] = [y[j], y[i]];
  }
  return { x, y, n };
}

/** Standard normal draws by Box–Muller; each pair of uniforms gives two normals, both used. */
function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand())); // 1 - u is in (0, 1]: never log(0)
    const theta = 2 * Math.PI * rand();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

function checkCount(fn: string, name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 2)) {
    throw new RangeError(`${fn}: ${name} must be an integer ≥ 2; got ${value}`);
  }
}

function checkPointOptions(fn: string, jitter: number, seed: number): void {
  if (!(Number.isFinite(jitter) && jitter >= 0)) {
    throw new RangeError(`${fn}: jitter must be a finite number ≥ 0; got ${jitter}`);
  }
  checkSeed(fn, seed);
}

/** mulberry32 keeps the low 32 bits of its seed: a fractional or NaN seed would silently alias another. */
function checkSeed(fn: string, seed: number): void {
  if (!Number.isInteger(seed)) throw new RangeError(`${fn}: seed must be an integer; got ${seed}`);
}
