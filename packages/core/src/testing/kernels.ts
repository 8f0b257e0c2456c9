import * as tf from '@tensorflow/tfjs-core';
import { mlpProblem, type Problem } from './problems';

/**
 * How many kernels a piece of code launched, by kernel name. On tfjs-node and WebGL every kernel
 * call costs a fixed 17–40 µs whatever its size, so on a small model a step's time follows this
 * count, not its FLOPs; and unlike a time, the count is exact and the same on every backend for
 * the same code path, so tests can assert it.
 */
export interface KernelCounts {
  /** Every call (top-level and nested), by kernel name; a `tf.customGrad` op counts as `'(customGrad)'`. */
  readonly calls: Readonly<Record<string, number>>;
  /**
   * The calls made from inside another kernel call, by name: chiefly the Identity clones the
   * engine makes of every tensor a kernel saves for the gradient tape, and the ops of a
   * customGrad's forward function. They are included in `calls`.
   */
  readonly nested: Readonly<Record<string, number>>;
  /** Σ calls. */
  readonly total: number;
  /** Σ nested. */
  readonly totalNested: number;
}

type KernelParams = { kernelName?: string };
type CountingEngine = { runKernelFunc(params: KernelParams): unknown };

/**
 * Runs `fn` and counts the kernels it launches through the engine (`runKernelFunc`, which every
 * `runKernel`, op, tape clone and customGrad goes through). Counting does not change what runs.
 * Counts nest: an inner `countKernels` sees its own calls and the outer one sees them too.
 */
export function countKernels<T>(fn: () => T): { value: T; counts: KernelCounts } {
  const engine = tf.engine() as unknown as CountingEngine;
  const own = Object.prototype.hasOwnProperty.call(engine, 'runKernelFunc');
  const original = engine.runKernelFunc;
  const calls: Record<string, number> = {};
  const nested: Record<string, number> = {};
  let depth = 0;
  engine.runKernelFunc = function (this: CountingEngine, params: KernelParams) {
    const name = params.kernelName ?? '(customGrad)';
    calls[name] = (calls[name] ?? 0) + 1;
    if (depth > 0) nested[name] = (nested[name] ?? 0) + 1;
    depth++;
    try {
      return original.call(this, params);
    } finally {
      depth--;
    }
  };
  try {
    const value = fn();
    return { value, counts: { calls, nested, total: sum(calls), totalNested: sum(nested) } };
  } finally {
    if (own) engine.runKernelFunc = original;
    else delete (engine as Partial<CountingEngine>).runKernelFunc;
  }
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * `a − b` per kernel name (names whose counts are equal are left out), for saying what a step
 * adds to another: `{ Sum: 2, Identity: -1 }`.
 */
export function kernelDifference(a: KernelCounts, b: KernelCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of new Set([...Object.keys(a.calls), ...Object.keys(b.calls)])) {
    const d = (a.calls[name] ?? 0) - (b.calls[name] ?? 0);
    if (d !== 0) out[name] = d;
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])));
}

/** `"12 (Add 3, Identity 2, …)"`, the largest counts first, for messages. */
export function formatKernels(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
  return `${sum(counts)} (${entries.map(([k, n]) => `${k} ${n}`).join(', ')})`;
}

/**
 * The kernels of one training step, `step()`, counted after `warmup` uncounted steps (which let
 * the wrapped optimizer create its state, as in every step after the first).
 */
export function stepKernels(step: () => unknown, warmup = 2): KernelCounts {
  for (let i = 0; i < warmup; i++) tf.dispose(step() as tf.TensorContainer);
  const { value, counts } = countKernels(step);
  tf.dispose(value as tf.TensorContainer);
  return counts;
}

/**
 * The kernels of one step of `run(problem)` on a fresh kit problem (`mlpProblem({ seed })`),
 * counted by `stepKernels` and disposed afterwards, so no other problem's variables count.
 */
export function problemStepKernels(run: (p: Problem) => () => unknown, seed = 7): KernelCounts {
  const p = mlpProblem({ seed });
  try {
    return stepKernels(run(p));
  } finally {
    p.dispose();
  }
}

/** `"N kernels: Name +k, …"`: what `a` launches beyond `b`, for assertion messages. */
export function kernelsAdded(a: KernelCounts, b: KernelCounts): string {
  return `${a.total - b.total} kernels: ${formatKernels(kernelDifference(a, b))}`;
}
