import * as tf from '@tensorflow/tfjs-core';
import { withPlugins } from '@flatopt/core';
import { softmaxCrossEntropy } from '@flatopt/grad-reg';
import { igrMonitor, topHessianEigenvalue, type IgrRecord } from '@flatopt/implicit-gr';
import type { Split } from '@flatopt/example-utils';

/**
 * Barrett & Dherin's learning-rate experiment (ICLR 2021, §5, Figure 2) at laptop size: a ReLU
 * MLP trained on real MNIST digits by full-batch gradient descent, `withPlugins(tf.train.sgd(h),
 * igrMonitor(...))`, once per learning rate h from the same initial weights. The paper compares
 * runs at the step of best test accuracy and predicts, for larger h, a smaller R_IG = ‖∇E‖²/m
 * relative to the loss E (Prediction 2.1) and a flatter minimum (Prediction 2.2), measured here
 * by the top Hessian eigenvalue of the training loss at that step.
 */
export interface SweepConfig {
  readonly learningRates: readonly number[];
  /** GD steps per learning rate (the same for every h). */
  readonly steps: number;
  /** Test accuracy and the monitor's figures are taken every this many steps. */
  readonly every: number;
  readonly hidden: number;
  /** Seed of the initial weights (the same for every h). */
  readonly seed: number;
  /** Power iterations of the top-eigenvalue estimate (at most). */
  readonly eigenIterations: number;
}

export interface SweepRow {
  readonly learningRate: number;
  /** Step (GD iterations done) with the best test accuracy; the first one on ties. */
  readonly bestStep: number;
  readonly testAccuracy: number;
  readonly trainAccuracy: number;
  /** Training loss E at that step (full batch). */
  readonly loss: number;
  /** R_IG = ‖∇E‖²/m and R_IG/E at that step, from igrMonitor. */
  readonly rIg: number;
  readonly ratio: number;
  /** The top eigenvalue of the training loss's Hessian at that step (power iteration). */
  readonly sharpness: number;
  /** Its residual bound ‖Hv − λv‖ and whether the power iteration converged. */
  readonly sharpnessSpread: number;
  readonly sharpnessConverged: boolean;
  /** 2/h: GD is unstable along directions sharper than this. */
  readonly stabilityBound: number;
  /** Test accuracy and training loss after the last step. */
  readonly finalTestAccuracy: number;
  readonly finalLoss: number;
  /** Every `every` steps: step, test accuracy, E, R_IG/E (for the curves). */
  readonly curve: readonly { step: number; testAccuracy: number; loss: number; ratio: number }[];
  readonly seconds: number;
}

interface Mlp {
  readonly variables: tf.Variable[];
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** The logits of the training split, with a fast gradient for the first layer (see firstLayer). */
  trainLogits(): tf.Tensor2D;
  dispose(): void;
}

/**
 * x·W₁ for the fixed training inputs x, with the gradient dW₁ = xᵀ·dy taken from a transposed copy
 * of x made once. tfjs' own MatMul gradient computes xᵀ·dy as a matMul with a transposed operand,
 * which tfjs-backend-wasm runs ~8× slower than a plain one (75 vs 9 ms for 1000×784 by 1000×64);
 * this made a full-batch step 4× faster (26 vs 104 ms) with the same gradient (max |Δ| 3e-8).
 * First-order only: fine for training, the monitor and finite-difference HVPs.
 */
export function firstLayer(x: tf.Tensor2D): { matMul: (w: tf.Tensor2D) => tf.Tensor2D; dispose(): void } {
  const xT = tf.transpose(x) as tf.Tensor2D;
  const matMul = tf.customGrad((w, _save) => ({
    value: tf.matMul(x, w as tf.Tensor2D),
    gradFunc: (dy) => tf.matMul(xT, dy as tf.Tensor2D),
  })) as (w: tf.Tensor2D) => tf.Tensor2D;
  return { matMul, dispose: () => xT.dispose() };
}

/** 784-hidden-10 ReLU MLP; He-normal kernels from `seed`, zero biases. */
function createMlp(hidden: number, seed: number, trainX: tf.Tensor2D): Mlp {
  // A variable shares its initial tensor's data; the initial tensor itself is freed at once.
  const own = (initial: tf.Tensor) => {
    const v = tf.variable(initial);
    initial.dispose();
    return v;
  };
  const layer = (inputs: number, outputs: number, k: number) => [
    own(tf.randomNormal([inputs, outputs], 0, Math.sqrt(2 / inputs), 'float32', seed * 100 + k)),
    own(tf.zeros([outputs])),
  ];
  const variables = [...layer(784, hidden, 1), ...layer(hidden, 10, 2)];
  const [w1, b1, w2, b2] = variables as tf.Tensor2D[];
  const fast = firstLayer(trainX);
  const head = (z: tf.Tensor2D) => tf.add(tf.matMul(tf.relu(tf.add(z, b1)), w2), b2) as tf.Tensor2D;
  return {
    variables,
    logits: (x) => head(tf.matMul(x, w1)),
    trainLogits: () => head(fast.matMul(w1)),
    dispose: () => {
      fast.dispose();
      tf.dispose(variables);
    },
  };
}

