/**
 * Benchmark "core-overhead": what does `withPlugins(opt)` with no plugins cost per step compared
 * with the bare optimizer? Same MLP, same batch, same initial weights, interleaved rounds. Adam,
 * because its state is what the device-side non-finite check has to guard.
 */
import { withPlugins, type PluggedOptions } from '@flatopt/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, BenchmarkSettings } from '../benchmark';
import { createMlp, type Mlp, type MlpOptions } from '../models';
import { runInterleaved, type Variant } from '../runner';

const SEED = 20261122;
const LEARNING_RATE = 1e-3;
/** What every step with no plugins may cost, as a ratio to the bare optimizer. */
const LIMIT = 1.02;

interface Ctx {
  readonly model: Mlp;
  readonly optimizer: tf.Optimizer;
}

/** One training step of `model` with `optimizer`. */
export type TrainingStep = (model: Mlp, optimizer: tf.Optimizer) => void;

const minimize: TrainingStep = (model, optimizer) => {
  optimizer.minimize(model.loss, false, model.variables);
};

/**
 * A variant training its own copy of the MLP (from the shared seed) with `step`, by default
 * `optimizer.minimize(loss, false, variables)`; its final weights are kept in `finals` for the
 * cross-check.
 */
export function trainingVariant(
  name: string,
  makeOptimizer: () => tf.Optimizer,
  mlp: MlpOptions,
  finals: Map<string, Float32Array[]>,
  step: TrainingStep = minimize,
): Variant<Ctx> {
  return {
    name,
    setup: () => ({ model: createMlp({ seed: SEED, ...mlp }), optimizer: makeOptimizer() }),
    step: ({ model, optimizer }) => step(model, optimizer),
    // No-op cost on cpu/wasm (results are ready); on async backends it waits for the update.
    sync: ({ model }) => {
      model.variables[model.variables.length - 1].dataSync();
    },
    teardown: ({ model, optimizer }) => {
      finals.set(
        name,
        model.variables.map((v) => (v.dataSync() as Float32Array).slice()),
      );
      optimizer.dispose();
      model.dispose();
    },
  };
}

export function bitwiseEqual(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const [u, v] = [new Uint32Array(x.buffer, x.byteOffset, x.length), b[i]];
    const w = new Uint32Array(v.buffer, v.byteOffset, v.length);
    return u.length === w.length && u.every((bits, j) => bits === w[j]);
  });
}

/**
 * The benchmark on the 784-256-256-10 MLP with batch 128; `mlp` shrinks the model for tests
 * (the description then no longer matches, which only tests see).
 */
export function coreOverhead(mlp: Omit<MlpOptions, 'seed' | 'loss'> = {}): Benchmark {
  const adam = () => tf.train.adam(LEARNING_RATE);
  return {
    name: 'core-overhead',
    title: 'Core overhead: `withPlugins(opt)` with no plugins vs the bare optimizer',
    description:
      'One step = `optimizer.minimize(loss, false, variables)` with `tf.train.adam(1e-3)` on a 784-256-256-10 ReLU MLP ' +
      '(softmax cross-entropy, batch 128, fixed seeded batch; each variant trains its own copy from identical weights). ' +
      "`plugged` = `withPlugins(adam)` with the defaults (its non-finite check is `finiteCheck: 'auto'`: a read on cpu, wasm and tfjs-node, " +
      'on the device on webgl/webgpu); `device check` forces the on-device check (no blocking read, a select per changed variable); ' +
      "`no check` = `{ nonFinite: 'ignore' }`. Ratios are the result; absolute ms depend on the machine. " +
      `Target: every plugged variant's median ratio <= ${LIMIT}.`,
    async run(backend: string, { warmup, samples }: BenchmarkSettings) {
      const finals = new Map<string, Float32Array[]>();
      const plugged = (name: string, options: PluggedOptions) => ({
        ...trainingVariant(name, () => withPlugins(adam(), options), mlp, finals),
        limit: LIMIT,
      });
      const result = await runInterleaved(
        [
          trainingVariant('bare', adam, mlp, finals),
          plugged('plugged', {}),
          plugged('plugged, device check', { finiteCheck: 'device' }),
          plugged('plugged, no check', { nonFinite: 'ignore' }),
        ],
        { warmup, samples, baseline: 'bare', memory: () => tf.memory() },
      );
      const notes = result.variants
        .map((v) => v.name)
        .filter((name) => name !== 'bare')
        .map((name) => {
          const same = bitwiseEqual(finals.get('bare')!, finals.get(name)!);
          return (
            `${backend}: final weights of \`${name}\` are ${same ? '' : 'NOT '}bitwise identical to \`bare\` ` +
            `after ${warmup + samples} steps each.`
          );
        });
      return { result, notes };
    },
  };
}
