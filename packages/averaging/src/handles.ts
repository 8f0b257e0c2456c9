import * as tf from '@tensorflow/tfjs-core';
import { FlatoptError, type Plugin, type StepContext } from '@flatopt/core';

/**
 * How `withAveragedWeights`, `swapAveraged` and `assignAveraged` reach a plugin's state: a
 * non-enumerable property under a registered symbol (`Symbol.for`, so an ESM and a CJS copy of
 * this package recognize each other's plugins), invisible to `getConfig` and the plugin's type.
 */
export const AVERAGING: unique symbol = Symbol.for('@flatopt/averaging:average');
export const SLOW_WEIGHTS: unique symbol = Symbol.for('@flatopt/averaging:slow');

/** The state of an EMA or SWA plugin, created by its `init` (owned, saved and disposed by core). */
export interface AverageSlots {
  /** The trained variables, in the optimizer's fixed order. */
  readonly variables: readonly tf.Variable[];
  /** One average per trained variable (zeros until the first averaged step). */
  readonly averages: readonly tf.Variable[];
  /** How many iterates the averages hold (a float32 scalar). */
  readonly count: tf.Variable;
}

/** What one swap put aside: the training weights, and values to put back with them. */
export interface Stash {
  /** The training weights, aligned with `AverageSlots.variables` (aliases: no copy). */
  readonly weights: tf.Tensor[];
  /** Other variables to restore when swapping back (the model's BatchNorm statistics), with their values. */
  readonly others: ReadonlyArray<readonly [tf.Variable, tf.Tensor]>;
}

export interface AveragingHandle {
  readonly kind: 'ema' | 'swa';
  /** The first averaged step and the steps between averages, for error messages. */
  readonly start: number;
  readonly every: number;
  /** Null until the plugin's `init` ran (at the optimizer's first step in this session). */
  slots: AverageSlots | null;
  /** Non-null while the averages are swapped into the weights. */
  stash: Stash | null;
}

export interface SlowWeightsHandle {
  readonly variables: readonly tf.Variable[];
  readonly slow: readonly tf.Variable[];
}

/** The averaging handle of `plugin`, if it is an `ema` or `swa` plugin. */
export function averagingHandle(plugin: Plugin): AveragingHandle | undefined {
  return (plugin as { [AVERAGING]?: AveragingHandle })[AVERAGING];
}

/** Lookahead's slow weights, once its `init` ran. */
export function slowWeights(plugin: Plugin): SlowWeightsHandle | null | undefined {
  return (plugin as { [SLOW_WEIGHTS]?: () => SlowWeightsHandle | null })[SLOW_WEIGHTS]?.();
}

/** Attaches `value` to `hooks` under `key`, non-enumerable (definePlugin keeps the object). */
export function attach<T extends object>(hooks: T, key: symbol, value: unknown): T {
  return Object.defineProperty(hooks, key, { value, enumerable: false });
}

/** Whether step `iteration` (the wrapped optimizer's count before it) is one to average. */
export function due(iteration: number, start: number, every: number): boolean {
  return iteration >= start && (iteration - start) % every === 0;
}

/**
 * A training step while the averages are swapped in would train the average and be overwritten
 * by the swap back; refuse it before anything runs (the evaluate stage, so fit's forward pass does
 * not move BatchNorm statistics either).
 */
export function refuseWhileSwapped(name: string, handle: AveragingHandle): void {
  if (handle.stash) {
    throw new FlatoptError(
      `${name}: the averaged weights are swapped in (swapAveraged or withAveragedWeights), so this step would train the average and then be overwritten by the swap back. ` +
        `Call swapAveraged(optimizer) again to swap the training weights back, or assignAveraged(optimizer) to keep the averages, before training. Nothing was applied.`,
    );
  }
}

/** The apply stage's variables beyond the trained ones, and derived ones: a reparameterization is active. */
export function reparameterized(ctx: StepContext): boolean {
  return ctx.roles.some((r) => r !== 'trained');
}
