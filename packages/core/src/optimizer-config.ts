import * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from './errors';
import type { FiniteCheck } from './finite-guard';
import { deserializePlugin, serializePlugin, type SerializedPlugin } from './registry';
import type { NonFinitePolicy, Plugin } from './types';

/**
 * A PluggedOptimizer's config, as `model.save` stores it and `tf.loadLayersModel` reads it back:
 * the wrapped optimizer by its tfjs class name and config, each plugin by its registered type,
 * instance name and options, and the non-finite policy.
 */
export interface PluggedConfig {
  optimizer: { className: string; config: tf.serialization.ConfigDict };
  plugins: SerializedPlugin[];
  nonFinite?: NonFinitePolicy;
  finiteCheck?: FiniteCheck;
}

export function pluggedConfig(
  inner: tf.Optimizer,
  plugins: readonly Plugin[],
  nonFinite: NonFinitePolicy,
  finiteCheck: FiniteCheck,
): tf.serialization.ConfigDict {
  const config: PluggedConfig = {
    optimizer: { className: inner.getClassName(), config: inner.getConfig() },
    plugins: plugins.map(serializePlugin),
    nonFinite,
    finiteCheck,
  };
  return config as unknown as tf.serialization.ConfigDict;
}

/** The wrapped optimizer and plugins a config describes; their classes and types must be registered. */
export function fromPluggedConfig(config: tf.serialization.ConfigDict): {
  inner: tf.Optimizer;
  plugins: Plugin[];
  nonFinite?: NonFinitePolicy;
  finiteCheck?: FiniteCheck;
} {
  const c = config as unknown as PluggedConfig;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[c.optimizer?.className];
  if (!entry) {
    throw new FlatoptError(
      `fromConfig: the wrapped optimizer class ${describe(c.optimizer?.className)} is not registered with tf.serialization.`,
    );
  }
  const [innerCls, innerFromConfig] = entry;
  const inner = innerFromConfig(innerCls, c.optimizer.config) as tf.Optimizer;
  return {
    inner,
    plugins: (c.plugins ?? []).map(deserializePlugin),
    nonFinite: c.nonFinite,
    finiteCheck: c.finiteCheck,
  };
}
