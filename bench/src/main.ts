/**
 * Benchmark "core overhead": what does `withPlugins(opt)` with no plugins cost per step compared
 * with the bare optimizer? Same MLP, same batch, same initial weights, interleaved rounds.
 *
 *   pnpm --filter @flatopt/bench start [--samples N] [--warmup N] [--backends wasm,cpu] [--quick]
 */
import '@tensorflow/tfjs'; // registers the cpu backend
import '@tensorflow/tfjs-backend-wasm'; // registers the wasm backend
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { withPlugins } from '@flatopt/core';
import * as tf from '@tensorflow/tfjs-core';
import { parseCli } from './cli';
import { createMlp, type Mlp } from './models';
import { toJson, toMarkdown, type BackendRun, type BenchmarkReport } from './report';
import { runInterleaved, type Variant } from './runner';

const BENCHMARK = 'core-overhead';
const SEED = 20261122;
const LEARNING_RATE = 0.01;

interface Ctx {
  readonly model: Mlp;
  readonly optimizer: tf.Optimizer;
}

/** A variant training its own copy of the MLP; its final weights are kept for the cross-check. */
function variant(
  name: string,
  makeOptimizer: () => tf.Optimizer,
  finals: Map<string, Float32Array[]>,
): Variant<Ctx> {
  return {
    name,
    setup: () => ({ model: createMlp({ seed: SEED }), optimizer: makeOptimizer() }),
    step: ({ model, optimizer }) => {
      optimizer.minimize(model.loss, false, model.variables);
    },
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

function bitwiseEqual(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const [u, v] = [new Uint32Array(x.buffer, x.byteOffset, x.length), b[i]];
    const w = new Uint32Array(v.buffer, v.byteOffset, v.length);
    return u.length === w.length && u.every((bits, j) => bits === w[j]);
  });
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  // Silences the cpu backend's Node.js banner. Not IS_TEST: that flag adds a leak check to every kernel.
  tf.enableProdMode();

  const runs: BackendRun[] = [];
  const notes: string[] = [];
  for (const backend of cli.backends) {
    if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' failed to initialise`);
    await tf.ready();
    process.stderr.write(`${backend}: ${cli.warmup} warm-up + ${cli.samples} samples per variant ...\n`);
    const finals = new Map<string, Float32Array[]>();
    const result = await runInterleaved(
      [
        variant('bare', () => tf.train.sgd(LEARNING_RATE), finals),
        variant('plugged', () => withPlugins(tf.train.sgd(LEARNING_RATE)), finals),
      ],
      { warmup: cli.warmup, samples: cli.samples, baseline: 'bare', memory: () => tf.memory() },
    );
    runs.push({ backend, result });
    const same = bitwiseEqual(finals.get('bare')!, finals.get('plugged')!);
    notes.push(
      `${backend}: final weights of \`plugged\` are ${same ? '' : 'NOT '}bitwise identical to \`bare\` ` +
        `after ${cli.warmup + cli.samples} steps each.`,
    );
    for (const v of result.variants) {
      if (v.memory && v.memory.tensorDelta !== 0) {
        notes.push(
          `${backend}: \`${v.name}\` changed numTensors by ${v.memory.tensorDelta} over its timed steps.`,
        );
      }
    }
  }

  const report: BenchmarkReport = {
    benchmark: BENCHMARK,
    title: 'Core overhead: `withPlugins(opt)` with no plugins vs the bare optimizer',
    description:
      'One step = `optimizer.minimize(loss, false, variables)` with `tf.train.sgd(0.01)` on a 784-256-256-10 ReLU MLP ' +
      '(softmax cross-entropy, batch 128, fixed seeded batch; each variant trains its own copy from identical weights). ' +
      'Ratios are the result; absolute ms depend on the machine. Target: plugged median ratio <= 1.02.',
    createdAt: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      cpus: os.cpus().length,
      'tfjs-core': tf.version_core,
    },
    runs,
    notes,
  };

  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const markdown = toMarkdown(report);
  await writeAtomically(`${dir}${BENCHMARK}.json`, toJson(report));
  await writeAtomically(`${dir}${BENCHMARK}.md`, markdown);
  process.stdout.write(markdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
