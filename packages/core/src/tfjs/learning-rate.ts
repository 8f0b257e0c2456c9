import type * as tf from '@tensorflow/tfjs-core';
import { describe, FlatoptError } from '../errors';

interface WithLearningRate {
  learningRate?: unknown;
  setLearningRate?(value: number): void;
}

/** The learning rate of a tfjs optimizer, when it has one (every `tf.train` optimizer does). */
export function learningRateOf(optimizer: tf.Optimizer): number | undefined {
  const lr = (optimizer as unknown as WithLearningRate).learningRate;
  return typeof lr === 'number' ? lr : undefined;
}

/**
 * Sets a tfjs optimizer's learning rate between steps. tfjs has no public setter on most
 * optimizers: Adam, Adamax, RMSProp, Adagrad and Adadelta read the `learningRate` field at every
 * update, but SGD and Momentum multiply by a scalar tensor `-learningRate` made once
 * (`this.c`), which only their `setLearningRate` remakes; writing the field alone would leave
 * them stepping with the old rate. An unchanged value is left alone (remaking `c` uploads a
 * tensor).
 */
export function setLearningRate(optimizer: tf.Optimizer, value: number, owner: string): void {
  const o = optimizer as unknown as WithLearningRate;
  if (typeof o.learningRate !== 'number') {
    throw new FlatoptError(
      `${owner}: the wrapped optimizer (${describe(optimizer.getClassName?.() ?? optimizer)}) has no numeric learningRate to schedule.`,
    );
  }
  if (o.learningRate === value) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(value);
  else o.learningRate = value;
}
