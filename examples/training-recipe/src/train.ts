import * as tf from '@tensorflow/tfjs';
import { withAveragedWeights } from '@flatopt/averaging';
import { epochOrder, minibatch, type Split } from '@flatopt/example-utils';
import { buildOptimizer, type RecipeSettings, type VariantName } from './recipe';

/** What one run of one variant measured. */
export interface RunResult {
  readonly variant: VariantName;
  readonly seed: number;
  /** Test accuracy of the weights the run ends with (for the recipe: SWA's average). */
  readonly testAccuracy: number;
  /** Test accuracy of the last iterate (equal to `testAccuracy` without SWA). */
  readonly lastIterateAccuracy: number;
  readonly trainLoss: number;
  /** Gradient evaluations per step, as the optimizer reported them. */
  readonly gradientEvaluations: number;
  /** Wall time of the training steps, per step. */
  readonly msPerStep: number;
}

export interface RunSettings extends RecipeSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly hidden: number;
}

/** A 784-hidden-10 ReLU MLP whose He-normal kernels are drawn from `seed`. */
export function createModel(hidden: number, seed: number): tf.Sequential {
  const init = (k: number) => tf.initializers.heNormal({ seed: seed * 100 + k });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 10, kernelInitializer: init(2) }),
    ],
  });
}

/** Per-example softmax cross-entropy: SAM's micro-batches split this vector. */
function perExampleLoss(model: tf.LayersModel, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  const logits = model.apply(x, { training: true }) as tf.Tensor2D;
  return tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.NONE) as tf.Tensor1D;
}

function accuracy(model: tf.LayersModel, split: Split): number {
  return tf.tidy(() => {
    const predicted = tf.argMax(model.predict(split.x) as tf.Tensor2D, 1);
    const hits = tf.equal(predicted, tf.argMax(split.y, 1));
    return tf.sum(tf.cast(hits, 'int32')).dataSync()[0] / split.x.shape[0];
  });
}

/**
 * Trains `variant` from the weights and batch order `seed` fixes (every variant sees the same
 * ones), in a custom loop of `optimizer.step` over seeded minibatches; returns the test accuracy of
 * what the run ends with and the cost.
 */
export function trainVariant(
  variant: VariantName,
  seed: number,
  s: RunSettings,
  data: { train: Split; test: Split },
): RunResult {
  const model = createModel(s.hidden, seed);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = buildOptimizer(variant, s);
  const n = data.train.x.shape[0];
  let trainLoss = NaN;
  let evaluations = 0;
  let steps = 0;
  const start = performance.now();
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    const order = epochOrder(n, seed, epoch);
    for (let b = 0; b < s.stepsPerEpoch; b++) {
      const idx = tf.tensor1d(minibatch(order, b, s.batchSize), 'int32');
      const [x, y] = [tf.gather(data.train.x, idx), tf.gather(data.train.y, idx)] as tf.Tensor2D[];
      const report = optimizer.step(() => perExampleLoss(model, x, y), variables);
      tf.dispose([idx, x, y]);
      trainLoss = report.loss;
      evaluations += report.gradientEvaluations;
      steps++;
    }
  }
  const msPerStep = (performance.now() - start) / steps;
  const lastIterateAccuracy = accuracy(model, data.test);
  const testAccuracy =
    variant === 'recipe'
      ? withAveragedWeights(optimizer, () => accuracy(model, data.test))
      : lastIterateAccuracy;
  optimizer.dispose();
  model.dispose();
  return {
    variant,
    seed,
    testAccuracy,
    lastIterateAccuracy,
    trainLoss,
    gradientEvaluations: evaluations / steps,
    msPerStep,
  };
}
