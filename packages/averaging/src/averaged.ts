import * as tf from '@tensorflow/tfjs-core';
import {
  alias,
  checkKnownKeys,
  describeValue,
  FlatoptError,
  PluggedOptimizer,
  type Plugin,
} from '@flatopt/core';
import { averagingHandle, slowWeights, type AverageSlots, type AveragingHandle, type Stash } from './handles';

/** A tfjs-layers model, or anything with its non-trainable weights (BatchNorm statistics). */
export interface ModelWithStatistics {
  readonly nonTrainableWeights: ReadonlyArray<{ read(): tf.Tensor }>;
}

export interface AveragedOptions {
  /** Which averaging plugin, by name, when the optimizer has more than one (e.g. an `ema` and a `swa`). */
  plugin?: string;
  /**
   * A model whose non-trainable weights (BatchNorm moving statistics) are put back bit for bit
   * with the training weights, e.g. after `updateBatchNorm` recomputed them for the average.
   */
  model?: ModelWithStatistics;
}

interface Found {
  readonly plugin: Plugin;
  readonly handle: AveragingHandle;
  readonly optimizer: PluggedOptimizer;
}

const KEYS = ['plugin', 'model'];

/** The averaging plugin `options` picks out of `optimizer`, or a FlatoptError saying what is wrong. */
function find(owner: string, optimizer: unknown, options: AveragedOptions | undefined): Found {
  checkKnownKeys(owner, options, KEYS);
  if (!PluggedOptimizer.is(optimizer)) {
    throw new FlatoptError(
      `${owner}: expected an optimizer made by withPlugins(…) with an ema() or swa() plugin (for a tfjs-layers model, model.optimizer); got ${describeValue(optimizer)}.`,
    );
  }
  const found = optimizer.plugins.flatMap((plugin) => {
    const handle = averagingHandle(plugin);
    return handle ? [{ plugin, handle, optimizer }] : [];
  });
  const names = (list: readonly { name: string }[]) => list.map((p) => `'${p.name}'`).join(', ');
  if (found.length === 0) {
    const hasLookahead = optimizer.plugins.some((p) => slowWeights(p) !== undefined);
    throw new FlatoptError(
      `${owner}: the optimizer has no averaging plugin (ema or swa); its plugins: ${names(optimizer.plugins) || 'none'}.` +
        (hasLookahead
          ? ' (lookahead keeps no average to swap in: its weights are the slow weights after every k-th step.)'
          : ''),
    );
  }
  const wanted = options?.plugin;
  if (wanted !== undefined) {
    const match = found.find((f) => f.plugin.name === wanted);
    if (!match) {
      throw new FlatoptError(
        `${owner}: option 'plugin' must name one of the optimizer's averaging plugins (${names(found.map((f) => f.plugin))}); got ${describeValue(wanted)}.`,
      );
    }
    return match;
  }
  if (found.length > 1) {
    throw new FlatoptError(
      `${owner}: the optimizer has ${found.length} averaging plugins (${names(found.map((f) => f.plugin))}); pass { plugin: name } to pick one.`,
    );
  }
  return found[0];
}

/**
 * The averages, when there are any: the plugin's `init` ran (core runs it at the optimizer's first
 * step in this session) and at least one step was averaged. Reads one number (the count).
 */
function averages(owner: string, { plugin, handle, optimizer }: Found): AverageSlots {
  const slots = handle.slots;
  const name = `'${plugin.name}'`;
  if (!slots || slots.count.isDisposed) {
    if (slots) throw new FlatoptError(`${owner}: ${name}'s state was disposed with its optimizer.`);
    if (optimizer.iterations > 0) {
      throw new FlatoptError(
        `${owner}: ${name} has no average in this session yet: the optimizer's state was restored (iteration ${optimizer.iterations}, as after tf.loadLayersModel or setWeights), ` +
          `but core holds restored plugin state until the first step fixes the variable list. Take one training step first (or, before saving, assignAveraged so that the saved weights are the average).`,
      );
    }
    throw new FlatoptError(
      `${owner}: ${name} has no average yet: the optimizer has not taken a step (averaging starts at step ${handle.start}).`,
    );
  }
  if (slots.count.dataSync()[0] === 0) {
    throw new FlatoptError(
      `${owner}: ${name} has no average yet: it averages steps ${handle.start}, ${handle.start + handle.every}, … and the optimizer is at iteration ${optimizer.iterations}.`,
    );
  }
  return slots;
}

function modelVariables(owner: string, model: ModelWithStatistics | undefined): tf.Variable[] {
  if (model === undefined) return [];
  const weights = (model as { nonTrainableWeights?: unknown }).nonTrainableWeights;
  if (!Array.isArray(weights)) {
    throw new FlatoptError(
      `${owner}: option 'model' must be a tfjs-layers model (with nonTrainableWeights); got ${describeValue(model)}.`,
    );
  }
  return weights
    .map((w: { read(): tf.Tensor }) => w.read())
    .filter((v): v is tf.Variable => v instanceof tf.Variable);
}

/** Puts the averages into the weights and the training weights (and the model's statistics) aside. */
function swapIn(found: Found, slots: AverageSlots, others: readonly tf.Variable[]): void {
  // Aliases share the buffers (no kernel, no copy); tfjs never writes a buffer in place, so they
  // keep the values bit for bit. Kept: the caller may be inside a tf.tidy.
  const stash: Stash = {
    weights: slots.variables.map((v) => tf.keep(alias(v))),
    others: others.map((v) => [v, tf.keep(alias(v))] as const),
  };
  slots.variables.forEach((v, i) => v.assign(slots.averages[i]));
  found.handle.stash = stash;
}

