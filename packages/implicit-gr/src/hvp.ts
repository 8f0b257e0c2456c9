import * as tf from '@tensorflow/tfjs-core';
import {
  checkKnownKeys,
  checkNumber,
  checkOneOf,
  customGradientOpsOnTape,
  describeValue,
  enableSecondOrderGradients,
  FlatoptError,
  secondOrderGradientsEnabled,
  tl,
  variableGradsWithAux,
} from '@flatopt/core';
import {
  assignShifted,
  checkProbeInputs,
  isNoConnectionError,
  lossGradient,
  readScalars,
  restoringWeights,
} from './probe-support';

export type HvpMethod = 'finite-difference' | 'double-backprop';

/** How a Hessian-vector product is computed; shared by every probe that takes HVPs. */
export interface HvpOptions {
  /**
   * 'finite-difference': central difference of two gradients (works wherever training works);
   * 'double-backprop': the gradient of ⟨∇L, v⟩ (exact up to rounding; turns on
   * `enableSecondOrderGradients()` from @flatopt/grad-reg, a global, first-order-neutral switch).
   * Default: double backprop if second-order gradients are already enabled, finite differences
   * otherwise — and finite differences also when the loss uses a custom-gradient op whose second
   * derivative tfjs gets wrong (tf.losses.softmaxCrossEntropy, tf.logSoftmax).
   */
  method?: HvpMethod;
  /**
   * Finite differences only (> 0): the displacement θ ± h·v has norm ε·max(1, ‖θ‖), i.e. h =
   * ε·max(1, ‖θ‖)/‖v‖. Relative to the weights, so float32 rounding of θ ± h·v costs a relative
   * error of about u/ε (u = 6e-8) whatever the weight scale, while truncation costs O(ε²).
   * Default 1e-3, near u^⅓ where the two balance. Measured against double backprop on the
   * diagonal linear network and small tanh MLPs (cpu and wasm): relative error of H·v along random
   * directions 2e-5…7e-5 (1e-5…2.5e-5 at 3e-3), of the top eigenvalue ≤ 5e-5 (up to 4e-4 at 3e-3:
   * the loss is least quadratic along the sharpest direction), of the trace ≤ 3e-5.
   */
  epsilon?: number;
}

export interface HessianVectorProduct {
  /** H·v, one tensor per variable (zeros where H·v has no path to a variable). The caller disposes them. */
  product: tf.Tensor[];
  /** The method that computed it. */
  method: HvpMethod;
  /** The finite-difference step h (θ ± h·v), or null for double backprop. */
  step: number | null;
}

export const HVP_KEYS = ['method', 'epsilon'] as const;
const METHODS: readonly HvpMethod[] = ['finite-difference', 'double-backprop'];

/** Validated HVP settings; `method` undefined means "decide per call" (see HvpOptions.method). */
export interface HvpSettings {
  method: HvpMethod | undefined;
  epsilon: number;
}

export function checkHvpOptions(owner: string, options: HvpOptions): HvpSettings {
  const method =
    options.method === undefined ? undefined : checkOneOf(owner, 'method', options.method, METHODS);
  const epsilon = checkNumber(owner, 'epsilon', options.epsilon ?? 1e-3, { min: 0, exclusiveMin: true });
  return { method, epsilon };
}

/**
 * The Hessian-vector product H·v of `lossFn` at the current weights, without forming H:
 *
 * - finite differences (default): H·v ≈ (∇L(θ + h·v) − ∇L(θ − h·v)) / 2h, error O(h²) — exact for
 *   a quadratic loss up to float32 rounding; two gradient evaluations;
 * - double backprop: H·v = ∇_θ⟨∇L(θ), v⟩ (Pearlmutter 1994), a gradient of the gradient; about
 *   the cost of two to three gradients, exact up to rounding, but correct in tfjs 4.22 only with
 *   `enableSecondOrderGradients()` from @flatopt/grad-reg (TFJS_INTERNALS §3), which it turns on.
 *
 * `vector` holds one tensor per variable, shaped like it. The weights are restored bit for bit
 * (from clones) also when `lossFn` throws; nothing leaks but the returned `product`, which the
 * caller disposes. Throws a FlatoptError for bad options, for a loss with no gradient for some
 * variable (naming it), and for double backprop through an op whose second derivative tfjs gets
 * wrong.
 */
export function hessianVectorProduct(
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  vector: ReadonlyArray<tf.Tensor>,
  options: HvpOptions = {},
): HessianVectorProduct {
  const owner = 'hessianVectorProduct';
  checkKnownKeys(owner, options, HVP_KEYS);
  const settings = checkHvpOptions(owner, options);
  checkProbeInputs(owner, lossFn, variables);
  checkVector(owner, variables, vector);
  return hvpOperator(owner, lossFn, variables, settings)(vector);
}