function accuracy(model: Mlp, split: Split): number {
  return tf.tidy(() => {
    const hits = tf.equal(tf.argMax(model.logits(split.x), 1), tf.argMax(split.y, 1));
    return tf.sum(tf.cast(hits, 'int32')).dataSync()[0] / split.x.shape[0];
  });
}

/** One learning rate: train, keep the weights of the best test accuracy, measure there. */
export async function trainOne(
  h: number,
  config: SweepConfig,
  data: { train: Split; test: Split },
  onProgress?: (line: string) => void,
): Promise<SweepRow> {
  const began = performance.now();
  const model = createMlp(config.hidden, config.seed, data.train.x);
  const loss = () => softmaxCrossEntropy(data.train.y, model.trainLogits()) as tf.Scalar;
  const monitor = igrMonitor({ every: config.every });
  const optimizer = withPlugins(tf.train.sgd(h), monitor);
  const curve: { step: number; testAccuracy: number; loss: number; ratio: number }[] = [];
  let best: { step: number; testAccuracy: number; record: IgrRecord; weights: tf.Tensor[] } | undefined;
  try {
    for (let step = 0; step < config.steps; step++) {
      const measured = step % config.every === 0;
      const testAccuracy = measured ? accuracy(model, data.test) : NaN;
      optimizer.minimize(loss, false, model.variables);
      if (!measured) continue;
      // The monitor's figures come from this step's own evaluation, at the weights tested above;
      // it reads them without blocking, so wait for them.
      await monitor.flush();
      const record = monitor.latest!;
      curve.push({ step, testAccuracy, loss: record.loss, ratio: record.ratio });
      if (!Number.isFinite(record.loss)) break;
      if (!best || testAccuracy > best.testAccuracy) {
        if (best) tf.dispose(best.weights);
        // tfjs assigns new buffers to the variables, so these copies keep the weights of this step.
        best = { step, testAccuracy, record, weights: model.variables.map((v) => tf.clone(v)) };
      }
      if (onProgress && step % (config.every * 10) === 0) {
        onProgress(
          `  h=${h} step ${step}: E=${record.loss.toFixed(4)} R_IG/E=${record.ratio.toExponential(2)} test acc ${testAccuracy.toFixed(3)}`,
        );
      }
    }
    const finalTestAccuracy = accuracy(model, data.test);
    const finalLoss = tf.tidy(() => loss().dataSync()[0]);
    if (!best)
      throw new Error(`h=${h}: no step was measured (steps ${config.steps}, every ${config.every}).`);
    model.variables.forEach((v, i) => v.assign(best!.weights[i]));
    const top = topHessianEigenvalue(loss, model.variables, {
      iterations: config.eigenIterations,
      method: 'finite-difference',
      seed: 0,
    });
    return {
      learningRate: h,
      bestStep: best.step,
      testAccuracy: best.testAccuracy,
      trainAccuracy: accuracy(model, data.train),
      loss: best.record.loss,
      rIg: best.record.rIg,
      ratio: best.record.ratio,
      sharpness: top.estimate,
      sharpnessSpread: top.spread,
      sharpnessConverged: top.converged,
      stabilityBound: 2 / h,
      finalTestAccuracy,
      finalLoss,
      curve,
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    if (best) tf.dispose(best.weights);
    optimizer.dispose();
    model.dispose();
  }
}

export async function runSweep(
  config: SweepConfig,
  data: { train: Split; test: Split },
  onProgress?: (line: string) => void,
): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const h of config.learningRates) {
    const row = await trainOne(h, config, data, onProgress);
    onProgress?.(
      `h=${h}: best test acc ${row.testAccuracy.toFixed(3)} at step ${row.bestStep}, ${row.seconds.toFixed(1)} s`,
    );
    rows.push(row);
  }
  return rows;
}

/** The printed table, one row per learning rate. */
export function sweepTable(rows: readonly SweepRow[]): string {
  const header = [
    'h',
    'best step',
    'test acc',
    'train acc',
    'E',
    'R_IG',
    'R_IG/E',
    'λ_max',
    '2/h',
    'final test acc',
  ];
  const cells = rows.map((r) => [
    String(r.learningRate),
    String(r.bestStep),
    r.testAccuracy.toFixed(3),
    r.trainAccuracy.toFixed(3),
    r.loss.toFixed(4),
    r.rIg.toExponential(2),
    r.ratio.toExponential(2),
    `${r.sharpness.toFixed(2)}${r.sharpnessConverged ? '' : '*'}`,
    r.stabilityBound.toFixed(1),
    r.finalTestAccuracy.toFixed(3),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: readonly string[]) => row.map((cell, c) => cell.padStart(widths[c])).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  if (rows.some((r) => !r.sharpnessConverged)) out.push('* power iteration stopped before converging');
  return out.join('\n');
}
