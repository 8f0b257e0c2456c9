import * as tf from '@tensorflow/tfjs-core';
import {
  definePlugin,
  FlatoptError,
  option,
  valueAt,
  type Evaluation,
  type OptionsOf,
  type Plugin,
  type StepContext,
} from '@flatopt/core';

/** Where the flood level applies: to the minibatch mean loss, or to each example's loss. */
export type FloodingGranularity = 'batch' | 'example';
const GRANULARITIES: readonly FloodingGranularity[] = ['batch', 'example'];

const floodingSchema = {
  /**
   * The flood level b (≥ 0; a number or a schedule). Required: the paper picks b by validation
   * (its benchmark grid is 0.00, 0.01, …, 0.10), and no value suits every loss and data set.
   */
  level: option.hyperparameter({
    min: 0,
    hint:
      'the flood level b, a finite number ≥ 0 or a schedule, e.g. flooding({ level: 0.02 }). ' +
      'There is no default; Ishida et al. choose b by validation (grid 0.00, 0.01, …, 0.10).',
  }),
  /**
   * `'batch'` (default): `|L − b| + b` on the minibatch mean loss L (Ishida et al.). `'example'`:
   * `mean_i(|ℓ_i − b| + b)` on per-example losses (iFlood-style); the loss function must then
   * return the vector of per-example losses, e.g. a `tf.losses.*` loss with `tf.Reduction.NONE`.
   */
  granularity: option.oneOf(GRANULARITIES, { default: 'batch' }),
};

/** flooding's options: `level` (required), `granularity`, and `name` (default 'flooding'; give two instances in one stack different names). */
export type FloodingOptions = OptionsOf<typeof floodingSchema>;

/**
 * The name of the flood op (`tf.op` scope, so its tape node reads `flatoptFlood__op`). It is a
 * custom-gradient op, which @flatopt/grad-reg's double backprop accepts by this name: see `flood`.
 */
export const FLOOD_OP = 'flatoptFlood';

/**
 * `|x − b| + b` elementwise, as one op with its gradient written out: the value b + |b − x| and
 * the gradient dy·s with s = +1 where x ≥ b and −1 below, exactly ±dy. At x = b exactly the step
 * descends (|·| has no derivative there). s is piecewise constant, so its derivative is 0 and a
 * gradient of this gradient (double backprop) is exact with s held constant: unlike the customGrad
 * ops tfjs gets wrong at second order, whose gradients use intermediates that depend on x. Written
 * with taped ops instead, the same function launched about 3× the kernels (every op's inputs are
 * copied for the tape, and each gets a backward pass); here it is 6 kernels forward, untaped, one
 * saved copy of s and one Multiply backward.
 */
function flood(x: tf.Tensor, b: number): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const d = tf.sub(b, input);
    // sign(d) is 1 where x < b, 0 at x = b and −1 above; 0.5 − sign(d) is then −0.5, 0.5 or 1.5,
    // whose sign is s. (Not tf.step: on tfjs-node its kernel runs six TensorFlow ops.)
    const sign = tf.sign(tf.sub(0.5, tf.sign(d)));
    save([sign]);
    return {
      value: tf.add(b, tf.abs(d)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
    };
  });
  return tf.op({ [FLOOD_OP]: (t: tf.Tensor) => op(t) })(x);
}

/** The flooded value b + |b − x| and the indicator of x < b, outside any tape (diagnostics). */
function floodValues(x: tf.Tensor, b: number): { flooded: tf.Tensor; below: tf.Tensor } {
  return { flooded: tf.add(b, tf.abs(tf.sub(b, x))), below: tf.cast(tf.less(x, b), 'float32') };
}

/**
 * Flooding (Ishida, Yamane, Sakai, Niu & Sugiyama, "Do We Need Zero Training Loss After Achieving
 * Zero Training Error?", ICML 2020): train on the flooded loss
 *
 *     L_fl = |L − b| + b,   ∇L_fl = sign(L − b)·∇L,
 *
 * with flood level b, so a step descends while the minibatch loss L is above b and *ascends*
 * while it is below; the training loss floats around b instead of going to zero. With
 * `granularity: 'example'` each example is flooded on its own, `mean_i(|ℓ_i − b| + b)`, whose
 * gradient is `mean_i sign(ℓ_i − b)·∇ℓ_i` (the loss function must return per-example losses).
 * At L = b exactly the step descends (the paper's |·| has no derivative there).
 *
 * Flooding is implicit gradient regularization (Karakida et al., ICML 2023, §5.2; SCIENCE.md
 * §2.6): once L sits at b, ascent and descent steps alternate, and with SGD(η) an ascent step
 * θ₁ = θ + η·g followed by a descent step gives θ₂ = θ − η·[∇L(θ + η·g) − ∇L(θ)] ≈ θ − η²·H∇L =
 * θ − (η²/2)·∇‖∇L‖², a forward finite-difference step on the penalty ½‖∇L‖² with ascent size
 * ε = η (descent first gives the backward difference, with the same leading term).
 *
 * Implemented as a loss transform (`transformLoss`): 1 gradient evaluation per step, works in
 * `model.fit` (batch granularity; tfjs-layers hands the optimizer a scalar loss) and in custom
 * loops, and composes with SAM or GR (the flooded loss is what they differentiate). The reported
 * loss stays the raw loss. With b = 0 it is the wrapped optimizer exactly. Records per step (no
 * sync), from the primary evaluation: `level` b, `floodedLoss` (the flooded raw loss) and
 * `belowLevel` — for 'batch' 1 when the step ascends and 0 when it descends, for 'example' the
 * fraction of examples whose loss is below b (which ascend).
 */
export const flooding: (options: FloodingOptions) => Plugin = definePlugin({
  type: 'flooding',
  options: floodingSchema,
  create({ level, granularity }, name) {
    const scalarLossError = () =>
      new FlatoptError(
        `${name}: option granularity 'example' needs per-example losses, but the loss function returned a scalar. ` +
          `Return the unreduced vector instead (for example a tf.losses.* loss with tf.Reduction.NONE), ` +
          `or use granularity 'batch' (model.fit always reduces the loss to a scalar). Nothing was applied.`,
      );

    const transformLoss = (ctx: StepContext, loss: tf.Tensor): tf.Tensor => {
      const b = valueAt(level, ctx.iteration);
      // Thrown inside the differentiated function: core frees the tape, nothing is applied.
      if (granularity === 'example' && loss.rank !== 1) throw scalarLossError();
      return flood(granularity === 'batch' && loss.rank !== 0 ? tf.mean(loss) : loss, b);
    };

    // Diagnostics are taken from the evaluation's raw loss, outside the differentiated function
    // (tensors made inside tf.variableGrads do not outlive it), once per step: at the primary evaluation.
    const evaluate = (ctx: StepContext, next: () => Evaluation): Evaluation => {
      const ev = next();
      if (!ctx.primary) return ev;
      const b = valueAt(level, ctx.iteration);
      ctx.record('level', b);
      const losses = granularity === 'example' ? ev.perExample : ev.loss;
      if (!losses) return ev;
      // Computed only when a report reads them.
      let values: { flooded: tf.Tensor; below: tf.Tensor } | undefined;
      const mean = (t: tf.Tensor) => (t.rank === 0 ? t : tf.mean(t)) as tf.Scalar;
      const valuesOnce = () => (values ??= floodValues(losses, b));
      ctx.record('floodedLoss', () => mean(valuesOnce().flooded));
      ctx.record('belowLevel', () => mean(valuesOnce().below));
      return ev;
    };

    return { transformLoss, evaluate };
  },
});
