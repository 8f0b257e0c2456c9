/**
 * The optimizers the read-count and NaN checks compare, by name: 'bare' is `tf.train.adam(1e-3)`,
 * 'no plugins' is `withPlugins(tf.train.adam(1e-3))`, any other name is a conformance subject's
 * `withPlugins(tf.train.adam(1e-3), ...subject.create())`. Runs in the browser.
 */
import * as tf from '@tensorflow/tfjs';
import { withPlugins, type LossFn, type PluggedOptions } from '@flatopt/core';
import type { Problem } from '@flatopt/core/testing';
import { pluginsOf, subjectNamed } from './subjects';

export const BARE = 'bare';
export const NO_PLUGINS = 'no plugins';

export function optimizerFor(name: string, options: PluggedOptions = {}): tf.Optimizer {
  if (name === BARE) return tf.train.adam(1e-3);
  const plugins = name === NO_PLUGINS ? [] : pluginsOf(subjectNamed(name).create());
  return withPlugins(tf.train.adam(1e-3), ...plugins, options);
}

/** The loss the named optimizer trains on: per-example losses for the subjects that need them. */
export function lossFor(name: string, problem: Problem): LossFn {
  const perExample = name !== BARE && name !== NO_PLUGINS && subjectNamed(name).loss === 'perExample';
  return perExample ? problem.perExampleLoss : problem.loss;
}
