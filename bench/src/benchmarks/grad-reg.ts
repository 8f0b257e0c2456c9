/**
 * Benchmark "grad-reg": the step cost of gradient regularization, `gradReg({ method })`, against a
 * plain SGD step: finite differences need 2 (forward, backward) or 3 (central) gradient
 * evaluations per step, double backprop one gradient of a gradient.
 */
import { withPlugins, type PluggedOptimizer } from '@flatopt/core';
import {
  disableSecondOrderGradients,
  gradReg,
  secondOrderGradientsEnabled,
  softmaxCrossEntropy,
  type GradRegMethod,
} from '@flatopt/grad-reg';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, BenchmarkSettings } from '../benchmark';
import { createMlp, type Mlp, type MlpLoss, type MlpOptions } from '../models';
import { profileStep } from '../profile';
import type { BackendRun } from '../report';
import { runInterleaved, type RunResult, type Variant, type VariantResult } from '../runner';
import { median } from '../stats';

const SEED = 20261122;
const LEARNING_RATE = 0.01;
export const GAMMA = 0.01;
export const EPSILON = 0.05;
/** What a step may cost beyond its gradient evaluations (perturb, restore, combine), as a ratio. */
export const ALLOWANCE = 0.05;
const BASELINE = 'plain';

export interface GradRegVariantSpec {
  readonly name: string;
  /** The gradReg method; absent for the plain baseline. */
  readonly method?: GradRegMethod;
  /** Known first-order gradient evaluations per step. */
  readonly gradientEvaluations: number;
  /** Known double-backprop evaluations (gradient of a gradient) per step. */
  readonly doubleBackpropEvaluations: number;
  /** Gradient evaluations + ALLOWANCE, as a ratio to the 1-evaluation baseline; none for double backprop. */
  readonly limit?: number;
}

export const GRAD_REG_VARIANTS: readonly GradRegVariantSpec[] = [
  { name: BASELINE, gradientEvaluations: 1, doubleBackpropEvaluations: 0 },
  { name: 'forward', method: 'forward', gradientEvaluations: 2, doubleBackpropEvaluations: 0, limit: 2.05 },
  { name: 'backward', method: 'backward', gradientEvaluations: 2, doubleBackpropEvaluations: 0, limit: 2.05 },
  { name: 'central', method: 'central', gradientEvaluations: 3, doubleBackpropEvaluations: 0, limit: 3.05 },
  {
    name: 'double-backprop',
    method: 'double-backprop',
    gradientEvaluations: 0,
    doubleBackpropEvaluations: 1,
  },
];

/** The second-order-safe cross-entropy, for every variant: double backprop refuses tf.losses'. */
const safeCrossEntropy: MlpLoss = (labels, logits) => softmaxCrossEntropy(labels, logits) as tf.Scalar;

interface Ctx {
  readonly model: Mlp;
  readonly optimizer: PluggedOptimizer;
}

