import * as tf from '@tensorflow/tfjs-core';
import { loadDigits } from '@flatopt/example-utils';
import { flipLabels } from './noise';
import { totalSteps, validateConfig, type Config } from './config';
import type { Method } from './methods';
import { Progress, type ProgressStream } from './progress';
import type { Report } from './results';
import { summarize } from './summary';
import { measureStepCost, type Timing } from './timing';
import { trainRun, type Digits, type RunResult } from './train';

export interface RunOptions {
  readonly config: Config;
  readonly methods: readonly Method[];
  /** The backend that runs (already set), for the report. */
  readonly backend: string;
  /** Where progress goes (stderr), and whether as a redrawn bar or plain lines. */
  readonly stream: ProgressStream;
  readonly interactive: boolean;
  /** Step costs measured by an earlier comparison in the same process (labels do not change them). */
  readonly timing?: Timing;
}

/**
 * The digits as one comparison trains on them: with `config.labelNoise` > 0 the training labels
 * get symmetric noise (one fixed draw, seeded by `dataSeed + 1`), and the changed examples are
 * kept apart, with their noisy labels, to measure memorization.
 */
export function prepareDigits(config: Config): Digits {
  const { train, test } = loadDigits(config.trainPerDigit, config.testPerDigit, config.dataSeed);
  if (config.labelNoise === 0) return { train, test };
  const noisy = flipLabels(train.y, config.labelNoise, config.dataSeed + 1);
  const memorization = tf.tidy(() => {
    const idx = tf.tensor1d(noisy.flipped, 'int32');
    return { x: tf.gather(train.x, idx) as tf.Tensor2D, y: tf.gather(noisy.y, idx) as tf.Tensor2D };
  });
  train.y.dispose();
  return { train: { x: train.x, y: noisy.y }, test, memorization };
}

/** Disposes every split of `data`. */
export function disposeDigits(data: Digits): void {
  tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]);
  if (data.memorization) tf.dispose([data.memorization.x, data.memorization.y]);
}

/**
 * The whole comparison: load the digits, measure every method's step cost against Adam in one
 * interleaved phase (its ratios also weigh the progress ETA), then train every method from every
 * seed. Every tensor it makes is disposed before it returns.
 */
export async function runComparison(options: RunOptions): Promise<Report> {
  const { methods, stream, interactive } = options;
  const config = validateConfig(options.config);
  const started = performance.now();
  const data = prepareDigits(config);
  try {
    stream.write(
      `timing: ${methods.length} methods round-robin on one minibatch, ${config.timingWarmup} warm-up + ${config.timingRounds} rounds…\n`,
    );
    const timing = options.timing ?? (await measureStepCost(methods, data, config));
    const weight = (m: Method) => timing.methods.find((t) => t.method === m.key)?.ratio ?? 1;
    const steps = totalSteps(config);
    const totalWork = methods.reduce((sum, m) => sum + weight(m) * steps * config.seeds, 0);
    const progress = new Progress({ totalWork, stream, interactive });
    const runs: RunResult[] = [];
    for (const method of methods) {
      for (let seed = 1; seed <= config.seeds; seed++) {
        progress.begin(`${method.label} seed ${seed}`, steps, weight(method));
        runs.push(trainRun(method, seed, data, config, (step) => progress.tick(step)));
        progress.end();
      }
    }
    progress.close();
    return {
      date: new Date().toISOString(),
      backend: options.backend,
      config,
      methods,
      runs,
      timing,
      summaries: summarize(methods, runs, timing),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    disposeDigits(data);
  }
}
