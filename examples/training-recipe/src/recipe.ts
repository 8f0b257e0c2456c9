import * as tf from '@tensorflow/tfjs';
import { swa } from '@flatopt/averaging';
import {
  constant,
  join,
  warmupCosine,
  withPlugins,
  type PluggedOptimizer,
  type Schedule,
} from '@flatopt/core';
import { sam } from '@flatopt/sam';
import { clipByGlobalNorm, decoupledWeightDecay, learningRate } from '@flatopt/transforms';

/** The settings every variant shares, and the recipe's own. */
export interface RecipeSettings {
  /** Optimizer steps in the whole run (epochs × steps per epoch). */
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** Adam's learning rate for the baseline, and the peak of the recipe's schedule. */
  readonly learningRate: number;
  readonly peakLearningRate: number;
  /** Share of the run spent warming up (linear from 0 to the peak). */
  readonly warmupFraction: number;
  /** AdamW's λ (decay = scheduled learning rate × λ × weight). */
  readonly weightDecay: number;
  readonly maxGradNorm: number;
  readonly rho: number;
  /** SAM's micro-batches per batch (m-sharpness): one ascent each. */
  readonly microBatches: number;
  /** SWA averages one snapshot per epoch over the last `swaFraction` of the run. */
  readonly swaFraction: number;
  /** The constant learning rate of the SWA phase, as a fraction of the peak (PyTorch's `SWALR`). */
  readonly swaLearningRateFraction: number;
}

export type VariantName = 'adam' | 'adamw-cosine' | 'recipe';

/** Each variant, outermost plugin first; the first is the baseline. */
export const VARIANTS: readonly VariantName[] = ['adam', 'adamw-cosine', 'recipe'];

/**
 * The optimizer of a variant:
 * - `adam`: tf.train.adam at a constant rate, what most tfjs code trains with;
 * - `adamw-cosine`: the schedule, AdamW and clipping, without SAM or SWA;
 * - `recipe`: all of it. The stack's order is the recipe: the learning rate is set before the
 *   step; clipping stands outside SAM, so it clips the update gradient (SAM's mean over the
 *   micro-batches), not the ascent; the weight decay and SWA are apply-stage plugins that run
 *   after the gradients are final, SWA last, so it averages the decayed weights.
 */
export function buildOptimizer(variant: VariantName, s: RecipeSettings): PluggedOptimizer {
  if (variant === 'adam') return withPlugins(tf.train.adam(s.learningRate));
  // tf.train.adam's own rate is replaced at every step by the schedule.
  const adam = tf.train.adam(s.peakLearningRate);
  const clip = clipByGlobalNorm({ maxNorm: s.maxGradNorm });
  const decay = decoupledWeightDecay({ rate: s.weightDecay });
  if (variant === 'adamw-cosine')
    return withPlugins(adam, learningRate({ schedule: cosineSchedule(s, s.totalSteps, 0) }), clip, decay);
  const swaStart = Math.round((1 - s.swaFraction) * s.totalSteps);
  return withPlugins(
    adam,
    learningRate({ schedule: swaSchedule(s, swaStart) }),
    clip,
    sam({ rho: s.rho, microBatches: s.microBatches }),
    decay,
    swa({ start: swaStart, every: s.stepsPerEpoch }),
  );
}

/** Linear warm-up to the peak, then cosine down to `final` at step `end`. */
function cosineSchedule(s: RecipeSettings, end: number, final: number): Schedule {
  return warmupCosine({
    peak: s.peakLearningRate,
    warmup: Math.round(s.warmupFraction * s.totalSteps),
    total: end,
    final,
  });
}

/**
 * SWA's schedule (Izmailov et al.; PyTorch's `SWALR`): warm-up and cosine down to the SWA rate by
 * the time averaging starts, then that rate held, so the snapshots SWA averages still differ (a
 * rate annealed to 0 would leave little to average).
 */
function swaSchedule(s: RecipeSettings, swaStart: number): Schedule {
  const swaRate = s.swaLearningRateFraction * s.peakLearningRate;
  return join({
    schedules: [cosineSchedule(s, swaStart, swaRate), constant(swaRate)],
    boundaries: [swaStart],
  });
}