function variant(spec: GradRegVariantSpec, mlp: MlpOptions): Variant<Ctx> {
  return {
    name: spec.name,
    ...(spec.limit === undefined ? {} : { limit: spec.limit }),
    setup: () => ({
      model: createMlp({ ...mlp, seed: SEED, loss: safeCrossEntropy }),
      optimizer: spec.method
        ? withPlugins(
            tf.train.sgd(LEARNING_RATE),
            gradReg({ gamma: GAMMA, epsilon: EPSILON, method: spec.method }),
          )
        : withPlugins(tf.train.sgd(LEARNING_RATE)),
    }),
    // The report (loss, diagnostics, gradient evaluations) costs one read per step, in every variant alike.
    step: ({ model, optimizer }) => optimizer.step(model.loss, model.variables),
    // No-op cost on cpu/wasm (results are ready); on async backends it waits for the update.
    sync: ({ model }) => {
      model.variables[model.variables.length - 1].dataSync();
    },
    teardown: ({ model, optimizer }) => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

const x3 = (r: number) => r.toFixed(3);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

function formatKnown(spec: GradRegVariantSpec): string {
  const parts: string[] = [];
  if (spec.gradientEvaluations > 0 || spec.doubleBackpropEvaluations === 0) {
    parts.push(String(spec.gradientEvaluations));
  }
  if (spec.doubleBackpropEvaluations > 0) parts.push(`${spec.doubleBackpropEvaluations} DB`);
  return parts.join(' + ');
}

/** Compares what each variant's `optimizer.step()` reported with the known count. */
export function workNote(backend: string, result: RunResult, specs = GRAD_REG_VARIANTS): string {
  const wrong: string[] = [];
  for (const spec of specs) {
    const w = result.variants.find((v) => v.name === spec.name)?.work;
    const g = w?.gradientEvaluations;
    const db = w?.doubleBackpropEvaluations;
    const ok =
      g !== undefined &&
      db !== undefined &&
      g.min === spec.gradientEvaluations &&
      g.max === spec.gradientEvaluations &&
      db.min === spec.doubleBackpropEvaluations &&
      db.max === spec.doubleBackpropEvaluations;
    if (!ok) {
      const got = w ? `${g!.min}–${g!.max} + ${db!.min}–${db!.max} DB` : 'nothing';
      wrong.push(`\`${spec.name}\` reported ${got}, expected ${formatKnown(spec)}`);
    }
  }
  const known = specs.map((s) => `${s.name} ${formatKnown(s)}`).join(', ');
  return wrong.length === 0
    ? `${backend}: gradient evaluations per step reported by \`optimizer.step()\` match the known counts (${known}).`
    : `${backend}: gradient evaluations per step do NOT match the known counts: ${wrong.join('; ')}.`;
}

/** Median over rounds of a's time / b's time in the same round (the samples are in round order). */
function pairedRatio(a: VariantResult, b: VariantResult): number {
  return median(a.samplesMs.map((t, r) => t / b.samplesMs[r]));
}

/**
 * Double backprop against finite differences, in cost terms: it "matches FD" when its ratio of
 * medians fits the 2-evaluation limit of `forward`. Also its cost relative to `forward` directly
 * (paired by round) and its peak step memory against forward's, when profiled.
 */
export function doubleBackpropNote({ backend, result }: BackendRun): string | undefined {
  const db = result.variants.find((v) => v.name === 'double-backprop');
  const fd = result.variants.find((v) => v.name === 'forward');
  if (!db || !fd || fd.limit === undefined) return undefined;
  const fits = db.ratioOfMedians <= fd.limit;
  const against = `${x3(db.ratioOfMedians)} ${fits ? '<=' : '>'} ${fd.limit.toFixed(2)}`;
  const verdict =
    `it ${fits ? 'fits' : 'does NOT fit'} the 2-evaluation budget of finite differences (${against}): ` +
    `it ${fits ? 'matches' : 'does not match'} FD in cost terms`;
  let memory = '';
  if (db.profile && fd.profile) {
    const dbPeak = db.profile.peakBytes - db.profile.startBytes;
    const fdPeak = fd.profile.peakBytes - fd.profile.startBytes;
    memory =
      ` Step peak memory: ${mb(dbPeak)} vs ${mb(fdPeak)} for \`forward\`` +
      (fdPeak > 0 ? ` (${(dbPeak / fdPeak).toFixed(2)}×).` : '.');
  }
  return (
    `${backend}: \`double-backprop\` costs ${x3(db.ratioOfMedians)}× \`${result.baseline}\` ` +
    `(median per-round ratio ${x3(db.roundRatio.median)}) and ${x3(db.ms.median / fd.ms.median)}× \`forward\` ` +
    `(paired per-round ${x3(pairedRatio(db, fd))}); ${verdict}.${memory}`
  );
}

/** One line: did every declared limit hold on every backend, and which did not. */
export function limitSummary(runs: readonly BackendRun[]): string | undefined {
  const checked = runs.flatMap(({ backend, result }) =>
    result.variants.filter((v) => v.limit !== undefined).map((v) => ({ backend, v })),
  );
  if (checked.length === 0) return undefined;
  const over = checked.filter(({ v }) => !v.withinLimit);
  const backends = runs.map((r) => r.backend).join(' and ');
  return over.length === 0
    ? `Every finite-difference variant stayed within its limit on ${backends} (${checked.length} checks).`
    : `Limits exceeded (${over.length} of ${checked.length}): ` +
        over
          .map(
            ({ backend, v }) => `${backend} \`${v.name}\` ${x3(v.ratioOfMedians)} > ${v.limit!.toFixed(2)}`,
          )
          .join(', ') +
        '.';
}

export interface GradRegBenchmarkOptions {
  /** Layer widths; default 784-256-256-10. Tests shrink it. */
  readonly layers?: readonly number[];
  /** Default 128. */
  readonly batchSize?: number;
}

export function gradRegBenchmark({
  layers = [784, 256, 256, 10],
  batchSize = 128,
}: GradRegBenchmarkOptions = {}): Benchmark {
  const mlp: MlpOptions = { layers, batchSize };
  return {
    name: 'grad-reg',
    title: 'Gradient regularization: step cost of `gradReg` methods vs a plain SGD step',
    description:
      `One step = \`optimizer.step(loss, variables)\` of \`withPlugins(tf.train.sgd(${LEARNING_RATE}), ` +
      `gradReg({ gamma: ${GAMMA}, epsilon: ${EPSILON}, method }))\`; baseline \`plain\` = ` +
      `\`withPlugins(tf.train.sgd(${LEARNING_RATE}))\`. ${layers.join('-')} ReLU MLP, batch ${batchSize}, ` +
      "one fixed seeded batch, softmax cross-entropy from '@flatopt/grad-reg' (second-order safe) in every " +
      'variant; each variant trains its own copy from identical weights. Limit = gradient evaluations per step ' +
      `+ ${ALLOWANCE} (forward and backward 2, central 3); double backprop is reported without a limit. ` +
      'Memory columns: one extra, untimed step per variant under `tf.profile`. Ratios are the result; ' +
      'absolute ms depend on the machine.',
    async run(backend: string, { warmup, samples }: BenchmarkSettings) {
      // gradReg('double-backprop') turns the second-order gradients on process-wide when it is
      // constructed, i.e. during setup, before any step: every variant then runs with them (first-order
      // gradients are bit-identical). Put the registry back afterwards for benchmarks that follow.
      const wasEnabled = secondOrderGradientsEnabled();
      try {
        const result = await runInterleaved(
          GRAD_REG_VARIANTS.map((spec) => variant(spec, mlp)),
          { warmup, samples, baseline: BASELINE, memory: () => tf.memory(), profile: profileStep },
        );
        return { result, notes: [workNote(backend, result)] };
      } finally {
        if (!wasEnabled) disableSecondOrderGradients();
      }
    },
    conclude(runs: readonly BackendRun[]) {
      return [
        ...runs.flatMap((run) => doubleBackpropNote(run) ?? []),
        ...[limitSummary(runs)].flatMap((s) => s ?? []),
      ];
    },
  };
}
