import * as tf from '@tensorflow/tfjs-core';
import { mulberry32 } from '@flatopt/core';
import { withAveragedWeights } from '@flatopt/averaging';
import { topHessianEigenvalue } from '@flatopt/implicit-gr';
import { accuracy, mlp, type Mlp } from './model';
import { buildStack, type Stack, type StackConfig } from './stack';
import type { Split, Task } from './task';

/** One trained column: its model and its optimizer stack. */
export interface Column {
  readonly name: string;
  readonly model: Mlp;
  readonly stack: Stack;
}

export interface TrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  /** Train/test loss and accuracy every this many steps. */
  readonly evalEvery: number;
  /** The top Hessian eigenvalue every this many steps (0: never). */
  readonly sharpnessEvery: number;
  /** Weights and batch order: the same for both columns. */
  readonly seed: number;
}

export interface EvalRecord {
  readonly column: string;
  readonly step: number;
  /** `averaged`: the test split evaluated with the column's EMA/SWA average swapped in. */
  readonly split: 'train' | 'test' | 'averaged';
  readonly loss: number;
  readonly accuracy: number;
}

export interface SharpnessRecord {
  readonly column: string;
  readonly step: number;
  /** λ_max of the full training loss (power iteration on Hessian-vector products). */
  readonly lambdaMax: number;
}

export interface TrainEvents {
  onEval?(records: EvalRecord[]): void;
  onSharpness?(record: SharpnessRecord): void;
  /** After each step of both columns; return true to stop. */
  onStep?(step: number): boolean | void;
}

/** Both columns' models from the same seed (bit-identical initial weights) and their stacks. */
export function makeColumns(task: Task, configs: readonly StackConfig[], seed: number): Column[] {
  const sizes = [task.inputs, ...task.hidden, task.classes];
  const columns: Column[] = [];
  try {
    configs.forEach((config, i) => {
      const stack = buildStack(config); // throws on bad settings, before any model exists
      columns.push({ name: String.fromCharCode(65 + i), model: mlp(sizes, seed, `col${i}`), stack });
    });
    return columns;
  } catch (e) {
    disposeColumns(columns);
    throw e;
  }
}

export function disposeColumns(columns: readonly Column[]): void {
  for (const c of columns) {
    c.model.dispose();
    c.stack.optimizer.dispose();
  }
}

/** Seeded minibatch indices, reshuffled every epoch; shared so both columns see the same batches. */
export function batchOrder(n: number, batchSize: number, steps: number, seed: number): Int32Array[] {
  const random = mulberry32(seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const batches: Int32Array[] = [];
  let at = n;
  for (let s = 0; s < steps; s++) {
    if (at + batchSize > n) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      at = 0;
    }
    batches.push(perm.slice(at, at + batchSize));
    at += batchSize;
  }
  return batches;
}

/** Loss and accuracy of a whole split, read without blocking (one read for both). */
async function evaluate(model: Mlp, split: Split): Promise<[number, number]> {
  const both = tf.tidy(() => {
    const logits = model.logits(split.x);
    return tf.stack([model.loss(split.x, split.oneHot), accuracy(logits, split.labels)]);
  });
  const values = await both.data();
  both.dispose();
  return [values[0], values[1]];
}

async function evalRecords(columns: readonly Column[], task: Task, step: number): Promise<EvalRecord[]> {
  const records: EvalRecord[] = [];
  for (const c of columns) {
    for (const name of ['train', 'test'] as const) {
      const [loss, acc] = await evaluate(c.model, task[name]);
      records.push({ column: c.name, step, split: name, loss, accuracy: acc });
    }
    const from = c.stack.averagedFrom;
    if (from !== undefined && step >= from) {
      // Swapped in and back bit for bit; training is refused while swapped, and nothing trains here.
      const [loss, acc] = await withAveragedWeights(c.stack.optimizer, () => evaluate(c.model, task.test));
      records.push({ column: c.name, step, split: 'averaged', loss, accuracy: acc });
    }
  }
  return records;
}

/**
 * λ_max of the full training loss by power iteration (finite-difference Hessian-vector
 * products, which work on every backend). A probe: it reads as it goes, so it blocks a little on
 * WebGL, which is why it runs every few steps only.
 */
export function sharpnessOf(model: Mlp, split: Split, seed: number): number {
  const loss = () => model.loss(split.x, split.oneHot);
  return topHessianEigenvalue(loss, model.variables, { iterations: 20, tolerance: 1e-3, seed }).estimate;
}

function sharpnessDue(step: number, options: TrainOptions): boolean {
  return options.sharpnessEvery > 0 && (step % options.sharpnessEvery === 0 || step === options.steps);
}

/** One step of one column on the given batch, without blocking reads. */
async function stepColumn(c: Column, task: Task, batch: Int32Array): Promise<void> {
  const idx = tf.tensor1d(batch, 'int32');
  const x = tf.gather(task.train.x, idx);
  const y = tf.gather(task.train.oneHot, idx);
  try {
    await c.stack.optimizer.stepAsync(() => c.model.loss(x, y), c.model.variables);
  } finally {
    tf.dispose([idx, x, y]);
  }
}

/**
 * Trains the columns side by side, a step of each in turn, on the same batches: what differs
 * between them is only their optimizer stacks. Returns the number of steps made.
 */
export async function trainSideBySide(
  task: Task,
  columns: readonly Column[],
  options: TrainOptions,
  events: TrainEvents = {},
): Promise<number> {
  const batches = batchOrder(
    task.train.n,
    Math.min(options.batchSize, task.train.n),
    options.steps,
    options.seed,
  );
  events.onEval?.(await evalRecords(columns, task, 0));
  for (let step = 1; step <= options.steps; step++) {
    for (const c of columns) await stepColumn(c, task, batches[step - 1]);
    if (step % options.evalEvery === 0 || step === options.steps) {
      events.onEval?.(await evalRecords(columns, task, step));
    }
    if (sharpnessDue(step, options)) {
      for (const c of columns) {
        events.onSharpness?.({
          column: c.name,
          step,
          lambdaMax: sharpnessOf(c.model, task.train, options.seed),
        });
      }
    }
    if (events.onStep?.(step)) return step;
  }
  for (const c of columns) await c.stack.optimizer.settled();
  return options.steps;
}