/** Puts the training weights (and the model's statistics) back, bit for bit. */
function swapOut(found: Found): void {
  const { slots, stash } = found.handle;
  if (!stash || !slots) return;
  found.handle.stash = null;
  slots.variables.forEach((v, i) => v.isDisposed || v.assign(stash.weights[i]));
  for (const [v, t] of stash.others) if (!v.isDisposed) v.assign(t);
  tf.dispose([...stash.weights, ...stash.others.map(([, t]) => t)]);
}

/** Drops what a swap put aside, keeping the averages in the weights. */
function forget(found: Found): void {
  const stash = found.handle.stash;
  if (!stash) return;
  found.handle.stash = null;
  tf.dispose([...stash.weights, ...stash.others.map(([, t]) => t)]);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` with the average of the optimizer's `ema` or `swa` plugin in the trained variables
 * (the model's weights, for a tfjs-layers model trained with this optimizer), and puts the
 * training weights back afterwards bit for bit — after `fn` returns, after its promise settles
 * when it is async, and when it throws or rejects. With `{ model }`, the model's non-trainable
 * weights (BatchNorm statistics) are put back too, so `fn` may `updateBatchNorm` for the average.
 *
 * ```ts
 * const [loss, acc] = await withAveragedWeights(model.optimizer, () => model.evaluate(xs, ys) as tf.Scalar[]);
 * ```
 *
 * Throws a FlatoptError, changing nothing, when the optimizer has no averaging plugin, before the
 * first averaged step (no average yet), and while the averages are already swapped in. Training
 * inside `fn` is refused (the step would train the average). Reads one number (the count).
 */
export function withAveragedWeights<T>(
  optimizer: tf.Optimizer,
  fn: () => Promise<T>,
  options?: AveragedOptions,
): Promise<T>;
export function withAveragedWeights<T>(optimizer: tf.Optimizer, fn: () => T, options?: AveragedOptions): T;
export function withAveragedWeights<T>(
  optimizer: tf.Optimizer,
  fn: () => T | Promise<T>,
  options?: AveragedOptions,
): T | Promise<T> {
  const owner = 'withAveragedWeights';
  const found = find(owner, optimizer, options);
  if (typeof fn !== 'function') {
    throw new FlatoptError(`${owner}: 'fn' must be a function; got ${describeValue(fn)}.`);
  }
  if (found.handle.stash) {
    throw new FlatoptError(
      `${owner}: the averages of '${found.plugin.name}' are already swapped in (swapAveraged); call swapAveraged(optimizer) again to swap back first.`,
    );
  }
  const others = modelVariables(owner, options?.model);
  swapIn(found, averages(owner, found), others);
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (e) {
    swapOut(found);
    throw e;
  }
  if (!isThenable(result)) {
    swapOut(found);
    return result;
  }
  return (async () => {
    try {
      return await result;
    } finally {
      swapOut(found);
    }
  })();
}

/**
 * Swaps the average of the optimizer's `ema` or `swa` plugin into the trained variables, keeping
 * the training weights aside; called again, swaps them back bit for bit. Returns true when the
 * averages are in the weights after the call. While they are, training steps are refused. With
 * `{ model }` (on the swap in), the model's non-trainable weights are put back on the swap back.
 * Prefer {@link withAveragedWeights}, which cannot forget to swap back; dispose the optimizer only
 * after swapping back (the training weights are held until then).
 */
export function swapAveraged(optimizer: tf.Optimizer, options?: AveragedOptions): boolean {
  const owner = 'swapAveraged';
  const found = find(owner, optimizer, options);
  if (found.handle.stash) {
    swapOut(found);
    return false;
  }
  const others = modelVariables(owner, options?.model);
  swapIn(found, averages(owner, found), others);
  return true;
}

/**
 * Makes the average of the optimizer's `ema` or `swa` plugin the weights for good (e.g. before
 * `model.save` for deployment, then `updateBatchNorm`). Training state stays consistent:
 * - the averaging plugin keeps its average and count, so training on averages from the assigned
 *   weights, which equal the average;
 * - a `lookahead` in the same stack gets the assigned weights as its slow weights (its next
 *   synchronization would otherwise pull the weights back towards the old slow weights);
 * - the wrapped optimizer's state (momentum, Adam's moments, the iteration count) is kept: it
 *   describes the gradients, which the next step recomputes at the new weights;
 * - while the averages are swapped in, the swap is made permanent: the set-aside training
 *   weights (and model statistics) are dropped.
 * Throws like `withAveragedWeights` when there is no average yet.
 */
export function assignAveraged(optimizer: tf.Optimizer, options?: Pick<AveragedOptions, 'plugin'>): void {
  const owner = 'assignAveraged';
  checkKnownKeys(owner, options, ['plugin']);
  const found = find(owner, optimizer, options);
  if (found.handle.stash) forget(found);
  else {
    const slots = averages(owner, found);
    slots.variables.forEach((v, i) => v.assign(slots.averages[i]));
  }
  const variables = found.handle.slots!.variables;
  for (const plugin of found.optimizer.plugins) {
    const slow = slowWeights(plugin);
    if (!slow) continue;
    slow.slow.forEach((s, i) => s.assign(variables[i]));
  }
}
