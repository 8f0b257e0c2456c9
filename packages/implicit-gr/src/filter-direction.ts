import * as tf from '@tensorflow/tfjs-core';
import { checkBoolean, checkKnownKeys, FlatoptError, mulberry32 } from '@flatopt/core';
import { checkProbeInputs, checkSeed, randomDirection } from './probe-support';

export interface FilterDirectionOptions {
  /** Seed of the random direction, an integer ≥ 0. Default 0. */
  seed?: number;
  /**
   * Also perturb rank-0 and rank-1 variables (biases, BatchNorm's γ and β), each normalized to
   * the norm of the whole variable. Default false: Li et al. set them to zero.
   */
  includeBiases?: boolean;
}

const OWNER = 'filterNormalizedDirection';

/**
 * A random direction normalized filter by filter (Li, Xu, Taylor, Studer & Goldstein, "Visualizing
 * the Loss Landscape of Neural Nets", NeurIPS 2018, §4): draw d ~ N(0, I) shaped like the
 * variables, then for every filter — one output unit's slice of a kernel, the last axis of a Dense
 * `[in, out]` or Conv2D `[h, w, in, out]` kernel — set d_f ← d_f/‖d_f‖ · ‖θ_f‖. A ReLU network
 * computes the same function when a filter is scaled by c > 0 and the next layer's inputs from it
 * by 1/c; the scaled filter's direction scales with it, so a slice along it does not change,
 * where an unnormalized direction would look c times flatter or sharper. Biases and other rank
 * ≤ 1 variables get a zero direction unless `includeBiases`. A filter whose weights are all zero
 * gets a zero direction. Returns new tensors aligned with `variables` (the caller disposes them).
 */
export function filterNormalizedDirection(
  variables: readonly tf.Variable[],
  options: FilterDirectionOptions = {},
): tf.Tensor[] {
  checkProbeInputs(OWNER, () => undefined, variables);
  checkKnownKeys(OWNER, options, ['seed', 'includeBiases']);
  const seed = checkSeed(OWNER, options.seed);
  const includeBiases = checkBoolean(OWNER, 'includeBiases', options.includeBiases ?? false);
  return tf.tidy(() => {
    const random = randomDirection(variables, mulberry32(seed), 'normal');
    return variables.map((v, i) => {
      if (v.rank <= 1) return includeBiases ? rescaled(random[i], v, []) : tf.zerosLike(v);
      return rescaled(
        random[i],
        v,
        v.shape.slice(0, -1).map((_, axis) => axis),
      );
    });
  });
}

/** d scaled, per slice over `axes` (all axes when empty), to the norm of the same slice of θ. */
function rescaled(d: tf.Tensor, theta: tf.Tensor, axes: number[]): tf.Tensor {
  const over = axes.length === 0 ? undefined : axes;
  const norm = (x: tf.Tensor) => tf.sqrt(tf.sum(tf.square(x), over, true));
  const dNorm = norm(d);
  // A random normal slice is zero with probability 0; guard anyway so no NaN can appear.
  const safe = tf.where(tf.greater(dNorm, 0), dNorm, tf.onesLike(dNorm));
  return tf.mul(d, tf.div(norm(theta), safe));
}

/**
 * Throws unless `direction` is a list of finite tensors shaped like `variables` and, when
 * `nonzero`, not zero everywhere (a slice along a zero direction is a single point). One sync.
 */
export function checkDirection(
  owner: string,
  name: string,
  direction: unknown,
  variables: readonly tf.Variable[],
  nonzero = true,
): tf.Tensor[] {
  if (!Array.isArray(direction) || direction.length !== variables.length) {
    const got = Array.isArray(direction) ? `${direction.length} tensors` : typeof direction;
    throw new FlatoptError(
      `${owner}: '${name}' must be a list of ${variables.length} tensors aligned with the variables; got ${got}.`,
    );
  }
  direction.forEach((d: unknown, i) => {
    const v = variables[i];
    if (!(d instanceof tf.Tensor) || !tf.util.arraysEqual(d.shape, v.shape)) {
      const got = d instanceof tf.Tensor ? `shape [${d.shape.join(', ')}]` : typeof d;
      throw new FlatoptError(
        `${owner}: '${name}'[${i}] must have the shape of variable '${v.name}', [${v.shape.join(', ')}]; got ${got}.`,
      );
    }
  });
  const tensors = direction as tf.Tensor[];
  const [finite, anyNonzero] = tf.tidy(() => {
    const all = tf.concat(tensors.map((d) => tf.reshape(d, [-1])));
    return tf.stack([tf.all(tf.isFinite(all)), tf.any(tf.notEqual(all, 0))]).dataSync();
  });
  if (!finite) throw new FlatoptError(`${owner}: '${name}' has non-finite entries.`);
  if (nonzero && !anyNonzero) {
    throw new FlatoptError(`${owner}: '${name}' is zero everywhere: a slice along it is a single point.`);
  }
  return tensors;
}