function checkVector(owner: string, variables: readonly tf.Variable[], vector: unknown): void {
  if (!Array.isArray(vector) || vector.length !== variables.length) {
    throw new FlatoptError(
      `${owner}: 'vector' must be an array of ${variables.length} tensors, one per variable; got ${describeValue(vector)}.`,
    );
  }
  vector.forEach((t: unknown, i) => {
    const v = variables[i];
    if (!(t instanceof tf.Tensor) || t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, v.shape)) {
      const got = t instanceof tf.Tensor ? `a ${t.dtype} tensor of shape [${t.shape}]` : describeValue(t);
      throw new FlatoptError(
        `${owner}: vector[${i}] must be a float32 tensor of shape [${v.shape}] like variable '${v.name}'; got ${got}.`,
      );
    }
  });
}

/** Raised inside a double-backprop HVP the default method then redoes by finite differences. */
class SecondOrderUntrusted extends Error {}

/**
 * v ↦ H·v for a fixed loss and variables (inputs already checked), as the probes use it. With no
 * method given, the choice is made on the first call and kept: double backprop if second-order
 * gradients are enabled and the loss has no op double backprop gets wrong, else finite differences.
 */
export function hvpOperator(
  owner: string,
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  settings: HvpSettings,
): (vector: ReadonlyArray<tf.Tensor>) => HessianVectorProduct {
  let method = settings.method ?? (secondOrderGradientsEnabled() ? 'double-backprop' : 'finite-difference');
  const explicit = settings.method !== undefined;
  if (method === 'double-backprop') enableSecondOrderGradients();
  return (vector) => {
    if (method === 'double-backprop') {
      try {
        return { product: doubleBackprop(owner, lossFn, variables, vector, explicit), method, step: null };
      } catch (e) {
        if (!(e instanceof SecondOrderUntrusted)) throw e;
        method = 'finite-difference';
      }
    }
    const { product, step } = finiteDifference(owner, lossFn, variables, vector, settings.epsilon);
    return { product, method, step };
  };
}

/** H·v = ∇_θ⟨∇L(θ), v⟩: the inner gradient stays on the tape, so the outer one differentiates it. */
function doubleBackprop(
  owner: string,
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  vector: ReadonlyArray<tf.Tensor>,
  explicit: boolean,
): tf.Tensor[] {
  return tf.tidy(() => {
    let grads: tf.NamedTensorMap;
    try {
      grads = variableGradsWithAux(() => {
        const g = lossGradient(owner, lossFn, variables).grads;
        const unsafe = customGradientOpsOnTape();
        if (unsafe.length > 0) {
          if (!explicit) throw new SecondOrderUntrusted();
          throw new FlatoptError(
            `${owner}: the loss uses custom-gradient ops (${unsafe.join(', ')}) whose second derivative tfjs computes ` +
              `silently wrong, so method 'double-backprop' cannot be used; use 'finite-difference', or ` +
              `softmaxCrossEntropy from '@flatopt/grad-reg' instead of tf.losses.softmaxCrossEntropy / tf.logSoftmax.`,
          );
        }
        return { value: tl.dot(g, vector), aux: {} };
      }, variables).grads;
    } catch (e) {
      // ⟨∇L, v⟩ does not depend on θ at all (L is linear): H·v = 0.
      if (isNoConnectionError(e)) return variables.map((v) => tf.zerosLike(v));
      // A kernel of the first backward pass that has no gradient itself.
      if (!explicit && e instanceof Error && /gradient function not found/.test(e.message)) {
        throw new SecondOrderUntrusted();
      }
      throw e;
    }
    return variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  });
}

/** (∇L(θ + h·v) − ∇L(θ − h·v)) / 2h with h = ε·max(1, ‖θ‖)/‖v‖; both points set from a saved copy of θ. */
function finiteDifference(
  owner: string,
  lossFn: () => tf.Scalar,
  variables: readonly tf.Variable[],
  vector: ReadonlyArray<tf.Tensor>,
  epsilon: number,
): { product: tf.Tensor[]; step: number } {
  const [vectorNorm, weightNorm] = readScalars(() => [tl.globalNorm(vector), tl.globalNorm(variables)]);
  if (!Number.isFinite(vectorNorm)) {
    throw new FlatoptError(`${owner}: 'vector' must be finite; its norm is ${vectorNorm}.`);
  }
  if (vectorNorm === 0) {
    // H·0 = 0; still evaluate ∇L once so a variable the loss ignores is reported as for any vector.
    tf.tidy(() => {
      lossGradient(owner, lossFn, variables);
    });
    return { product: variables.map((v) => tf.zerosLike(v)), step: 0 };
  }
  const step = (epsilon * Math.max(1, weightNorm)) / vectorNorm;
  const product = restoringWeights(variables, (saved) =>
    tf.tidy(() => {
      const gradientAt = (h: number) => {
        assignShifted(variables, saved, vector, h);
        return lossGradient(owner, lossFn, variables).grads;
      };
      const plus = gradientAt(step);
      const minus = gradientAt(-step);
      return plus.map((p, i) => tf.div(tf.sub(p, minus[i]), 2 * step));
    }),
  );
  return { product, step };
}
