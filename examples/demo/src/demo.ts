import * as tf from '@tensorflow/tfjs-core';
import { withPlugins, type Plugin, type StepReport } from '@flatopt/core';
import { loadDigits, type Split } from '@flatopt/example-utils';
import { ascentStep } from './example-plugin';

export interface DemoOptions {
  steps: number;
  batch: number;
  trainPerDigit: number;
  testPerDigit: number;
  logEvery: number;
  rho: number;
  learningRate: number;
}

export const defaults: DemoOptions = {
  steps: 150,
  batch: 64,
  trainPerDigit: 300,
  testPerDigit: 100,
  logEvery: 25,
  rho: 0.05,
  learningRate: 1e-3,
};

export interface DemoResult {
  method: string;
  finalLoss: number;
  testAccuracy: number;
  gradientEvaluationsPerStep: number;
  msPerStep: number;
}

/** A 784-64-10 ReLU MLP on raw variables, initialized identically (seeded) for every method. */
function mlp() {
  const layer = (inputs: number, outputs: number, seed: number) => [
    tf.variable(tf.randomNormal([inputs, outputs], 0, Math.sqrt(2 / inputs), 'float32', seed)),
    tf.variable(tf.zeros([outputs])),
  ];
  const variables = [...layer(784, 64, 1), ...layer(64, 10, 2)];
  const [w1, b1, w2, b2] = variables;
  const logits = (x: tf.Tensor2D) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
  return { variables, logits };
}

function accuracy(logits: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(
    () => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')).dataSync()[0],
  );
}

function train(
  method: string,
  plugins: Plugin[],
  data: { train: Split; test: Split },
  o: DemoOptions,
  log: (s: string) => void,
): DemoResult {
  const model = mlp();
  const optimizer = withPlugins(tf.train.adam(o.learningRate), ...plugins);
  const n = data.train.x.shape[0];
  let report: StepReport | undefined;
  let evaluations = 0;
  const start = performance.now();
  for (let step = 0; step < o.steps; step++) {
    const from = (step * o.batch) % (n - o.batch + 1);
    const [x, y] = [
      tf.slice(data.train.x, [from, 0], [o.batch, -1]),
      tf.slice(data.train.y, [from, 0], [o.batch, -1]),
    ];
    report = optimizer.step(
      () => tf.losses.softmaxCrossEntropy(y, model.logits(x)) as tf.Scalar,
      model.variables,
    );
    tf.dispose([x, y]);
    evaluations += report.gradientEvaluations;
    if ((step + 1) % o.logEvery === 0 || step === 0) {
      const extra = Object.entries(report.diagnostics)
        .map(([k, v]) => `  ${k} ${v.toFixed(4)}`)
        .join('');
      log(
        `  step ${String(step + 1).padStart(4)}  loss ${report.loss.toFixed(4)}  gradient evaluations ${report.gradientEvaluations}${extra}`,
      );
    }
  }
  const msPerStep = (performance.now() - start) / o.steps;
  const testAccuracy = tf.tidy(() => accuracy(model.logits(data.test.x), data.test.y));
  optimizer.dispose();
  tf.dispose(model.variables);
  return {
    method,
    finalLoss: report!.loss,
    testAccuracy,
    gradientEvaluationsPerStep: evaluations / o.steps,
    msPerStep,
  };
}

/** Trains the same MLP with Adam and with Adam + an ascent-step plugin; returns one row per method. */
export function runDemo(
  options: Partial<DemoOptions> = {},
  log: (s: string) => void = console.log,
): DemoResult[] {
  const o = { ...defaults, ...options };
  const data = loadDigits(o.trainPerDigit, o.testPerDigit);
  log(
    `MNIST digits: ${data.train.x.shape[0]} train, ${data.test.x.shape[0]} test; ${o.steps} steps of batch ${o.batch}\n`,
  );
  const methods: Array<[string, Plugin[]]> = [
    ['Adam', []],
    [`Adam + ascentStep(rho=${o.rho})`, [ascentStep(o.rho)]],
  ];
  const results = methods.map(([method, plugins]) => {
    log(`${method}`);
    return train(method, plugins, data, o, log);
  });
  tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]);
  return results;
}

/** The summary table, with step time relative to the first method measured in the same run. */
export function formatResults(results: DemoResult[]): string {
  const base = results[0].msPerStep;
  const rows = results.map((r) =>
    [
      r.method.padEnd(30),
      r.finalLoss.toFixed(4).padStart(10),
      `${(100 * r.testAccuracy).toFixed(1)}%`.padStart(9),
      r.gradientEvaluationsPerStep.toFixed(2).padStart(10),
      (r.msPerStep / base).toFixed(2).padStart(9),
    ].join(' '),
  );
  const header = [
    'method'.padEnd(30),
    'train loss'.padStart(10),
    'test acc'.padStart(9),
    'grad evals'.padStart(10),
    'time ×'.padStart(9),
  ].join(' ');
  return [header, ...rows].join('\n');
}
