import * as tf from '@tensorflow/tfjs-core';
import {
  customGradientOpsOnTape,
  type Evaluation,
  FlatoptError,
  type StepContext,
  tl,
  variableGradsWithAux,
} from '@flatopt/core';
import { cosineGiven, type Penalty } from './finite-difference';

/** Double backprop cannot be trusted for this model/loss/backend; `reason` says why and what to use. */
export class SecondOrderUnsupported extends Error {
  constructor(
    readonly reason: string,
    /** True when not even first-order training works (so finite differences cannot help either). */
    readonly firstOrderToo = false,
  ) {
    super(reason);
    this.name = 'SecondOrderUnsupported';
  }
}

/** Keeps ‖g‖ differentiable at g = 0 (d√x/dx is infinite at 0); far below float32 resolution of any real ‖g‖². */
const NORM_FLOOR = 1e-24;

/**
 * Explicit gradient regularization by double backprop (SCIENCE.md §2.1): the exact gradient of
 * L + (γ/2)·‖∇L‖² (or L + λ·‖∇L‖), i.e. ∇L + γ·H∇L, with H∇L from a gradient of the gradient.
 * It evaluates the objective itself (`ctx.objective()`), so evaluate-stage plugins listed inside
 * it are not run; loss transforms are. Needs `enableSecondOrderGradients()` (gradReg turns it on),
 * and refuses models whose second derivative tfjs gets wrong (custom-gradient ops).
 */
export function doubleBackprop(ctx: StepContext, penalty: Penalty, strength: number): Evaluation {
  ctx.charge('doubleBackprop');
  const variables = ctx.variables;
  const { value, grads, aux } = guard(() =>
    variableGradsWithAux(() => {
      // The raw loss is reported (as at every other step), the transformed objective differentiated.
      const inner = variableGradsWithAux(() => {
        const { value, loss } = ctx.objective();
        return { value, aux: (loss === value ? {} : { loss }) as Record<string, tf.Tensor> };
      }, variables);
      const unsafe = customGradientOpsOnTape();
      if (unsafe.length > 0) {
        throw new SecondOrderUnsupported(
          `the loss uses custom-gradient ops (${unsafe.join(', ')}) whose second derivative tfjs computes silently wrong; ` +
            `use softmaxCrossEntropy from '@flatopt/grad-reg' instead of tf.losses.softmaxCrossEntropy / tf.logSoftmax`,
        );
      }
      const g = variables.map((v) => inner.grads[v.name] ?? null);
      const normSq = tl.squaredNorm(g);
      const pen = (
        penalty === 'squared'
          ? tf.mul(normSq, strength / 2)
          : tf.mul(tf.sqrt(tf.add(normSq, NORM_FLOOR)), strength)
      ) as tf.Scalar;
      const gradients: Record<string, tf.Tensor> = Object.fromEntries(
        g.flatMap((t, i) => (t ? [[`g${i}`, t]] : [])),
      );
      return {
        value: tf.add(inner.value, pen) as tf.Scalar,
        aux: { ...gradients, loss: inner.aux.loss ?? inner.value, normSq, pen },
      };
    }, variables),
  );
  value.dispose();
  const total = variables.map((v) => grads[v.name] ?? null);
  const byName = aux as Record<string, tf.Tensor | undefined>;
  const g = variables.map((_, i) => byName[`g${i}`] ?? null);
  ctx.record('gradNormSq', aux.normSq as tf.Scalar);
  ctx.record('penalty', aux.pen as tf.Scalar);
  ctx.record('cosine', () => cosineGiven(aux.normSq as tf.Scalar, g, total));
  return { loss: aux.loss as tf.Scalar, grads: total };
}

/** Turns tfjs' errors for missing gradients or kernels into a SecondOrderUnsupported that says what to do. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SecondOrderUnsupported || e instanceof FlatoptError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    const kernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(message);
    if (kernel) {
      const firstOrder = [
        'Conv2DBackpropFilter',
        'UnsortedSegmentSum',
        'DepthwiseConv2dNativeBackpropFilter',
      ].includes(kernel[1]);
      throw new SecondOrderUnsupported(
        firstOrder
          ? `the '${kernel[2]}' backend has no '${kernel[1]}' kernel, which even first-order training of this model needs (conv or embedding filter gradients); use the cpu backend or tfjs-node`
          : `the '${kernel[2]}' backend has no '${kernel[1]}' kernel, which the gradient of the gradient needs; use the cpu backend or a finite-difference method`,
        firstOrder,
      );
    }
    const gradient = /gradient function not found for (\w+)/.exec(message);
    if (gradient) {
      throw new SecondOrderUnsupported(
        `tfjs has no gradient for the kernel '${gradient[1]}', which the gradient of the gradient passes through; use a finite-difference method`,
      );
    }
    throw e;
  }
}
