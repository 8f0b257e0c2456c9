/**
 * The asynchronous step API the core change adds to PluggedOptimizer (`stepAsync`, `settled`),
 * reached without assuming it exists yet, so the lane states the specified behaviour and fails
 * with a plain message until it lands. Runs in the browser.
 */
import type { LossFn, PluggedOptimizer, StepReport } from '@flatopt/core';
import type * as tf from '@tensorflow/tfjs';

interface AsyncSteps {
  stepAsync?: (lossFn: LossFn, varList?: tf.Variable[]) => Promise<StepReport>;
  settled?: () => Promise<void>;
}

export function stepAsync(
  opt: PluggedOptimizer,
  lossFn: LossFn,
  varList?: tf.Variable[],
): Promise<StepReport> {
  const fn = (opt as unknown as AsyncSteps).stepAsync;
  if (typeof fn !== 'function') throw new Error('PluggedOptimizer.stepAsync is not implemented (yet).');
  return fn.call(opt, lossFn, varList);
}

/** `opt.settled()`, or null when the optimizer has none. */
export function settledOf(opt: PluggedOptimizer): (() => Promise<void>) | null {
  const fn = (opt as unknown as AsyncSteps).settled;
  return typeof fn === 'function' ? () => fn.call(opt) : null;
}
